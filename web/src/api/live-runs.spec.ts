import type { Execution } from '../../../openapi/client';
import { heardRun, withLiveRuns } from './live-runs';

const run = (id: string, status: string): Execution => ({ id, status }) as Execution;

describe('runs heard on the event stream', () => {
  it('puts a new run on top, moves a known one on, never back, and keeps at most the newest few', () => {
    let heard = heardRun([], run('a', 'queued'), 3);
    heard = heardRun(heard, run('a', 'running'), 3);
    expect(heard).toEqual([run('a', 'running')]);
    // A late queued event (the sync path's order) does not take the run back.
    expect(heardRun(heard, run('a', 'queued'), 3)).toBe(heard);
    heard = heardRun(heard, run('a', 'succeeded'), 3);
    heard = heardRun(heard, run('b', 'queued'), 3);
    expect(heard).toEqual([run('b', 'queued'), run('a', 'succeeded')]);
    heard = heardRun(heardRun(heard, run('c', 'running'), 3), run('d', 'running'), 3);
    expect(heard.map((execution) => execution.id)).toEqual(['d', 'c', 'b']);
  });

  it('lays them over a page of history: new runs on top, known ones as far as either source has them', () => {
    const page = { items: [run('b', 'running'), run('a', 'failed')], next_cursor: 'x' };
    expect(withLiveRuns(undefined, [run('c', 'queued')])).toBeUndefined();
    expect(withLiveRuns(page, [])).toBe(page);
    expect(withLiveRuns(page, [run('c', 'queued'), run('b', 'succeeded')])).toEqual({ items: [run('c', 'queued'), run('b', 'succeeded'), run('a', 'failed')], next_cursor: 'x' });
    // The page was read after the stream told of the start: it is further on, and wins.
    expect(withLiveRuns({ items: [run('b', 'succeeded')], next_cursor: null }, [run('b', 'running')])!.items).toEqual([run('b', 'succeeded')]);
  });
});

import { ManualClock } from '../common/clock';
import { planStream, positionOf, StreamItem, StreamPlan } from './event-replay';
import { PluginExecutionEntity } from './plugin-execution.entity';
import { formatEventId, parseEventId, RunEventLog } from './run-event-log';

const row = (id: string, status: PluginExecutionEntity['status']) => ({ id, status }) as PluginExecutionEntity;
const status = (execution: PluginExecutionEntity) => ({ type: 'status' as const, execution });
const progress = (current: number) => ({ type: 'progress' as const, progress: { current } });

/** `status:running@3-r`: what a planned item says, and its position and phase. */
const describeItem = (item: StreamItem) =>
  item.type === 'resync' ? `resync:${item.reason}` : `${item.type === 'status' ? `status:${item.execution.status}` : `progress:${item.progress.current}`}@${item.id.split('-').slice(1).join('-')}`;
const describePlan = (plan: StreamPlan) => (plan.done ? 'done' : { items: plan.items.map(describeItem), after: plan.after, phase: plan.phase });

describe('RunEventLog', () => {
  const setUp = (limits = { finishedTtlMs: 60_000, maxFinished: 10 }) => {
    const clock = new ManualClock('2026-11-24T10:00:00Z');
    const watched = new Set<string>();
    return { clock, watched, log: new RunEventLog(clock, (id) => watched.has(id), limits) };
  };

  it('numbers changes across runs, keeps statuses whole and only the latest progress', () => {
    const { log } = setUp();
    expect(log.record('a', status(row('a', 'running')))?.seq).toBe(1);
    expect(log.record('b', status(row('b', 'running')))?.seq).toBe(2);
    log.record('a', progress(1));
    log.record('a', progress(2));
    log.record('a', status(row('a', 'succeeded')));
    const a = log.get('a')!;
    expect(a.statuses.map((s) => [s.seq, s.phase])).toEqual([[1, 'r'], [5, 'f']]);
    expect(a.progress).toEqual({ seq: 4, change: progress(2) });
    expect(log.position).toBe(5);
  });

  it('drops what adds nothing: a status the run already had or went past, progress after the final status', () => {
    const { log } = setUp();
    log.record('a', status(row('a', 'running')));
    expect(log.record('a', status(row('a', 'running')))).toBeNull();
    log.record('a', status(row('a', 'failed')));
    expect(log.record('a', status(row('a', 'failed')))).toBeNull();
    expect(log.record('a', status(row('a', 'running')))).toBeNull();
    expect(log.record('a', progress(9))).toBeNull();
    expect(log.position).toBe(2);
  });

  it('forgets finished runs after their time by the Clock, or beyond the limit oldest first, but not while watched or unfinished', () => {
    const { log, clock, watched } = setUp({ finishedTtlMs: 60_000, maxFinished: 2 });
    log.record('running', status(row('running', 'running')));
    for (const id of ['a', 'b', 'c']) log.record(id, status(row(id, 'succeeded')));
    expect(['a', 'b', 'c'].map((id) => log.get(id) !== undefined)).toEqual([false, true, true]);
    watched.add('b');
    clock.advance(59_999);
    log.sweep();
    expect(log.get('b')).toBeDefined();
    clock.advance(1);
    log.sweep();
    expect(['b', 'c', 'running'].map((id) => log.get(id) !== undefined)).toEqual([true, false, true]);
    watched.delete('b');
    log.sweep();
    expect(log.get('b')).toBeUndefined();
  });

  it('writes and reads event ids, refusing anything else', () => {
    expect(parseEventId(formatEventId({ epoch: '0a1b2c3d', seq: 42, phase: 'r' }))).toEqual({ epoch: '0a1b2c3d', seq: 42, phase: 'r' });
    for (const bad of ['', 'x', '0a1b2c3d-42', '0a1b2c3d-42-x', '0A1B2C3D-42-r', '0a1b2c3d-042-r', '0a1b2c3d--1-r', '0a1b2c3d-1234567890123456-r', ' 0a1b2c3d-1-r']) {
      expect(parseEventId(bad)).toBeNull();
    }
    expect([positionOf(undefined), positionOf(''), positionOf('nope')]).toEqual([null, null, 'invalid']);
  });
});

describe('planStream', () => {
  const clock = new ManualClock();
  /** A run that was queued, started (1), reported twice (3, 5) and succeeded (6); another run logged in between. */
  const logged = () => {
    const log = new RunEventLog(clock, () => false);
    log.record('run', status(row('run', 'running')));
    log.record('other', status(row('other', 'running')));
    log.record('run', progress(1));
    log.record('other', progress(7));
    log.record('run', progress(2));
    log.record('run', status(row('run', 'succeeded')));
    return log;
  };
  const at = (log: RunEventLog, seq: number, phase: 'q' | 'r' | 'f') => formatEventId({ epoch: log.epoch, seq, phase });
  const plan = (log: RunEventLog, current: PluginExecutionEntity, lastEventId?: string) => describePlan(planStream(log, current.id, current, positionOf(lastEventId)));

  it('gives a new client the run as it is: its status, then its latest progress while it runs', () => {
    const log = logged();
    expect(plan(log, row('run', 'succeeded'))).toEqual({ items: ['status:succeeded@6-f'], after: 6, phase: 'f' });
    log.record('third', status(row('third', 'running')));
    log.record('third', progress(4));
    expect(plan(log, row('third', 'running'))).toEqual({ items: ['status:running@7-r', 'progress:4@8-r'], after: 8, phase: 'r' });
    // Nothing logged: the row is the state, at the current position.
    expect(plan(log, row('queued', 'queued'))).toEqual({ items: ['status:queued@8-q'], after: 8, phase: 'q' });
  });

  it('replays what a client missed: statuses past its phase and the latest progress past its position, in order', () => {
    const log = logged();
    expect(plan(log, row('run', 'succeeded'), at(log, 0, 'q'))).toEqual({ items: ['status:running@1-r', 'progress:2@5-r', 'status:succeeded@6-f'], after: 6, phase: 'f' });
    expect(plan(log, row('run', 'succeeded'), at(log, 3, 'r'))).toEqual({ items: ['progress:2@5-r', 'status:succeeded@6-f'], after: 6, phase: 'f' });
    expect(plan(log, row('run', 'succeeded'), at(log, 5, 'r'))).toEqual({ items: ['status:succeeded@6-f'], after: 6, phase: 'f' });
    expect(plan(log, row('run', 'succeeded'), at(log, 6, 'f'))).toBe('done');
  });

  it('waits for a change the row shows before its event is logged, without flagging it', () => {
    const log = logged();
    log.record('late', status(row('late', 'running')));
    // The final row is committed; its event is on its way and reaches the stream live.
    expect(plan(log, row('late', 'failed'), at(log, 7, 'r'))).toEqual({ items: [], after: 7, phase: 'r' });
    expect(plan(log, row('queued', 'queued'), at(log, 3, 'q'))).toEqual({ items: [], after: 7, phase: 'q' });
  });

  it('flags a snapshot when it cannot tell what was missed', () => {
    const log = logged();
    const other = `${log.epoch === 'ffffffff' ? '00000000' : 'ffffffff'}`;
    expect(plan(log, row('run', 'succeeded'), 'not-an-id')).toEqual({ items: ['resync:invalid_id', 'status:succeeded@6-f'], after: 6, phase: 'f' });
    expect(plan(log, row('run', 'succeeded'), `${other}-3-r`)).toEqual({ items: ['resync:other_process', 'status:succeeded@6-f'], after: 6, phase: 'f' });
    expect(plan(log, row('run', 'succeeded'), `${other}-3-f`)).toBe('done');
    expect(plan(log, row('run', 'succeeded'), at(log, 7, 'r'))).toEqual({ items: ['resync:unknown_id', 'status:succeeded@6-f'], after: 6, phase: 'f' });
    expect(plan(log, row('queued', 'queued'), at(log, 2, 'r'))).toEqual({ items: ['resync:unknown_id', 'status:queued@6-q'], after: 6, phase: 'q' });
    // Finished and not logged (forgotten, or finished before this process): the row, flagged.
    expect(plan(log, row('gone', 'failed'), at(log, 2, 'r'))).toEqual({ items: ['resync:expired', 'status:failed@6-f'], after: 6, phase: 'f' });
    expect(plan(log, row('gone', 'failed'), at(log, 2, 'f'))).toBe('done');
  });
});

import { EventSource } from 'undici';
import { ManualClock } from '../src/common/clock';
import { releaseRun, waitingAt } from './fixtures/plugins/good/function_style';
import { rawRequest } from './helpers/raw-http';
import { kindOf, ServerSentEvent, SseStream } from './helpers/sse-client';
import { expectProblem, TestApp } from './helpers/test-app';

/** Reads a text/event-stream to its end. */
async function readEvents(url: string, headers: Record<string, string> = {}): Promise<{ status: number; contentType: string | null; retry: number | null; events: ServerSentEvent[] }> {
  const stream = await SseStream.open(url, headers);
  const events = await stream.rest();
  return { status: stream.status, contentType: stream.headers.get('content-type'), retry: stream.retry, events };
}

/** Polls a condition of the app's state (not a timing under test) until it holds. */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The position in an event id (`<process>-<position>-<phase>`). */
const seqOf = (event: ServerSentEvent): number => Number(event.id!.split('-')[1]);

describe('execution events over SSE (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  const startAsync = async (name: string, config: Record<string, unknown>) => {
    const instance = await app.post('/api/plugins/instances', { template_id: 'fixture_function', name, config });
    const accepted = await app.post(`/api/plugins/instances/${instance.body.id}/execute`, undefined, { prefer: 'respond-async' });
    expect(accepted.status).toBe(202);
    return accepted.body.id as string;
  };

  it('streams status and progress in order, each with an increasing id, and ends with the final status', async () => {
    const executionId = await startAsync('Watched', { mode: 'progress_wait', gate: 'watched', lines: 3 });
    const stream = readEvents(`${app.baseUrl}/api/plugins/executions/${executionId}/events`);
    // Let the stream attach and the run start, then let it report and finish.
    await until(() => waitingAt('watched'), 'the run to wait at its gate');
    await new Promise((r) => setTimeout(r, 100));
    releaseRun('watched');
    const { status, contentType, retry, events } = await stream;
    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/event-stream/);
    expect(retry).toBe(1000);
    const kinds = events.map(kindOf);
    expect(kinds[0]).toMatch(/^status:(queued|running)$/);
    expect(kinds.slice(-4)).toEqual(['progress:1', 'progress:2', 'progress:3', 'status:succeeded']);
    expect(events[events.length - 1].data).toMatchObject({ id: executionId, status: 'succeeded', result: { reported: 3 } });
    for (const event of events) expect(event.id).toMatch(/^[0-9a-f]{8}-\d+-[qrf]$/);
    const seqs = events.map(seqOf);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(events[events.length - 1].id).toMatch(/-f$/);
  });

  it('sends one final event for a finished run and 404s for an unknown one', async () => {
    const executionId = await startAsync('Already done', { mode: 'ok' });
    await until(async () => (await app.get(`/api/plugins/executions/${executionId}`)).body.status === 'succeeded', 'the run to finish');
    const { events } = await readEvents(`${app.baseUrl}/api/plugins/executions/${executionId}/events`);
    expect(events).toEqual([{ id: expect.stringMatching(/-f$/), event: 'status', data: expect.objectContaining({ id: executionId, status: 'succeeded' }) }]);
    expectProblem(await app.get('/api/plugins/executions/00000000-0000-0000-0000-000000000000/events'), 404, 'execution-not-found');
    expectProblem(await app.get('/api/plugins/executions/00000000-0000-0000-0000-000000000000/events', { 'last-event-id': 'whatever' }), 404, 'execution-not-found');
  });

  it('closes the connection after the stream when the client sent Connection: close', async () => {
    const executionId = await startAsync('Closed after', { mode: 'ok' });
    await until(async () => (await app.get(`/api/plugins/executions/${executionId}`)).body.status === 'succeeded', 'the run to finish');
    const response = await rawRequest(Number(new URL(app.baseUrl).port), { method: 'GET', path: `/api/plugins/executions/${executionId}/events`, headers: [['connection', 'close']] }, { untilClosed: true, timeoutMs: 5000 });
    expect(response.status).toBe(200);
    expect(response.headers.connection).toBe('close');
    expect(response.text).toContain('"status":"succeeded"');
  });

  it('ends the stream with cancelled when the run is cancelled', async () => {
    const executionId = await startAsync('Cancelled while watched', { mode: 'wait_abortable', gate: 'never' });
    const stream = readEvents(`${app.baseUrl}/api/plugins/executions/${executionId}/events`);
    await new Promise((r) => setTimeout(r, 150));
    expect((await app.post(`/api/plugins/executions/${executionId}/cancel`)).status).toBe(202);
    const { events } = await stream;
    expect(events[events.length - 1].data).toMatchObject({ status: 'cancelled', error: { type: 'cancelled' } });
  });
});

describe('resuming the event stream with Last-Event-ID (e2e)', () => {
  const clock = new ManualClock();
  let app: TestApp;
  let instances = 0;

  beforeAll(async () => {
    // One run at a time, so a run can be held queued behind another.
    app = await TestApp.start({ env: { EXECUTION_CONCURRENCY: '1' }, clock });
  });
  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  const eventsUrl = (executionId: string, query = '') => `${app.baseUrl}/api/plugins/executions/${executionId}/events${query}`;
  const start = async (config: Record<string, unknown>) => {
    const instance = await app.post('/api/plugins/instances', { template_id: 'fixture_function', name: `Resumed ${++instances}`, config });
    const accepted = await app.post(`/api/plugins/instances/${instance.body.id}/execute`, undefined, { prefer: 'respond-async' });
    expect(accepted.status).toBe(202);
    return accepted.body.id as string;
  };
  /** A progress_steps run held at its gate, having reported `reported` steps. */
  const stepped = async (gate: string, reported = 0) => {
    const executionId = await start({ mode: 'progress_steps', gate, lines: 3 });
    await until(() => waitingAt(gate), `${gate} to start`);
    for (let i = 0; i < reported; i++) await step(gate);
    return executionId;
  };
  /** Lets a progress_steps run report its next step, and waits until it holds again. */
  const step = async (gate: string) => {
    releaseRun(gate);
    await until(() => waitingAt(gate), `${gate} to report and wait again`);
  };
  const finish = async (gate: string, executionId: string) => {
    releaseRun(gate);
    await until(async () => (await app.get(`/api/plugins/executions/${executionId}`)).body.status === 'succeeded', `${executionId} to finish`);
  };
  /** A run that ran to its end, with the ids of its running status and of its final status. */
  const finishedRun = async (gate: string) => {
    const executionId = await stepped(gate);
    const stream = await SseStream.open(eventsUrl(executionId));
    const running = (await stream.next())!;
    stream.close();
    for (let i = 0; i < 3; i++) await step(gate);
    await finish(gate, executionId);
    const final = (await readEvents(eventsUrl(executionId))).events[0];
    expect([running.id, final.id]).toEqual([expect.stringMatching(/-r$/), expect.stringMatching(/-f$/)]);
    return { executionId, runningId: running.id!, finalId: final.id! };
  };

  it('gives a client that dropped while the run was queued every transition it missed and the latest progress, then goes on live', async () => {
    await start({ mode: 'wait_abortable', gate: 'blocker' });
    await until(() => waitingAt('blocker'), 'the blocker to hold the one slot');
    const executionId = await start({ mode: 'progress_steps', gate: 'queued-drop', lines: 3 });

    const first = await SseStream.open(eventsUrl(executionId));
    const queued = (await first.next())!;
    expect(kindOf(queued)).toBe('status:queued');
    expect(queued.id).toMatch(/^[0-9a-f]{8}-\d+-q$/);
    first.close();

    // Meanwhile the run starts and reports two steps.
    releaseRun('blocker');
    await until(() => waitingAt('queued-drop'), 'the run to start');
    await step('queued-drop');
    await step('queued-drop');

    const resumed = await SseStream.open(eventsUrl(executionId), { 'last-event-id': queued.id! });
    expect(resumed.status).toBe(200);
    // The run is held: these two are all it missed (progress 1 is coalesced into 2).
    const missed = [(await resumed.next())!, (await resumed.next())!];
    expect(missed.map(kindOf)).toEqual(['status:running', 'progress:2']);
    expect(missed[0].data).toMatchObject({ id: executionId, status: 'running' });
    expect(missed[1].data).toEqual({ current: 2, total: 3 });
    await step('queued-drop');
    releaseRun('queued-drop');
    const live = await resumed.rest();
    expect(live.map(kindOf)).toEqual(['progress:3', 'status:succeeded']);

    const all = [queued, ...missed, ...live];
    expect(all.map((event) => event.id!.split('-')[2])).toEqual(['q', 'r', 'r', 'r', 'f']);
    const seqs = all.map(seqOf);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('gives a client that dropped mid-run, after the run ended, the latest progress and the final status; with the final one it gets 204', async () => {
    const executionId = await stepped('running-drop', 1);
    const first = await SseStream.open(eventsUrl(executionId));
    // A fresh stream starts with the run as it is: its status, then its latest progress.
    const seen = [(await first.next())!, (await first.next())!];
    expect(seen.map(kindOf)).toEqual(['status:running', 'progress:1']);
    first.close();

    await step('running-drop');
    await step('running-drop');
    await finish('running-drop', executionId);

    const { status, events } = await readEvents(eventsUrl(executionId), { 'last-event-id': seen[1].id! });
    expect(status).toBe(200);
    expect(events.map(kindOf)).toEqual(['progress:3', 'status:succeeded']);
    expect(events[1].data).toMatchObject({ id: executionId, status: 'succeeded', result: { reported: 3 }, progress: { current: 3, total: 3 } });
    expect(seqOf(events[0])).toBeGreaterThan(seqOf(seen[1]));

    // The client has the final status: nothing more, and a 204 stops EventSource from reconnecting.
    const done = await app.get(`/api/plugins/executions/${executionId}/events`, { 'last-event-id': events[1].id! });
    expect(done.status).toBe(204);
    expect(done.text).toBe('');
    // A reconnect with the running status only: the final one, no progress it did not miss.
    const late = await readEvents(eventsUrl(executionId), { 'last-event-id': events[0].id! });
    expect(late.events.map(kindOf)).toEqual(['status:succeeded']);
  });

  it('takes the id as the last_event_id query parameter too; the header wins over it; a malformed one is a 400', async () => {
    const { executionId, runningId, finalId } = await finishedRun('query-form');
    const byQuery = await readEvents(eventsUrl(executionId, `?last_event_id=${runningId}`));
    expect(byQuery.events.map(kindOf)).toEqual(['progress:3', 'status:succeeded']);
    expect((await app.get(`/api/plugins/executions/${executionId}/events?last_event_id=${finalId}`)).status).toBe(204);
    const headerWins = await app.get(`/api/plugins/executions/${executionId}/events?last_event_id=${runningId}`, { 'last-event-id': finalId });
    expect(headerWins.status).toBe(204);

    for (const bad of ['garbage', '', '3f9a1c02-1-x', `${finalId}&last_event_id=${finalId}`]) {
      const response = await app.get(`/api/plugins/executions/${executionId}/events?last_event_id=${bad}`);
      expectProblem(response, 400, 'validation-failed');
      expect(response.body.errors[0].path).toBe('/last_event_id');
    }
  });

  it('answers an id it cannot place with a resync event and the run as it is now, never a 5xx', async () => {
    const { executionId, runningId, finalId } = await finishedRun('bad-ids');
    const [epoch, seq] = runningId.split('-');
    const otherEpoch = `${epoch.slice(0, 7)}${epoch[7] === '0' ? '1' : '0'}`;
    const cases: [string, string][] = [
      ['garbage', 'invalid_id'],
      ['x'.repeat(5000), 'invalid_id'],
      [`${runningId}, ${finalId}`, 'invalid_id'],
      [`${otherEpoch}-${seq}-r`, 'other_process'],
      [`${epoch}-999999999999-r`, 'unknown_id'],
    ];
    for (const [lastEventId, reason] of cases) {
      const { status, events } = await readEvents(eventsUrl(executionId), { 'last-event-id': lastEventId });
      expect({ lastEventId, status, events: events.map(kindOf) }).toEqual({ lastEventId, status: 200, events: [`resync:${reason}`, 'status:succeeded'] });
      expect(events[0].id).toBeNull();
      expect(events[1].id).toMatch(new RegExp(`^${epoch}-\\d+-f$`));
    }
    // A final status from another process is still the final status: a finished run never changes.
    expect((await app.get(`/api/plugins/executions/${executionId}/events`, { 'last-event-id': `${otherEpoch}-5-f` })).status).toBe(204);

    // Claiming the final status of a run still running is no id this server wrote.
    const running = await stepped('bad-ids-running', 1);
    const stream = await SseStream.open(eventsUrl(running), { 'last-event-id': `${epoch}-1-f` });
    expect([kindOf((await stream.next())!), kindOf((await stream.next())!), kindOf((await stream.next())!)]).toEqual(['resync:unknown_id', 'status:running', 'progress:1']);
    stream.close();
    await step('bad-ids-running');
    await step('bad-ids-running');
    await finish('bad-ids-running', running);
  });

  it("forgets a finished run's events five minutes after it ended (by the Clock): a later reconnect gets a flagged snapshot", async () => {
    const { executionId, runningId } = await finishedRun('expiry');
    clock.advance(5 * 60_000 - 1);
    expect((await readEvents(eventsUrl(executionId), { 'last-event-id': runningId })).events.map(kindOf)).toEqual(['progress:3', 'status:succeeded']);
    clock.advance(1);
    const { events } = await readEvents(eventsUrl(executionId), { 'last-event-id': runningId });
    expect(events.map(kindOf)).toEqual(['resync:expired', 'status:succeeded']);
    expect(events[1].data).toMatchObject({ id: executionId, progress: { current: 3, total: 3 } });
  });

  it('works with a real EventSource: it reconnects after a dropped connection, resumes without losing or repeating events, and stops at the 204', async () => {
    const executionId = await stepped('event-source', 1);
    const server = app.app.getHttpServer();
    const connections: { socket: import('node:net').Socket; lastEventId: string | undefined }[] = [];
    const onRequest = (request: import('node:http').IncomingMessage) => {
      if (request.url?.includes(`${executionId}/events`)) connections.push({ socket: request.socket, lastEventId: request.headers['last-event-id'] as string | undefined });
    };
    server.on('request', onRequest);
    const received: { type: string; id: string; data: any }[] = [];
    const source = new EventSource(eventsUrl(executionId));
    try {
      for (const type of ['status', 'progress', 'resync']) {
        source.addEventListener(type, (event) => received.push({ type, id: (event as MessageEvent).lastEventId, data: JSON.parse((event as MessageEvent).data) }));
      }
      await until(() => received.length === 2, 'the first two events');
      // The connection drops; while EventSource waits its retry time, the run moves on.
      connections[0].socket.destroy();
      await step('event-source');
      await step('event-source');
      await until(() => received.length === 3, 'EventSource to reconnect and resume');
      expect(connections[1].lastEventId).toBe(received[1].id);
      releaseRun('event-source');
      // The stream ends after the final status; EventSource reconnects with its id, gets 204, and stops.
      await until(() => source.readyState === source.CLOSED, 'EventSource to stop after the 204');
      expect(connections.map((c) => c.lastEventId)).toEqual([undefined, received[1].id, received[3].id]);
    } finally {
      source.close();
      server.off('request', onRequest);
    }
    const kinds = received.map((event) => (event.type === 'status' ? `status:${event.data.status}` : `${event.type}:${event.data.current}`));
    expect(kinds).toEqual(['status:running', 'progress:1', 'progress:3', 'status:succeeded']);
  });

  it('tells ids of an earlier process apart after a restart', async () => {
    const { executionId, runningId, finalId } = await finishedRun('restart');
    await app.close();
    app = await TestApp.start({ dataDir: app.dataDir, env: { EXECUTION_CONCURRENCY: '1' }, clock });
    const { events } = await readEvents(eventsUrl(executionId), { 'last-event-id': runningId });
    expect(events.map(kindOf)).toEqual(['resync:other_process', 'status:succeeded']);
    expect(events[1].id!.split('-')[0]).not.toBe(runningId.split('-')[0]);
    expect((await app.get(`/api/plugins/executions/${executionId}/events`, { 'last-event-id': finalId })).status).toBe(204);
  });
});

describe('history retention (e2e)', () => {
  it('keeps the newest EXECUTION_HISTORY_LIMIT runs per instance', async () => {
    const app = await TestApp.start({ env: { EXECUTION_HISTORY_LIMIT: '3' } });
    try {
      const instance = (await app.post('/api/plugins/instances', { template_id: 'fixture_function', name: 'Pruned', config: { mode: 'ok' } })).body;
      const other = (await app.post('/api/plugins/instances', { template_id: 'fixture_function', name: 'Untouched', config: { mode: 'ok' } })).body;
      await app.post(`/api/plugins/instances/${other.id}/execute`);
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await app.post(`/api/plugins/instances/${instance.id}/execute`)).body.id);
      let kept: string[] = [];
      for (let i = 0; i < 50; i++) {
        kept = (await app.get(`/api/plugins/instances/${instance.id}/executions`)).body.items.map((e: { id: string }) => e.id);
        if (kept.length === 3) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(kept).toEqual(ids.slice(3).reverse());
      expect((await app.get(`/api/plugins/instances/${other.id}/executions`)).body.items).toHaveLength(1);
    } finally {
      await app.close();
      app.removeData();
    }
  });

  it('keeps history bounded over many runs, counting each retry attempt, without pruning every run', async () => {
    const app = await TestApp.start({ env: { EXECUTION_HISTORY_LIMIT: '4' } });
    try {
      const create = async (name: string, config: Record<string, unknown>, policy?: Record<string, unknown>) =>
        (await app.post('/api/plugins/instances', { template_id: 'fixture_function', name, config, ...(policy ? { execution_policy: policy } : {}) })).body.id as string;
      const pruned = await create('Bounded', { mode: 'ok' });
      const retried = await create('Bounded retries', { mode: 'throw' }, { max_attempts: 2, backoff_ms: 0 });
      const historyOf = async (id: string) => (await app.get(`/api/plugins/instances/${id}/executions?limit=50`)).body.items as { id: string; attempt: number }[];
      const settle = async (id: string, expected: number) => {
        let rows = await historyOf(id);
        for (let i = 0; i < 100 && rows.length !== expected; i++) {
          await new Promise((r) => setTimeout(r, 20));
          rows = await historyOf(id);
        }
        return rows;
      };
      const ids: string[] = [];
      for (let i = 0; i < 15; i++) {
        ids.push((await app.post(`/api/plugins/instances/${pruned}/execute`)).body.id);
        const rows = await settle(pruned, Math.min(i + 1, 4));
        expect(rows.map((row) => row.id)).toEqual(ids.slice(-4).reverse());
      }
      // Each run of this instance is two attempts (two rows): the limit counts rows.
      for (let i = 0; i < 4; i++) expect((await app.post(`/api/plugins/instances/${retried}/execute`)).body.attempt).toBe(2);
      const rows = await settle(retried, 4);
      expect(rows.map((row) => row.attempt)).toEqual([2, 1, 2, 1]);
    } finally {
      await app.close();
      app.removeData();
    }
  });
});

describe('cancelling a running table_loader import (e2e)', () => {
  it('stops the import and leaves the old table as it was', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const app = await TestApp.start({ env: { CANCEL_GRACE_MS: '2000' } });
    try {
      fs.writeFileSync(path.join(app.dataDir, 'small.csv'), 'n,label\n' + Array.from({ length: 10 }, (_, i) => `${i},row ${i}`).join('\n') + '\n');
      const big = fs.createWriteStream(path.join(app.dataDir, 'big.csv'));
      big.write('n,label\n');
      for (let i = 0; i < 400_000; i++) big.write(`${i},row ${i}\n`);
      await new Promise((resolve) => big.end(resolve));

      const loader = (await app.post('/api/plugins/instances', { template_id: 'table_loader', name: 'Loader', config: { file_path: 'small.csv', table_name: 'guarded' } })).body;
      expect((await app.post(`/api/plugins/instances/${loader.id}/execute`)).body.status).toBe('succeeded');
      await app.put(`/api/plugins/instances/${loader.id}`, { config: { file_path: 'big.csv', table_name: 'guarded' } });

      const run = (await app.post(`/api/plugins/instances/${loader.id}/execute`, undefined, { prefer: 'respond-async' })).body;
      for (let i = 0; i < 200; i++) {
        const current = (await app.get(`/api/plugins/executions/${run.id}`)).body;
        if (current.status === 'running') break;
        await new Promise((r) => setTimeout(r, 10));
      }
      expect((await app.post(`/api/plugins/executions/${run.id}/cancel`)).status).toBe(202);
      let final: any;
      for (let i = 0; i < 300; i++) {
        final = (await app.get(`/api/plugins/executions/${run.id}`)).body;
        if (final.status !== 'running') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(final).toMatchObject({ status: 'cancelled', error: { type: 'cancelled' } });
      const table = (await app.get('/api/data/tables')).body.items.find((t: { name: string }) => t.name === 'guarded');
      expect(table.row_count).toBe(10);
      // The instance still shows its last completed run.
      expect((await app.get(`/api/plugins/instances/${loader.id}`)).body.status).toBe('active');
    } finally {
      await app.close();
      app.removeData();
    }
  });
});

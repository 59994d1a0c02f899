import { ExecutionEvents } from '../src/execution/execution-events';
import { releaseRun, waitingAt } from './fixtures/plugins/good/function_style';
import { ServerSentEvent, SseStream } from './helpers/sse-client';
import { expectProblem, TestApp } from './helpers/test-app';

/**
 * GET /instances/{id}/events and GET /executions/events: the runs of an instance (of every instance), whoever
 * started them, as they are queued, start and finish, over real HTTP.
 */

const INSTANCES = '/api/plugins/instances';

/** Polls a condition of the app's state (not a timing under test) until it holds. */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** `queued:<execution id>`, `instance:<status>`: an event in a form easy to compare. */
const describeEvent = (event: ServerSentEvent): string =>
  event.event === 'instance' ? `instance:${event.data.status}` : event.event === 'resync' ? `resync:${event.data.reason}` : `${event.event}:${event.data.id}`;

/** The next `count` events of a stream, described. */
async function nextEvents(stream: SseStream, count: number): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  while (events.length < count) {
    const event = await stream.next(5000);
    if (!event) throw new Error(`the stream ended after ${events.map(describeEvent).join(', ')}`);
    events.push(event);
  }
  return events;
}

describe('event streams of runs by instance (e2e)', () => {
  let app: TestApp;
  let events: ExecutionEvents;
  let counter = 0;
  const open: SseStream[] = [];

  beforeAll(async () => {
    app = await TestApp.start();
    events = app.app.get(ExecutionEvents);
  });
  afterEach(() => {
    for (const stream of open.splice(0)) stream.close();
  });
  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  const createInstance = async (config: Record<string, unknown> = { mode: 'ok' }): Promise<string> => {
    const created = await app.post(INSTANCES, { template_id: 'fixture_function', name: `Followed ${++counter}`, config });
    expect(created.status).toBe(201);
    return created.body.id;
  };
  /** Opens a stream and waits until the server has subscribed it (so no run of the test can come before). */
  const openStream = async (instanceId: string | null, headers: Record<string, string> = {}): Promise<SseStream> => {
    const before = events.activityListeners(instanceId);
    const stream = await SseStream.open(`${app.baseUrl}${instanceId ? `${INSTANCES}/${instanceId}/events` : '/api/plugins/executions/events'}`, headers);
    open.push(stream);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await until(() => events.activityListeners(instanceId) > before, 'the stream to subscribe');
    return stream;
  };

  it("sends a run started through the API and one started by a webhook to that instance's stream and the global one, not to another instance's", async () => {
    const followed = await createInstance({ mode: 'trigger' });
    const other = await createInstance();
    const stream = await openStream(followed);
    const otherStream = await openStream(other);
    const all = await openStream(null);

    // Started through the API, as a client or the console would, without waiting.
    const accepted = await app.post(`${INSTANCES}/${followed}/execute`, undefined, { prefer: 'respond-async' });
    expect(accepted.status).toBe(202);
    const api = accepted.body.id as string;
    const first = await nextEvents(stream, 4);
    expect(first.map(describeEvent)).toEqual([`queued:${api}`, `running:${api}`, `finished:${api}`, 'instance:active']);
    expect(first[0].data).toMatchObject({ id: api, instance_id: followed, status: 'queued', trigger: { type: 'manual' }, started_at: null });
    expect(first[1].data).toMatchObject({ status: 'running', started_at: expect.any(String) });
    expect(first[2].data).toMatchObject({ status: 'succeeded', result: { trigger: { type: 'manual' } }, error: null, duration_ms: expect.any(Number) });
    const finished = (await app.get(`${INSTANCES}/${followed}`)).body;
    expect(first[3].data).toEqual(finished);
    expect(first[3].data.last_run).toEqual(first[2].data.finished_at);
    // Run events have increasing ids (<process>-<position>); the instance event has none.
    const positions = first.slice(0, 3).map((event) => Number(event.id!.split('-')[1]));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(first[0].id).toMatch(/^[0-9a-f]{8}-\d+$/);
    expect(first[3].id).toBeNull();

    // Started by a webhook delivery: the same events; the body is not in the stream (GET the run for it).
    const hook = await app.post(`${INSTANCES}/${followed}/webhooks`, { name: 'stream-hook' });
    const delivered = await app.request('POST', hook.body.url, { rawBody: JSON.stringify({ ref: 'refs/heads/main' }), headers: { 'content-type': 'application/json' } });
    expect(delivered.status).toBe(202);
    const webhook = delivered.body.execution_id as string;
    const second = await nextEvents(stream, 4);
    expect(second.map(describeEvent)).toEqual([`queued:${webhook}`, `running:${webhook}`, `finished:${webhook}`, 'instance:active']);
    expect(second[0].data.trigger).toEqual({ type: 'webhook', webhook_id: hook.body.id });
    expect(second[2].data).toMatchObject({ status: 'succeeded', trigger: { type: 'webhook', webhook_id: hook.body.id } });
    expect((await app.get(`/api/plugins/executions/${webhook}`)).body.trigger.payload).toEqual({ ref: 'refs/heads/main' });

    // The other instance's stream heard nothing of them: its first event is its own run.
    const own = await app.post(`${INSTANCES}/${other}/execute`, undefined, { prefer: 'respond-async' });
    expect((await nextEvents(otherStream, 4)).map(describeEvent)).toEqual([`queued:${own.body.id}`, `running:${own.body.id}`, `finished:${own.body.id}`, 'instance:active']);

    // The global stream heard all three, each instance's in order.
    const everything = (await nextEvents(all, 12)).map(describeEvent);
    for (const id of [api, webhook, own.body.id]) expect(everything.filter((event) => event.endsWith(id))).toEqual([`queued:${id}`, `running:${id}`, `finished:${id}`]);
    expect(everything.filter((event) => event.startsWith('instance:'))).toHaveLength(3);
  });

  it('sends a run that starts at once as running then finished, a failure with its error and the instance in error, and a retry as a new run', async () => {
    const failing = await createInstance({ mode: 'fail_times', fail_times: 1, label: `stream-retry-${counter}` });
    expect((await app.put(`${INSTANCES}/${failing}`, { execution_policy: { max_attempts: 2, backoff_ms: 400 } })).status).toBe(200);
    const stream = await openStream(failing);
    // Synchronous: started at once when a slot is free (no queued row), and answered once the chain settles.
    const waited = await app.post(`${INSTANCES}/${failing}/execute`);
    expect(waited.status).toBe(200);
    const got = await nextEvents(stream, 7);
    const [firstId, retryId] = [got[0].data.id, got[3].data.id];
    expect(waited.body.id).toBe(retryId);
    expect(got.map(describeEvent)).toEqual([`running:${firstId}`, `finished:${firstId}`, 'instance:pending', `queued:${retryId}`, `running:${retryId}`, `finished:${retryId}`, 'instance:active']);
    expect(got[1].data).toMatchObject({ status: 'failed', error: { type: 'handler_error' } });
    expect(got[3].data).toMatchObject({ attempt: 2, retry_of: firstId, trigger: { type: 'retry', original: { type: 'manual' } } });
    expect(got[3].data.trigger).not.toHaveProperty('payload');
  });

  it('answers 404 for an unknown instance and 400 for a malformed id, and starts with resync when the client reconnects', async () => {
    expectProblem(await app.get(`${INSTANCES}/00000000-0000-4000-8000-000000000000/events`), 404, 'instance-not-found');
    expectProblem(await app.get(`${INSTANCES}/00000000-0000-4000-8000-000000000000/events`, { 'last-event-id': 'whatever' }), 404, 'instance-not-found');
    expectProblem(await app.get(`${INSTANCES}/not-a-uuid/events`), 400, 'validation-failed');
    expect(events.activityListeners('00000000-0000-4000-8000-000000000000')).toBe(0);

    const instanceId = await createInstance();
    const resumed = await openStream(instanceId, { 'last-event-id': '3f9a1c02-57' });
    expect(resumed.retry).toBe(null);
    expect((await resumed.next()) as ServerSentEvent).toEqual({ id: null, event: 'resync', data: { reason: 'reconnected' } });
    expect(resumed.retry).toBe(1000);
    const everything = await openStream(null, { 'last-event-id': 'from an older server' });
    expect(describeEvent((await everything.next())!)).toBe('resync:reconnected');
  });

  it('stops listening when the client goes away, also in the middle of a run, leaving no listener behind', async () => {
    const instanceId = await createInstance({ mode: 'wait', gate: 'stream-gone' });
    await until(() => events.activityListeners(null) === 0, "the earlier tests' streams to unsubscribe");
    const baseline = { instance: events.activityListeners(instanceId), all: events.activityListeners(null), shutdown: events.closeListeners() };
    expect(baseline.instance).toBe(0);
    const streams = [await openStream(instanceId), await openStream(instanceId), await openStream(null)];
    expect(events.activityListeners(instanceId)).toBe(2);
    expect(events.activityListeners(null)).toBe(baseline.all + 1);
    expect(events.closeListeners()).toBe(baseline.shutdown + 3);

    const accepted = await app.post(`${INSTANCES}/${instanceId}/execute`, undefined, { prefer: 'respond-async' });
    await until(() => waitingAt('stream-gone'), 'the run to start');
    expect((await nextEvents(streams[0], 2)).map(describeEvent)).toEqual([`queued:${accepted.body.id}`, `running:${accepted.body.id}`]);
    // One goes away while the run is under way; the others still get its end.
    streams[0].close();
    await until(() => events.activityListeners(instanceId) === 1, 'the first stream to unsubscribe');
    releaseRun('stream-gone');
    expect((await nextEvents(streams[1], 4)).map(describeEvent).slice(2)).toEqual([`finished:${accepted.body.id}`, 'instance:active']);
    streams[1].close();
    streams[2].close();
    await until(() => events.activityListeners(instanceId) === 0 && events.activityListeners(null) === baseline.all && events.closeListeners() === baseline.shutdown, 'every stream to unsubscribe');
  });

  it('ends open streams when the server shuts down', async () => {
    const own = await TestApp.start();
    try {
      const created = await own.post(INSTANCES, { template_id: 'fixture_function', name: 'Open at shutdown', config: { mode: 'ok' } });
      const stream = await SseStream.open(`${own.baseUrl}${INSTANCES}/${created.body.id}/events`);
      const ownEvents = own.app.get(ExecutionEvents);
      await until(() => ownEvents.activityListeners(created.body.id) === 1, 'the stream to subscribe');
      const closing = own.close();
      expect(await stream.next()).toBeNull();
      await closing;
      expect(ownEvents.activityListeners(created.body.id)).toBe(0);
    } finally {
      own.removeData();
    }
  });
});

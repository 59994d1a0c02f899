import { setTimeout as delay } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { ManualClock } from '../src/common/clock';
import { NotificationReceiver, waitFor } from './helpers/notification-receiver';
import { expectProblem, TestApp } from './helpers/test-app';

/**
 * Notifications end to end: a run's outcome goes through the outbox to a receiver on 127.0.0.1 (allowed through
 * the outbound guard by FETCH_ALLOW_HOSTS, the guard itself on), signed per Standard Webhooks and verified with
 * the library. Retries wait for the ManualClock to move.
 */
const INSTANCES = '/api/plugins/instances';
const CHANNELS = '/api/notifications/channels';
const ALLOW_LOOPBACK = { FETCH_ALLOW_HOSTS: '127.0.0.1' };
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

describe('notification delivery', () => {
  let app: TestApp;
  let clock: ManualClock;
  let receiver: NotificationReceiver;

  beforeAll(async () => {
    receiver = await new NotificationReceiver().start();
    clock = new ManualClock(Date.now());
    app = await TestApp.start({ clock, env: ALLOW_LOOPBACK });
  });

  afterAll(async () => {
    await app.close();
    app.removeData();
    await receiver.stop();
  });

  async function createInstance(target: TestApp = app): Promise<string> {
    const response = await target.post(INSTANCES, { template_id: 'fixture_function', name: unique('notified'), config: { mode: 'throw', label: 'n' } });
    expect(response.status).toBe(201);
    return response.body.id;
  }

  async function run(instanceId: string, mode: 'ok' | 'throw', target: TestApp = app): Promise<any> {
    expect((await target.put(`${INSTANCES}/${instanceId}`, { config: { mode, label: 'n' } })).status).toBe(200);
    const response = await target.post(`${INSTANCES}/${instanceId}/execute`);
    expect(response.status).toBe(200);
    expect(response.body.status).toBe(mode === 'ok' ? 'succeeded' : 'failed');
    return response.body;
  }

  async function createChannel(fields: Record<string, unknown>, target: TestApp = app, port = receiver.port): Promise<{ id: string; secret: string; path: string }> {
    const path = `/${unique('hook')}`;
    const response = await target.post(CHANNELS, { name: unique('channel'), type: 'webhook', config: { url: `http://127.0.0.1:${port}${path}` }, events: ['execution.failed'], ...fields });
    expect(response.status).toBe(201);
    return { id: response.body.id, secret: response.body.signing_secret, path };
  }

  const deliveries = async (channelId: string, target: TestApp = app): Promise<any[]> => (await target.get(`/api/notifications/deliveries?channel_id=${channelId}`)).body.items;

  it('sends a failed run to a subscribed webhook channel once, signed per Standard Webhooks', async () => {
    const instanceId = await createInstance();
    const channel = await createChannel({ instance_ids: [instanceId] });
    const failed = await run(instanceId, 'throw');

    const [message] = await waitFor('the notification', async () => receiver.at(channel.path).length > 0 && receiver.at(channel.path));
    const payload = new Webhook(channel.secret).verify(message.body, message.headers as Record<string, string>) as any;
    expect(payload).toMatchObject({ type: 'execution.failed', data: { execution_id: failed.id, instance_id: instanceId, template_id: 'fixture_function', status: 'failed', error: { message: expect.stringContaining('blew up') } } });

    const [attempt] = await waitFor('the delivery log', async () => (await deliveries(channel.id)).length > 0 && deliveries(channel.id));
    expect(attempt).toMatchObject({ outcome: 'delivered', status_code: 200, event: 'execution.failed', message_id: message.headers['webhook-id'] });
    await delay(300);
    expect(receiver.at(channel.path)).toHaveLength(1);
  });

  it('does not send a succeeded run to a failed-only channel, and sends it to a succeeded one', async () => {
    const instanceId = await createInstance();
    const failedOnly = await createChannel({ instance_ids: [instanceId] });
    const succeeded = await createChannel({ instance_ids: [instanceId], events: ['execution.succeeded'] });
    await run(instanceId, 'ok');
    await waitFor('the success notice', async () => receiver.at(succeeded.path).length > 0);
    await delay(300);
    expect(receiver.at(failedOnly.path)).toHaveLength(0);
  });

  it('filters by instance and by template', async () => {
    const instanceId = await createInstance();
    const other = await createInstance();
    const ofOther = await createChannel({ instance_ids: [other] });
    const ofTemplate = await createChannel({ template_ids: ['fixture_function'], instance_ids: [instanceId] });
    const ofOtherTemplate = await createChannel({ template_ids: ['api_fetcher'] });
    await run(instanceId, 'throw');
    await waitFor('the template channel', async () => receiver.at(ofTemplate.path).length > 0);
    await delay(300);
    expect(receiver.at(ofOther.path)).toHaveLength(0);
    expect(receiver.at(ofOtherTemplate.path)).toHaveLength(0);
  });

  it('retries after a 500 once the backoff has passed by the Clock, then delivers', async () => {
    const instanceId = await createInstance();
    const channel = await createChannel({ instance_ids: [instanceId] });
    receiver.statuses = [500];
    await run(instanceId, 'throw');
    await waitFor('the failed attempt', async () => (await deliveries(channel.id)).some((d) => d.outcome === 'failed'));
    await delay(300);
    expect(receiver.at(channel.path)).toHaveLength(1);

    clock.advance(11_000);
    const log = await waitFor('the retry', async () => {
      const items = await deliveries(channel.id);
      return items.some((d) => d.outcome === 'delivered') && items;
    });
    expect(log.map((d: any) => [d.outcome, d.status_code])).toEqual([
      ['delivered', 200],
      ['failed', 500],
    ]);
    const [first, second] = receiver.at(channel.path);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
  });

  it('a receiver that does not answer holds up only its own channel: another channel\'s message goes out meanwhile', async () => {
    const silent = await new NotificationReceiver().start();
    silent.hold();
    try {
      const slowInstance = await createInstance();
      const slow = await createChannel({ instance_ids: [slowInstance] }, app, silent.port);
      await run(slowInstance, 'throw');
      await waitFor('the unanswered request', () => silent.at(slow.path).length === 1);

      const quickInstance = await createInstance();
      const quick = await createChannel({ instance_ids: [quickInstance] });
      const failed = await run(quickInstance, 'throw');
      // Well inside the 10 s the held request may take: the quick channel does not wait for it.
      const [message] = await waitFor('the other channel\'s message', () => receiver.at(quick.path).length > 0 && receiver.at(quick.path), 3000);
      expect((new Webhook(quick.secret).verify(message.body, message.headers as Record<string, string>) as any).data.execution_id).toBe(failed.id);
      expect(await deliveries(slow.id)).toEqual([]);
    } finally {
      await silent.stop();
    }
  });

  it('dead-letters a message after five failed attempts and tries no more', async () => {
    const instanceId = await createInstance();
    const channel = await createChannel({ instance_ids: [instanceId] });
    receiver.statuses = [500, 500, 500, 500, 500, 500];
    await run(instanceId, 'throw');
    for (let attempt = 1; attempt <= 5; attempt++) {
      await waitFor(`attempt ${attempt}`, async () => (await deliveries(channel.id)).length >= attempt);
      clock.advance(3_600_000);
    }
    await delay(400);
    const log = await deliveries(channel.id);
    expect(log.map((d) => d.outcome)).toEqual(['dead', 'failed', 'failed', 'failed', 'failed']);
    expect(receiver.at(channel.path)).toHaveLength(5);
    receiver.statuses = [];
  });

  it('sends a test message now, webhook and Slack, and logs it', async () => {
    const channel = await createChannel({ instance_ids: ['00000000-0000-4000-8000-000000000000'] });
    const response = await app.post(`${CHANNELS}/${channel.id}/test`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ delivered: true, status_code: 200, error: null });
    const [message] = receiver.at(channel.path);
    expect(new Webhook(channel.secret).verify(message.body, message.headers as Record<string, string>)).toMatchObject({ type: 'notification.test' });
    expect((await deliveries(channel.id))[0]).toMatchObject({ event: 'notification.test', outcome: 'delivered', message_id: null });

    const slackPath = `/${unique('slack')}`;
    const slack = await app.post(CHANNELS, { name: unique('slack'), type: 'slack', config: { webhook_url: `http://127.0.0.1:${receiver.port}${slackPath}` }, events: ['execution.failed'], instance_ids: ['00000000-0000-4000-8000-000000000000'] });
    expect((await app.post(`${CHANNELS}/${slack.body.id}/test`)).body.delivered).toBe(true);
    expect(JSON.parse(receiver.at(slackPath)[0].body)).toEqual({ text: expect.stringContaining('Test notification') });

    expectProblem(await app.post(`${CHANNELS}/00000000-0000-4000-8000-000000000000/test`), 404, 'channel-not-found');
    expectProblem(await app.get('/api/notifications/deliveries?channel_id=nope'), 400, 'validation-failed');
  });

  it('pages the delivery log newest first by cursor, stable while attempts are logged, and refuses a cursor it did not issue', async () => {
    const channel = await createChannel({ instance_ids: ['00000000-0000-4000-8000-000000000000'] });
    const other = await createChannel({ instance_ids: ['00000000-0000-4000-8000-000000000000'] });
    const send = async (id: string) => expect((await app.post(`${CHANNELS}/${id}/test`)).body.delivered).toBe(true);
    for (let i = 0; i < 7; i += 1) await send(channel.id);
    await send(other.id);
    const url = (query: string) => `/api/notifications/deliveries?channel_id=${channel.id}&${query}`;

    // Without limit or cursor: every attempt of the channel (fewer than the default 50), and next_cursor null.
    const all = (await app.get(url(''))).body;
    expect(all.next_cursor).toBeNull();
    expect(all.items).toHaveLength(7);
    const ids: number[] = all.items.map((item: any) => item.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);

    // Pages of 3: 3, 3, 1. An attempt logged between two pages comes before the first page, so it neither repeats nor
    // pushes an attempt onto the next page twice.
    const first = (await app.get(url('limit=3'))).body;
    expect(first.items.map((item: any) => item.id)).toEqual(ids.slice(0, 3));
    expect(typeof first.next_cursor).toBe('string');
    await send(channel.id);
    const second = (await app.get(url(`limit=3&cursor=${first.next_cursor}`))).body;
    expect(second.items.map((item: any) => item.id)).toEqual(ids.slice(3, 6));
    const third = (await app.get(url(`limit=3&cursor=${second.next_cursor}`))).body;
    expect(third).toEqual({ items: [expect.objectContaining({ id: ids[6], channel_id: channel.id, event: 'notification.test' })], next_cursor: null });
    // The new attempt heads the log now; the other channel's never shows here.
    const now = (await app.get(url('limit=1'))).body;
    expect(now.items[0].id).toBeGreaterThan(ids[0]);
    expect((await app.get(url('limit=500'))).body.items.every((item: any) => item.channel_id === channel.id)).toBe(true);
    // Across channels too (no channel_id): pages of the whole log, newest first.
    const everything = (await app.get('/api/notifications/deliveries?limit=2')).body;
    expect(everything.items).toHaveLength(2);
    const following = (await app.get(`/api/notifications/deliveries?limit=2&cursor=${everything.next_cursor}`)).body;
    expect(following.items[0].id).toBeLessThan(everything.items[1].id);

    // A cursor this server did not issue, a limit out of range: 400, and nothing else changes.
    for (const bad of ['nope', Buffer.from('[-1]').toString('base64url'), Buffer.from('["x"]').toString('base64url'), Buffer.from('[1.5]').toString('base64url')]) {
      const response = await app.get(url(`cursor=${encodeURIComponent(bad)}`));
      expectProblem(response, 400, 'validation-failed');
      expect(response.body.errors).toEqual([{ path: '/cursor', message: 'invalid cursor' }]);
    }
    expectProblem(await app.get(url(`cursor=${'x'.repeat(1001)}`)), 400, 'validation-failed');
    for (const limit of ['0', '501', 'many']) expectProblem(await app.get(url(`limit=${limit}`)), 400, 'validation-failed');
    expect((await app.get(url(''))).body.items).toHaveLength(8);
  });

  it('a test send to a private address nobody allowed is refused by the outbound guard', async () => {
    const guarded = await TestApp.start();
    try {
      const created = await guarded.post(CHANNELS, { name: unique('private'), type: 'webhook', config: { url: `http://127.0.0.1:${receiver.port}/private` }, events: ['execution.failed'] });
      const response = await guarded.post(`${CHANNELS}/${created.body.id}/test`);
      expect(response.body).toMatchObject({ delivered: false, status_code: null, error: expect.stringContaining('127.0.0.1') });
      expect(receiver.at('/private')).toHaveLength(0);
    } finally {
      await guarded.close();
      guarded.removeData();
    }
  });

  it('keeps the outbox row committed with the run: after a restart the notification still goes out, once', async () => {
    // The receiver is down while the first app runs: the run's notice can only wait in the outbox.
    const down = await new NotificationReceiver().start();
    const port = down.port;
    await down.stop();
    const restartClock = new ManualClock(Date.now());
    const first = await TestApp.start({ clock: restartClock, env: ALLOW_LOOPBACK });
    const instanceId = await createInstance(first);
    const channel = await createChannel({ instance_ids: [instanceId] }, first, port);
    const failed = await run(instanceId, 'throw', first);
    await waitFor('the refused attempt', async () => (await deliveries(channel.id, first)).length > 0);
    await first.close();

    const back = await new NotificationReceiver().start(port);
    restartClock.advance(11_000);
    const second = await TestApp.start({ clock: restartClock, env: ALLOW_LOOPBACK, dataDir: first.dataDir });
    try {
      const [message] = await waitFor('the notice after the restart', async () => back.at(channel.path).length > 0 && back.at(channel.path));
      expect((new Webhook(channel.secret).verify(message.body, message.headers as Record<string, string>) as any).data.execution_id).toBe(failed.id);
      await delay(300);
      expect(back.at(channel.path)).toHaveLength(1);
      expect((await deliveries(channel.id, second)).map((d) => d.outcome)).toEqual(['delivered', 'failed']);
    } finally {
      await second.close();
      second.removeData();
      await back.stop();
    }
  });
});

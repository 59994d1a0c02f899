import { setTimeout as delay } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { ManualClock } from '../src/common/clock';
import { NotificationReceiver, waitFor } from './helpers/notification-receiver';
import { expectProblem, TestApp } from './helpers/test-app';

/**
 * What keeps notifications from spamming and failing instances from running forever: an instance's failure
 * streak, channels' failure thresholds and recovery messages, grouping of repeats inside a window (time moved by a
 * ManualClock), and `execution_policy.disable_after_failures`. Receivers on 127.0.0.1, allowed by FETCH_ALLOW_HOSTS.
 */
const INSTANCES = '/api/plugins/instances';
const CHANNELS = '/api/notifications/channels';
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

describe('notification policies: streaks, thresholds, recovery, grouping, auto-disable', () => {
  let app: TestApp;
  let clock: ManualClock;
  let receiver: NotificationReceiver;

  beforeAll(async () => {
    receiver = await new NotificationReceiver().start();
    clock = new ManualClock(Date.now());
    app = await TestApp.start({ clock, env: { FETCH_ALLOW_HOSTS: '127.0.0.1' } });
  });

  afterAll(async () => {
    await app.close();
    app.removeData();
    await receiver.stop();
  });

  async function createInstance(executionPolicy?: Record<string, unknown>): Promise<string> {
    const response = await app.post(INSTANCES, { template_id: 'fixture_function', name: unique('streaky'), config: { mode: 'throw', label: 's' }, ...(executionPolicy ? { execution_policy: executionPolicy } : {}) });
    expect(response.status).toBe(201);
    return response.body.id;
  }

  /** Runs the instance once, failing or succeeding as asked (its config is changed only when the mode changes). */
  async function run(instanceId: string, mode: 'ok' | 'throw'): Promise<any> {
    const current = (await app.get(`${INSTANCES}/${instanceId}`)).body;
    if (current.config.mode !== mode) expect((await app.put(`${INSTANCES}/${instanceId}`, { config: { mode, label: 's' } })).status).toBe(200);
    const response = await app.post(`${INSTANCES}/${instanceId}/execute`);
    expect(response.status).toBe(200);
    expect(response.body.status).toBe(mode === 'ok' ? 'succeeded' : 'failed');
    return response.body;
  }

  async function createChannel(fields: Record<string, unknown>): Promise<{ id: string; secret: string; path: string }> {
    const path = `/${unique('hook')}`;
    const response = await app.post(CHANNELS, { name: unique('channel'), type: 'webhook', config: { url: `http://127.0.0.1:${receiver.port}${path}` }, events: ['execution.failed'], group_window_seconds: 0, ...fields });
    expect(response.status).toBe(201);
    return { id: response.body.id, secret: response.body.signing_secret, path };
  }

  /** What a channel received so far, each message verified with the Standard Webhooks library. */
  const messages = (channel: { secret: string; path: string }): any[] => receiver.at(channel.path).map((message) => new Webhook(channel.secret).verify(message.body, message.headers as Record<string, string>));
  const instance = async (id: string) => (await app.get(`${INSTANCES}/${id}`)).body;

  /** Waits until the channel has `count` messages, then a little longer to see that no more come. */
  async function expectMessages(channel: { secret: string; path: string }, count: number): Promise<any[]> {
    if (count > 0) await waitFor(`${count} messages`, () => receiver.at(channel.path).length >= count);
    await delay(250);
    const received = messages(channel);
    expect(received).toHaveLength(count);
    return received;
  }

  it('counts failed runs in a row on the instance; a success resets the count', async () => {
    const id = await createInstance();
    expect((await instance(id)).consecutive_failures).toBe(0);
    await run(id, 'throw');
    await run(id, 'throw');
    expect((await instance(id)).consecutive_failures).toBe(2);
    await run(id, 'ok');
    expect((await instance(id)).consecutive_failures).toBe(0);
    await run(id, 'throw');
    expect((await instance(id)).consecutive_failures).toBe(1);
  });

  it('failure_threshold 3: the first two failures send nothing, the third and fourth do; the success after sends one recovery', async () => {
    const id = await createInstance();
    const alerts = await createChannel({ instance_ids: [id], events: ['execution.failed', 'execution.recovered'], failure_threshold: 3 });
    const quieter = await createChannel({ instance_ids: [id], events: ['execution.failed', 'execution.recovered'], failure_threshold: 5 });
    const recoveriesOnly = await createChannel({ instance_ids: [id], events: ['execution.recovered'] });

    await run(id, 'throw');
    await run(id, 'throw');
    await expectMessages(alerts, 0);
    const third = await run(id, 'throw');
    const [first] = await expectMessages(alerts, 1);
    expect(first).toMatchObject({ type: 'execution.failed', data: { execution_id: third.id, instance_id: id, instance_name: expect.stringMatching(/^streaky-/), consecutive_failures: 3, occurrences: 1 } });
    await run(id, 'throw');
    expect((await expectMessages(alerts, 2))[1].data.consecutive_failures).toBe(4);

    const success = await run(id, 'ok');
    const received = await expectMessages(alerts, 3);
    expect(received[2]).toMatchObject({ type: 'execution.recovered', data: { execution_id: success.id, status: 'succeeded', consecutive_failures: 0, previous_failures: 4 } });
    await run(id, 'ok');
    await expectMessages(alerts, 3);
    // A streak of four never reached the quieter channel's five: no failure, so no recovery either.
    await expectMessages(quieter, 0);
    expect((await expectMessages(recoveriesOnly, 1))[0]).toMatchObject({ type: 'execution.recovered', data: { previous_failures: 4 } });
  });

  it('groups repeats inside the window: the first at once, the rest as one message when the window ends, one message per window after that', async () => {
    const id = await createInstance();
    const other = await createInstance();
    const channel = await createChannel({ instance_ids: [id, other], group_window_seconds: 600 });

    const first = await run(id, 'throw');
    expect((await expectMessages(channel, 1))[0]).toMatchObject({ data: { execution_id: first.id, occurrences: 1 } });
    clock.advance(60_000);
    const repeats = [await run(id, 'throw'), await run(id, 'throw'), await run(id, 'throw')];
    // Another instance's failure is not a repeat of this one's: it goes out at once.
    const ofOther = await run(other, 'throw');
    const afterOther = await expectMessages(channel, 2);
    expect(afterOther[1].data.execution_id).toBe(ofOther.id);

    clock.advance(539_000); // one second before the window ends
    await expectMessages(channel, 2);
    clock.advance(2_000);
    const grouped = (await expectMessages(channel, 3))[2];
    expect(grouped).toMatchObject({ type: 'execution.failed', data: { instance_id: id, execution_id: repeats[2].id, occurrences: 3, consecutive_failures: 4, execution_ids: repeats.map((r) => r.id), first_at: repeats[0].finished_at, last_at: repeats[2].finished_at } });

    // Inside the next window: held until it ends, however many come.
    clock.advance(10_000);
    const late = await run(id, 'throw');
    await expectMessages(channel, 3);
    clock.advance(600_000);
    expect((await expectMessages(channel, 4))[3]).toMatchObject({ data: { execution_id: late.id, occurrences: 1 } });

    // Quiet for longer than a window: the next failure goes out at once again.
    clock.advance(3_600_000);
    const fresh = await run(id, 'throw');
    expect((await expectMessages(channel, 5))[4]).toMatchObject({ data: { execution_id: fresh.id, occurrences: 1 } });
  });

  it('disable_after_failures 2: the second failure in a row disables the instance as a new version and announces it; enabled again, it gets two more runs', async () => {
    const id = await createInstance({ disable_after_failures: 2 });
    const channel = await createChannel({ instance_ids: [id], events: ['instance.auto_disabled'] });

    await run(id, 'throw');
    expect((await instance(id)).enabled).toBe(true);
    const second = await run(id, 'throw');
    const disabled = await instance(id);
    expect(disabled).toMatchObject({ enabled: false, status: 'inactive', consecutive_failures: 2, next_run_at: null });
    const [latest] = (await app.get(`${INSTANCES}/${id}/versions?limit=1`)).body.items;
    expect(latest).toMatchObject({ version: disabled.version, change_kind: 'auto_disable', changed_by: 'system', enabled: false });
    expectProblem(await app.post(`${INSTANCES}/${id}/execute`), 409, 'instance-disabled');
    const [notice] = await expectMessages(channel, 1);
    expect(notice).toMatchObject({ type: 'instance.auto_disabled', data: { instance_id: id, instance_name: disabled.name, consecutive_failures: 2, disable_after_failures: 2, execution_id: second.id } });

    expect((await app.put(`${INSTANCES}/${id}`, { enabled: true })).status).toBe(200);
    await run(id, 'throw');
    expect(await instance(id)).toMatchObject({ enabled: true, consecutive_failures: 3 });
    await run(id, 'throw');
    expect(await instance(id)).toMatchObject({ enabled: false, consecutive_failures: 4 });
    await expectMessages(channel, 2);
  });

  it('disable_after_failures counts failures in a row only: a success in between starts the count again', async () => {
    const id = await createInstance({ disable_after_failures: 2 });
    await run(id, 'throw');
    await run(id, 'ok');
    await run(id, 'throw');
    expect(await instance(id)).toMatchObject({ enabled: true, status: 'error', consecutive_failures: 1 });
  });

  it('validates the policy fields of a channel', async () => {
    for (const [fields, pointer] of [
      [{ failure_threshold: 0 }, '/failure_threshold'],
      [{ failure_threshold: 1001 }, '/failure_threshold'],
      [{ group_window_seconds: -1 }, '/group_window_seconds'],
      [{ group_window_seconds: 86_401 }, '/group_window_seconds'],
      [{ group_window_seconds: 1.5 }, '/group_window_seconds'],
      [{ events: ['execution.exploded'] }, '/events'],
    ] as const) {
      const response = await app.post(CHANNELS, { name: unique('bad'), type: 'webhook', config: { url: 'https://alerts.example.com/x' }, events: ['execution.failed'], ...fields });
      expectProblem(response, 400, 'validation-failed');
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(pointer);
    }
    const defaults = await app.post(CHANNELS, { name: unique('defaults'), type: 'webhook', config: { url: 'https://alerts.example.com/x' }, events: ['execution.failed'] });
    expect(defaults.body).toMatchObject({ failure_threshold: 1, group_window_seconds: 300 });
    const changed = await app.request('PATCH', `${CHANNELS}/${defaults.body.id}`, { body: { failure_threshold: 4, group_window_seconds: 0 } });
    expect(changed.body).toMatchObject({ failure_threshold: 4, group_window_seconds: 0 });
  });
});

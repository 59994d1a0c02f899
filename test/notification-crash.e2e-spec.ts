import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { NotificationReceiver, waitFor } from './helpers/notification-receiver';
import { listeningUrl, MAIN, startMain, StartedServer } from './helpers/server-process';
import { databaseEnvFor } from './helpers/test-app';

/**
 * The outbox against a real crash: the built server (dist/src/main.js) is killed with SIGKILL at the moments that
 * matter, restarted on the same database (SQLite file, or PostgreSQL under scripts/test-postgres.sh), and the
 * notification still goes out, once. The receiver listens on 127.0.0.1, allowed by FETCH_ALLOW_HOSTS.
 */
jest.setTimeout(90_000);

const PLUGIN = `exports.registerPlugin = (ctx) => {
  ctx.templates.register({ id: 'failer', name: 'Failer', category: 'transformer', config_schema: { type: 'object' },
    handler: () => { throw new Error('the lab share is offline'); } });
  // Ignores its signal on purpose: only a kill or the shutdown grace period ends it.
  ctx.templates.register({ id: 'sleeper', name: 'Sleeper', category: 'transformer', config_schema: { type: 'object' },
    handler: () => new Promise(() => {}) });
};\n`;

describe('notifications across kill -9', () => {
  let pluginRoot: string;
  let dataDir: string;
  let receiver: NotificationReceiver;
  let servers: StartedServer[] = [];

  beforeAll(() => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build (npm test does it first)`);
    pluginRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-crash-plugins-'));
    fs.mkdirSync(path.join(pluginRoot, 'crashers'));
    fs.writeFileSync(path.join(pluginRoot, 'crashers', 'index.js'), PLUGIN);
  });
  afterAll(() => fs.rmSync(pluginRoot, { recursive: true, force: true }));

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-crash-'));
    receiver = await new NotificationReceiver().start();
  });
  afterEach(async () => {
    for (const server of servers) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await Promise.all(servers.map((server) => server.exited));
    servers = [];
    await receiver.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function boot(): Promise<{ url: string; server: StartedServer }> {
    const server = startMain({ DATA_DIR: dataDir, PORT: '0', PLUGIN_PATHS: pluginRoot, FETCH_ALLOW_HOSTS: '127.0.0.1', ...(await databaseEnvFor(dataDir)) });
    servers.push(server);
    return { url: await listeningUrl(server), server };
  }

  async function kill(server: StartedServer): Promise<void> {
    server.child.kill('SIGKILL');
    expect((await server.exited).signal).toBe('SIGKILL');
  }

  async function call(url: string, method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
    const response = await fetch(`${url}${route}`, { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    return response.status === 204 ? null : response.json();
  }

  async function setUp(url: string, templateId: string, groupWindowSeconds: number): Promise<{ instanceId: string; channel: { id: string; secret: string; path: string } }> {
    const instance = await call(url, 'POST', '/api/plugins/instances', { template_id: templateId, name: `crash-${templateId}`, config: {} });
    const hookPath = '/crash-hook';
    const channel = await call(url, 'POST', '/api/notifications/channels', {
      name: 'crash-alerts',
      type: 'webhook',
      config: { url: `http://127.0.0.1:${receiver.port}${hookPath}` },
      events: ['execution.failed'],
      instance_ids: [instance.id],
      group_window_seconds: groupWindowSeconds,
    });
    expect(channel.signing_secret).toMatch(/^whsec_/);
    return { instanceId: instance.id, channel: { id: channel.id, secret: channel.signing_secret, path: hookPath } };
  }

  const verified = (channel: { secret: string; path: string }) => receiver.at(channel.path).map((message) => new Webhook(channel.secret).verify(message.body, message.headers as Record<string, string>) as any);
  const deliveries = async (url: string, channelId: string): Promise<any[]> => (await call(url, 'GET', `/api/notifications/deliveries?channel_id=${channelId}`)).items;

  it('killed after the run finished and before its message was sent: after the restart it goes out, once', async () => {
    // The second failure inside the grouping window waits in the outbox for the window's end, so the kill
    // certainly lands between the run's finish (committed) and the message's delivery.
    const first = await boot();
    const { instanceId, channel } = await setUp(first.url, 'failer', 8);
    const run1 = await call(first.url, 'POST', `/api/plugins/instances/${instanceId}/execute`);
    expect(run1.status).toBe('failed');
    await waitFor('the first message delivered', async () => (await deliveries(first.url, channel.id)).some((d) => d.outcome === 'delivered'));
    const run2 = await call(first.url, 'POST', `/api/plugins/instances/${instanceId}/execute`);
    expect(run2.status).toBe('failed');
    await kill(first.server);
    expect(verified(channel).map((m) => m.data.execution_id)).toEqual([run1.id]);

    const second = await boot();
    await waitFor('the held message after the restart', () => receiver.at(channel.path).length >= 2, 20_000);
    await delay(1000);
    const received = verified(channel);
    expect(received).toHaveLength(2);
    expect(received[1]).toMatchObject({ type: 'execution.failed', data: { execution_id: run2.id, occurrences: 1, consecutive_failures: 2, error: { message: expect.stringContaining('the lab share is offline') } } });
    expect((await deliveries(second.url, channel.id)).map((d) => d.outcome)).toEqual(['delivered', 'delivered']);
  });

  it('killed while the receiver held the request unanswered: resent after the restart with the same webhook-id, recorded delivered once', async () => {
    receiver.hold();
    const first = await boot();
    const { instanceId, channel } = await setUp(first.url, 'failer', 0);
    const run = await call(first.url, 'POST', `/api/plugins/instances/${instanceId}/execute`);
    await waitFor('the request on its way', () => receiver.at(channel.path).length === 1);
    await kill(first.server);

    const port = receiver.port;
    const before = receiver.received.slice();
    await receiver.stop();
    receiver = await new NotificationReceiver().start(port);
    const second = await boot();
    await waitFor('the message sent again', () => receiver.at(channel.path).length >= 1, 20_000);
    await delay(1000);
    const again = receiver.at(channel.path);
    expect(again).toHaveLength(1);
    // The same id both times: a receiver that keeps the ids it has seen (as Standard Webhooks asks) acts once.
    expect(again[0].headers['webhook-id']).toBe(before[0].headers['webhook-id']);
    expect(verified(channel)[0].data.execution_id).toBe(run.id);
    expect((await deliveries(second.url, channel.id)).map((d) => d.outcome)).toEqual(['delivered']);
  });

  it('killed during a run: the run the next boot records as interrupted is announced as a failure', async () => {
    const first = await boot();
    const { instanceId, channel } = await setUp(first.url, 'sleeper', 0);
    const run = await call(first.url, 'POST', `/api/plugins/instances/${instanceId}/execute`, undefined, { prefer: 'respond-async' });
    await waitFor('the run to start', async () => (await call(first.url, 'GET', `/api/plugins/executions/${run.id}`)).status === 'running');
    await kill(first.server);

    const second = await boot();
    await waitFor('the interrupted run announced', () => receiver.at(channel.path).length >= 1, 20_000);
    await delay(500);
    const received = verified(channel);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ type: 'execution.failed', data: { execution_id: run.id, status: 'interrupted', consecutive_failures: 1 } });
    expect(await call(second.url, 'GET', `/api/plugins/instances/${instanceId}`)).toMatchObject({ status: 'error', consecutive_failures: 1 });
  });
});

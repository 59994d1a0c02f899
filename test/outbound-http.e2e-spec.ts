import { FakeApiServer, sendJson } from './helpers/fake-api-server';
import { TestApp } from './helpers/test-app';

const INSTANCES = '/api/plugins/instances';

/**
 * SSRF protection through the real api_fetcher plugin. Every server here is on loopback, which is
 * itself a blocked range: refusals are proven by the servers seeing no connection at all.
 */
describe('outbound HTTP guard through api_fetcher (e2e)', () => {
  const apps: TestApp[] = [];
  const servers: FakeApiServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    for (const app of apps) {
      await app.close();
      app.removeData();
    }
  });

  async function startApp(env: Record<string, string> = {}) {
    const app = await TestApp.start({ env });
    apps.push(app);
    return app;
  }
  async function startApi() {
    const api = await FakeApiServer.start();
    servers.push(api);
    api.on('GET', '/items', (_request, response) => sendJson(response, 200, [{ id: 1 }, { id: 2 }]));
    return api;
  }
  let count = 0;
  async function run(app: TestApp, url: string) {
    const created = await app.post(INSTANCES, { template_id: 'api_fetcher', name: `fetch ${++count}`, config: { url, retries: { max_attempts: 3, backoff_ms: 10 } } });
    expect(created.status).toBe(201);
    const execution = await app.post(`${INSTANCES}/${created.body.id}/execute`);
    expect(execution.status).toBe(200);
    const logs = await app.get(`/api/plugins/executions/${execution.body.id}/logs`);
    return { ...(execution.body as { status: string; result: any; error: { type: string; message: string } | null }), logs: (logs.body.items as { message: string }[]).map((entry) => entry.message) };
  }

  it('refuses a loopback API by default, at once and without a single connection', async () => {
    const [app, api] = await Promise.all([startApp(), startApi()]);
    const execution = await run(app, api.url('/items'));
    expect(execution.status).toBe('failed');
    expect(execution.error?.message).toBe(
      `GET ${api.url('/items')} refused: connection to 127.0.0.1 refused: a loopback address (127.0.0.0/8); add 127.0.0.1 to FETCH_ALLOW_HOSTS, or set FETCH_ALLOW_PRIVATE=true, to allow it`,
    );
    expect(execution.logs.filter((message) => message.includes('attempt'))).toEqual([]); // not retried
    expect(api.connections).toBe(0);
  });

  it('refuses localhost by name too (it resolves to loopback)', async () => {
    const [app, api] = await Promise.all([startApp(), startApi()]);
    const execution = await run(app, api.url('/items').replace('127.0.0.1', 'localhost'));
    expect(execution.status).toBe('failed');
    expect(execution.error?.message).toMatch(/refused: connection to (127\.0\.0\.1|::1) \(localhost resolves to it\) refused: a loopback address/);
    expect(api.connections).toBe(0);
  });

  it('allows it with FETCH_ALLOW_HOSTS=127.0.0.1', async () => {
    const [app, api] = await Promise.all([startApp({ FETCH_ALLOW_HOSTS: '127.0.0.1' }), startApi()]);
    const execution = await run(app, api.url('/items'));
    expect(execution.status).toBe('succeeded');
    expect(execution.result.records_fetched).toBe(2);
  });

  it('allows it with FETCH_ALLOW_PRIVATE=true', async () => {
    const [app, api] = await Promise.all([startApp({ FETCH_ALLOW_PRIVATE: 'true' }), startApi()]);
    const execution = await run(app, api.url('/items'));
    expect(execution.status).toBe('succeeded');
  });

  it('checks every redirect hop: an allowed host redirecting to a blocked one is refused before the second connects', async () => {
    // localhost is allowed by name; the redirect target 127.0.0.1 is an address nobody allowed.
    const [app, first, second] = await Promise.all([startApp({ FETCH_ALLOW_HOSTS: 'localhost' }), startApi(), startApi()]);
    first.on('GET', '/start', (_request, response) => {
      response.writeHead(302, { location: second.url('/items') });
      response.end();
    });
    const start = first.url('/start').replace('127.0.0.1', 'localhost');
    const execution = await run(app, start);
    expect(execution.status).toBe('failed');
    expect(execution.error?.message).toBe(
      `GET ${start} refused: connection to 127.0.0.1 refused: a loopback address (127.0.0.0/8); add 127.0.0.1 to FETCH_ALLOW_HOSTS, or set FETCH_ALLOW_PRIVATE=true, to allow it`,
    );
    expect(first.requests('/start')).toHaveLength(1);
    expect(second.connections).toBe(0);
  });

  it('follows a redirect whose target is allowed as well', async () => {
    const [app, first, second] = await Promise.all([startApp({ FETCH_ALLOW_HOSTS: '127.0.0.1' }), startApi(), startApi()]);
    first.on('GET', '/start', (_request, response) => {
      response.writeHead(307, { location: second.url('/items') });
      response.end();
    });
    const execution = await run(app, first.url('/start'));
    expect(execution.status).toBe('succeeded');
    expect(second.requests('/items')).toHaveLength(1);
  });

  it('refuses bad FETCH_ALLOW_HOSTS entries at boot', async () => {
    await expect(TestApp.start({ env: { FETCH_ALLOW_HOSTS: '10.0.0.0/33, http://x' } })).rejects.toThrow(
      /FETCH_ALLOW_HOSTS="10.0.0.0\/33, http:\/\/x": '10.0.0.0\/33' is not a valid IP address or CIDR range[\s\S]*'http:\/\/x' is a URL/,
    );
  });
});

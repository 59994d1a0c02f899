import { FakeApiServer, sendJson } from './helpers/fake-api-server';
import { expectProblem, TestApp } from './helpers/test-app';

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

  it('refuses a loopback API by default, at create, with no connection attempted', async () => {
    const [app, api] = await Promise.all([startApp(), startApi()]);
    const created = await app.post(INSTANCES, { template_id: 'api_fetcher', name: 'loopback literal', config: { url: api.url('/items') } });
    expectProblem(created, 400, 'config-invalid');
    expect(created.body.errors).toEqual([
      {
        path: '/config/url',
        message: 'points at 127.0.0.1, a loopback address (127.0.0.0/8), which outbound requests may not reach; add 127.0.0.1 to FETCH_ALLOW_HOSTS, or set FETCH_ALLOW_PRIVATE=true, to allow it',
      },
    ]);
    expect(api.connections).toBe(0);
  });

  it('refuses localhost by name at connect time (it resolves to loopback), at once and not retried', async () => {
    const [app, api] = await Promise.all([startApp(), startApi()]);
    const execution = await run(app, api.url('/items').replace('127.0.0.1', 'localhost'));
    expect(execution.status).toBe('failed');
    expect(execution.error?.message).toMatch(/refused: connection to (127\.0\.0\.1|::1) \(localhost resolves to it\) refused: a loopback address/);
    expect(execution.logs.filter((message) => message.includes('attempt'))).toEqual([]); // not retried
    expect(api.connections).toBe(0);
  });

  describe('URLs whose host is a blocked IP literal are refused at create, update and validate', () => {
    // None of these is ever run: the checks read the URL only, so no packet leaves this machine.
    const blocked: [string, RegExp][] = [
      ['http://169.254.169.254/latest/meta-data/iam/', /^points at 169\.254\.169\.254, a cloud metadata address .*only an explicit FETCH_ALLOW_HOSTS entry/],
      ['http://10.0.0.1/', /^points at 10\.0\.0\.1, a private address \(10\.0\.0\.0\/8\).*add 10\.0\.0\.1 to FETCH_ALLOW_HOSTS/],
      ['http://[::ffff:10.0.0.1]/items', /^points at 10\.0\.0\.1, a private address.*FETCH_ALLOW_HOSTS/],
      ['https://[fd00::5]:8443/', /^points at fd00::5, a private address \(fc00::\/7\).*FETCH_ALLOW_HOSTS/],
      ['http://0x7f.1/', /^points at 127\.0\.0\.1, a loopback address.*FETCH_ALLOW_HOSTS/], // WHATWG URL reads it as 127.0.0.1
      ['http://2852039166/', /^points at 169\.254\.169\.254, a cloud metadata address/],
    ];
    let app: TestApp;
    beforeAll(async () => {
      app = await startApp();
    });

    it.each(blocked)('create: %s is a 400 at /config/url naming FETCH_ALLOW_HOSTS, and nothing is stored', async (url, message) => {
      const before = (await app.get('/api/plugins/instances/stats')).body.total;
      const created = await app.post(INSTANCES, { template_id: 'api_fetcher', name: `blocked ${url}`, config: { url } });
      expectProblem(created, 400, 'config-invalid');
      expect(created.body.errors).toHaveLength(1);
      expect(created.body.errors[0].path).toBe('/config/url');
      expect(created.body.errors[0].message).toMatch(message);
      expect((await app.get('/api/plugins/instances/stats')).body.total).toBe(before);
    });

    it.each(blocked)('validate: %s is invalid at /config/url', async (url, message) => {
      const response = await app.post('/api/plugins/templates/api_fetcher/validate', { config: { url } });
      expect(response.status).toBe(200);
      expect(response.body.valid).toBe(false);
      expect(response.body.errors).toEqual([{ path: '/config/url', message: expect.stringMatching(message) }]);
    });

    it('update: a blocked URL is a 400 and the instance keeps its config and version', async () => {
      const created = await app.post(INSTANCES, { template_id: 'api_fetcher', name: 'public api', config: { url: 'https://api.example.org/v1/items' } });
      expect(created.status).toBe(201);
      for (const [url, message] of blocked) {
        const updated = await app.put(`${INSTANCES}/${created.body.id}`, { config: { url } });
        expectProblem(updated, 400, 'config-invalid');
        expect(updated.body.errors).toEqual([{ path: '/config/url', message: expect.stringMatching(message) }]);
      }
      const after = await app.get(`${INSTANCES}/${created.body.id}`);
      expect(after.body).toMatchObject({ version: created.body.version, config: { url: 'https://api.example.org/v1/items' } });
    });

    it('accepts hostnames (checked when they connect) and public literals', async () => {
      for (const url of ['http://localhost:9/', 'http://metadata.google.internal/', 'http://93.184.216.34/', 'https://[2606:4700::1111]/']) {
        const response = await app.post('/api/plugins/templates/api_fetcher/validate', { config: { url } });
        expect([url, response.body.valid]).toEqual([url, true]);
      }
    });

    it('accepts them when FETCH_ALLOW_HOSTS or FETCH_ALLOW_PRIVATE allows them (metadata only by an explicit entry)', async () => {
      const allowing = await startApp({ FETCH_ALLOW_HOSTS: '10.0.0.0/8,169.254.169.254' });
      for (const url of ['http://10.0.0.1/', 'http://[::ffff:10.0.0.1]/', 'http://169.254.169.254/latest/']) {
        const created = await allowing.post(INSTANCES, { template_id: 'api_fetcher', name: `allowed ${url}`, config: { url } });
        expect([url, created.status]).toEqual([url, 201]);
      }
      expect((await allowing.post('/api/plugins/templates/api_fetcher/validate', { config: { url: 'http://192.168.1.1/' } })).body.valid).toBe(false);

      const privateAllowed = await startApp({ FETCH_ALLOW_PRIVATE: 'true' });
      expect((await privateAllowed.post('/api/plugins/templates/api_fetcher/validate', { config: { url: 'http://192.168.1.1/' } })).body.valid).toBe(true);
      const metadata = await privateAllowed.post('/api/plugins/templates/api_fetcher/validate', { config: { url: 'http://169.254.169.254/' } });
      expect(metadata.body.errors).toEqual([{ path: '/config/url', message: expect.stringContaining('only an explicit FETCH_ALLOW_HOSTS entry allows it') }]);
    });
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

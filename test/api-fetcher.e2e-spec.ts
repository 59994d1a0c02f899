import { FakeApiServer, sendJson } from './helpers/fake-api-server';
import { TestApp } from './helpers/test-app';

const INSTANCES = '/api/plugins/instances';

/** Fast retries so failure paths take milliseconds. */
const FAST_RETRIES = { max_attempts: 3, backoff_ms: 10, max_backoff_ms: 50 };

const items = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ id: from + i, name: `item ${from + i}` }));
const ids = (records: { id: number }[]) => records.map((record) => record.id);

describe('api_fetcher template (e2e)', () => {
  let app: TestApp;
  let api: FakeApiServer;
  let instanceCount = 0;

  beforeAll(async () => {
    // The fake API listens on loopback, which outbound HTTP refuses unless allowed.
    [app, api] = await Promise.all([TestApp.start({ env: { FETCH_ALLOW_HOSTS: '127.0.0.1' } }), FakeApiServer.start()]);
  });
  afterAll(async () => {
    await api.close();
    await app.close();
    app.removeData();
  });

  /** Creates an instance with `config` and runs it; returns the execution. */
  async function run(config: Record<string, unknown>) {
    const created = await app.post(INSTANCES, { template_id: 'api_fetcher', name: `api fetch ${++instanceCount}`, config: { retries: FAST_RETRIES, ...config } });
    expect(created.status).toBe(201);
    return runInstance(created.body.id);
  }
  async function runInstance(id: string) {
    const response = await app.post(`${INSTANCES}/${id}/execute`);
    expect(response.status).toBe(200);
    return response.body as { status: string; result: any; error: { type: string; message: string } | null; progress: any };
  }
  async function tableRows(name: string) {
    const response = await app.get(`/api/data/tables/${name}/rows?limit=500`);
    expect(response.status).toBe(200);
    return response.body.items as Record<string, unknown>[];
  }

  it('is listed with a complete config schema', async () => {
    const template = (await app.get('/api/plugins/templates/api_fetcher')).body;
    expect(template).toMatchObject({ id: 'api_fetcher', category: 'api_fetcher', version: '1.0.0', supports_multiple_instances: true });
    expect(template.config_schema).toMatchObject({ additionalProperties: false, required: ['url'] });
    const validated = await app.post('/api/plugins/templates/api_fetcher/validate', { config: { url: 'https://api.example.org/v1' } });
    expect(validated.body).toEqual({
      valid: true,
      errors: [],
      config: {
        url: 'https://api.example.org/v1',
        method: 'GET',
        auth: { type: 'none' },
        records_pointer: '',
        pagination: { type: 'none' },
        max_pages: 100,
        timeout_ms: 30000,
        retries: { max_attempts: 3, backoff_ms: 500, max_backoff_ms: 30000 },
        preview_limit: 10,
      },
      secret_fields: [],
    });
  });

  it('rejects configs the schema or validate() cannot accept, with paths', async () => {
    const check = async (config: Record<string, unknown>) => (await app.post('/api/plugins/templates/api_fetcher/validate', { config })).body.errors;
    expect(await check({ url: 'ftp://files.example.org/list' })).toEqual([{ path: '/config/url', message: 'must be an http or https URL, not ftp:' }]);
    expect(await check({ url: 'https://user:pw@api.example.org/' })).toEqual([{ path: '/config/url', message: 'must not contain credentials; use auth instead' }]);
    expect(await check({ url: 'https://api.example.org/', store: { table_name: 'select' } })).toEqual([{ path: '/config/store/table_name', message: "table name 'select' is a reserved SQL word" }]);
    expect(await check({ url: 'https://api.example.org/', body: { a: 1 } })).toEqual([{ path: '/config/body', message: expect.stringContaining('only with method POST') }]);
    expect(await check({ url: 'https://api.example.org/', query: { page: 3 }, pagination: { type: 'page' } })).toEqual([{ path: '/config/query/page', message: 'is set by pagination (page); remove it here' }]);
    expect(await check({ url: 'https://api.example.org/', auth: { type: 'bearer' } })).toEqual([{ path: '/config/auth/token', message: 'is required' }]);
    expect(await check({ url: 'https://api.example.org/', pagination: { type: 'next_url', next_pointer: '/next', param: 'p' } })).toEqual([
      { path: '/config/pagination/param', message: 'is not an allowed property' },
    ]);
    const created = await app.post(INSTANCES, { template_id: 'api_fetcher', name: 'bad scheme', config: { url: 'file:///etc/passwd' } });
    expect(created.status).toBe(400);
    expect(created.body.errors).toEqual([{ path: '/config/url', message: 'must be an http or https URL, not file:' }]);
  });

  it('follows next_url pagination across 3 pages (relative and absolute URLs) and previews the first records', async () => {
    api.on('GET', '/next-url', (request, response) => {
      const page = Number(request.query.get('page') ?? 1);
      const next = page === 1 ? '/next-url?page=2' : page === 2 ? api.url('/next-url?page=3') : null;
      sendJson(response, 200, { data: items(page * 10, 2), links: { next } });
    });
    const execution = await run({ url: api.url('/next-url?token=x'), records_pointer: '/data', pagination: { type: 'next_url', next_pointer: '/links/next' }, preview_limit: 3 });
    expect(execution.status).toBe('succeeded');
    expect(execution.result).toEqual({
      records_fetched: 6,
      pages: 3,
      http_status: 200,
      table_name: null,
      truncated: false,
      duration_ms: expect.any(Number),
      preview: items(10, 2).concat(items(20, 1)),
    });
    expect(execution.progress).toMatchObject({ current: 3, message: 'page 3: 2 records (6 in all)' });
    expect(api.requests('/next-url').map((r) => r.query.toString())).toEqual(['token=x', 'page=2', 'page=3']);
  });

  it('counts pages with page pagination: stops at a short page when size is given, else at an empty page', async () => {
    const total = items(1, 5);
    api.on('GET', '/paged', (request, response) => {
      const page = Number(request.query.get('p'));
      const size = Number(request.query.get('per_page') ?? 2);
      sendJson(response, 200, total.slice((page - 1) * size, page * size));
    });
    const sized = await run({ url: api.url('/paged'), query: { kind: 'demo' }, pagination: { type: 'page', param: 'p', size_param: 'per_page', size: 2 } });
    expect(sized.result).toMatchObject({ records_fetched: 5, pages: 3, truncated: false, preview: total });
    expect(api.requests('/paged').map((r) => r.query.toString())).toEqual(['kind=demo&p=1&per_page=2', 'kind=demo&p=2&per_page=2', 'kind=demo&p=3&per_page=2']);

    const unsized = await run({ url: api.url('/paged'), pagination: { type: 'page', param: 'p' } });
    expect(unsized.result).toMatchObject({ records_fetched: 5, pages: 4, truncated: false });
  });

  it('walks offset pagination until a page has fewer than limit records', async () => {
    const total = items(1, 7);
    api.on('GET', '/offset', (request, response) => {
      const offset = Number(request.query.get('skip'));
      const limit = Number(request.query.get('limit'));
      sendJson(response, 200, { results: { rows: total.slice(offset, offset + limit) } });
    });
    const execution = await run({ url: api.url('/offset'), records_pointer: '/results/rows', pagination: { type: 'offset', param: 'skip', limit: 3 } });
    expect(execution.result).toMatchObject({ records_fetched: 7, pages: 3, truncated: false });
    expect(ids(execution.result.preview)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(api.requests('/offset').map((r) => r.query.toString())).toEqual(['skip=0&limit=3', 'skip=3&limit=3', 'skip=6&limit=3']);
  });

  it('follows rel="next" of the Link header, resolving relative targets', async () => {
    api.on('GET', '/linked', (request, response) => {
      const page = Number(request.query.get('page') ?? 1);
      const links = ['</linked?page=1>; rel="first"'];
      if (page < 3) links.push(`<${page === 1 ? '?page=2' : api.url('/linked?page=3')}>; rel="next"`);
      sendJson(response, 200, items(page * 100, 1), { link: links.join(', ') });
    });
    const execution = await run({ url: api.url('/linked'), pagination: { type: 'link_header' } });
    expect(execution.result).toMatchObject({ records_fetched: 3, pages: 3, truncated: false });
    expect(ids(execution.result.preview)).toEqual([100, 200, 300]);
  });

  it('stops at max_pages and says truncated', async () => {
    api.on('GET', '/endless', (request, response) => {
      const page = Number(request.query.get('page') ?? 1);
      sendJson(response, 200, { data: items(page, 1), next: `/endless?page=${page + 1}` });
    });
    const execution = await run({ url: api.url('/endless'), records_pointer: '/data', pagination: { type: 'next_url', next_pointer: '/next' }, max_pages: 2 });
    expect(execution.result).toMatchObject({ records_fetched: 2, pages: 2, truncated: true });
    expect(api.requests('/endless')).toHaveLength(2);
  });

  describe('authentication', () => {
    const cases: [string, Record<string, unknown>, string, string][] = [
      ['bearer', { type: 'bearer', token: 't0k3n' }, 'authorization', 'Bearer t0k3n'],
      ['basic', { type: 'basic', username: 'lab', password: 'pä:ss' }, 'authorization', `Basic ${Buffer.from('lab:pä:ss').toString('base64')}`],
      ['api_key (default header)', { type: 'api_key', value: 'k-1' }, 'x-api-key', 'k-1'],
      ['api_key (own header)', { type: 'api_key', header: 'Api-Token', value: 'k-2' }, 'api-token', 'k-2'],
    ];
    it.each(cases)('sends %s credentials; the server answers 401 without them', async (label, auth, header, expected) => {
      const path = `/auth-${label.replace(/\W+/g, '-')}`;
      api.on('GET', path, (request, response) => {
        if (request.headers[header] === expected) sendJson(response, 200, [{ ok: true }]);
        else sendJson(response, 401, { error: 'bad credentials' });
      });
      expect((await run({ url: api.url(path), auth })).result).toMatchObject({ records_fetched: 1, http_status: 200 });

      const refused = await run({ url: api.url(path) });
      expect(refused.status).toBe('failed');
      expect(refused.error!.message).toBe(`GET ${api.url(path)} answered 401 Unauthorized: {"error":"bad credentials"}`);
      expect(api.requests(path)).toHaveLength(2); // a 401 is not retried
    });

    it('keeps credentials secret: masked in the instance, kept on PUT, scrubbed from an error that echoes them', async () => {
      const token = 'revoked-token-3e9f';
      api.on('GET', '/echo-auth', (request, response) => sendJson(response, 401, { error: `token ${String(request.headers.authorization).slice(7)} is revoked` }));
      const created = await app.post(INSTANCES, { template_id: 'api_fetcher', name: 'secret auth', config: { url: api.url('/echo-auth'), auth: { type: 'bearer', token } } });
      expect(created.body).toMatchObject({ config: { auth: { type: 'bearer', token: '********' } }, secret_fields: ['auth.token'] });
      const kept = await app.put(`${INSTANCES}/${created.body.id}`, { config: { ...created.body.config, retries: FAST_RETRIES } });
      expect(kept.body.secret_fields).toEqual(['auth.token']);
      const failed = await runInstance(created.body.id);
      expect(api.requests('/echo-auth')[0].headers.authorization).toBe(`Bearer ${token}`);
      expect(failed.error!.message).toBe(`GET ${api.url('/echo-auth')} answered 401 Unauthorized: {"error":"token ******** is revoked"}`);
      expect(JSON.stringify(await app.get(`${INSTANCES}/${created.body.id}`))).not.toContain(token);
    });
  });

  it('retries a 500 and succeeds on the next attempt', async () => {
    api.on('GET', '/flaky', (request, response) => {
      if (api.requests('/flaky').length === 1) sendJson(response, 500, { error: 'database busy' });
      else sendJson(response, 200, items(1, 2));
    });
    const execution = await run({ url: api.url('/flaky') });
    expect(execution).toMatchObject({ status: 'succeeded', result: { records_fetched: 2, http_status: 200 } });
    expect(api.requests('/flaky')).toHaveLength(2);
  });

  it('gives up after max_attempts of 5xx with the status and body in the message', async () => {
    api.on('GET', '/down', (request, response) => sendJson(response, 503, { error: 'maintenance' }));
    const execution = await run({ url: api.url('/down') });
    expect(execution.status).toBe('failed');
    expect(execution.error!.message).toBe(`GET ${api.url('/down')} answered 503 Service Unavailable: {"error":"maintenance"} (gave up after 3 attempts)`);
    expect(api.requests('/down')).toHaveLength(3);
  });

  it('honours Retry-After on a 429', async () => {
    api.on('GET', '/limited', (request, response) => {
      if (api.requests('/limited').length === 1) sendJson(response, 429, { error: 'slow down' }, { 'retry-after': '1' });
      else sendJson(response, 200, items(1, 1));
    });
    const started = Date.now();
    const execution = await run({ url: api.url('/limited'), retries: { max_attempts: 2, backoff_ms: 10, max_backoff_ms: 5000 } });
    expect(execution.status).toBe('succeeded');
    const [first, second] = api.requests('/limited');
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('times out a request that gets no answer, retries it, then fails naming the timeout', async () => {
    api.on('GET', '/silent', () => undefined); // never answers
    const execution = await run({ url: api.url('/silent'), timeout_ms: 150, retries: { max_attempts: 2, backoff_ms: 10, max_backoff_ms: 50 } });
    expect(execution.status).toBe('failed');
    expect(execution.error!.message).toBe(`GET ${api.url('/silent')} timed out after 150 ms (gave up after 2 attempts)`);
    expect(api.requests('/silent')).toHaveLength(2);
  });

  it('applies timeout_ms to reading the body too', async () => {
    api.on('GET', '/stalls', (request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"data": [{"id": 1}, '); // and never finishes
    });
    const execution = await run({ url: api.url('/stalls'), records_pointer: '/data', timeout_ms: 200 });
    expect(execution.status).toBe('failed');
    expect(execution.error!.message).toBe(`page 1: GET ${api.url('/stalls')} timed out after 200 ms while reading the response`);
  });

  it('names a connection cut mid-body', async () => {
    api.on('GET', '/cut', (request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      response.write('[{"id": 1}, ');
      setTimeout(() => response.destroy(), 20);
    });
    const execution = await run({ url: api.url('/cut') });
    expect(execution.error!.message).toMatch(new RegExp(`^page 1: reading the response of GET ${api.url('/cut')} failed: .+`));
  });

  it('fails at once on a 404 with the status in the message', async () => {
    const execution = await run({ url: api.url('/missing') });
    expect(execution.status).toBe('failed');
    expect(execution.error).toEqual({ type: 'handler_error', message: `GET ${api.url('/missing')} answered 404 Not Found: {"error":"no route for GET /missing"}` });
    expect(api.requests('/missing')).toHaveLength(1);
  });

  it('fails precisely when records_pointer does not lead to an array, naming the page', async () => {
    api.on('GET', '/shape', (request, response) => {
      const page = Number(request.query.get('page') ?? 1);
      sendJson(response, 200, page === 1 ? { data: items(1, 1), next: '/shape?page=2' } : { data: { id: 2 } });
    });
    const onFirst = await run({ url: api.url('/shape'), records_pointer: '/items' });
    expect(onFirst.error!.message).toBe("page 1: records_pointer '/items' does not point to an array (the body has nothing there)");
    const onSecond = await run({ url: api.url('/shape'), records_pointer: '/data', pagination: { type: 'next_url', next_pointer: '/next' } });
    expect(onSecond.error!.message).toBe("page 2: records_pointer '/data' does not point to an array (it is an object)");
  });

  it('fails precisely on a body that is not JSON', async () => {
    api.on('GET', '/html', (request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>maintenance</html>');
    });
    const execution = await run({ url: api.url('/html') });
    expect(execution.error!.message).toMatch(new RegExp(`^page 1: the response of GET ${api.url('/html')} is not valid JSON \\(`));
  });

  it('sends a POST with a JSON body', async () => {
    api.on('POST', '/search', (request, response) => {
      if (request.headers['content-type'] !== 'application/json') return sendJson(response, 415, { error: 'json only' });
      const query = JSON.parse(request.body) as { status: string };
      sendJson(response, 200, { hits: [{ status: query.status, accept: request.headers.accept }] });
    });
    const execution = await run({ url: api.url('/search'), method: 'POST', body: { status: 'active', limit: 5 }, records_pointer: '/hits' });
    expect(execution.result).toMatchObject({ records_fetched: 1, preview: [{ status: 'active', accept: 'application/json' }] });
    expect(JSON.parse(api.requests('/search')[0].body)).toEqual({ status: 'active', limit: 5 });
  });

  describe('storing into a table', () => {
    const records = [
      { id: 1, name: 'alpha', score: 1.5, active: true, tags: ['x', 'y'], meta: { lab: 'A', shelf: 3 } },
      { id: 2, name: 'beta', score: null, active: false, tags: [], meta: null },
      { id: 3, name: 'gamma', score: 7, active: true, tags: ['z'], meta: { lab: 'B' } },
    ];
    beforeAll(() => {
      api.on('GET', '/store', (request, response) => {
        const page = Number(request.query.get('page'));
        sendJson(response, 200, { data: records.slice(page - 1, page) });
      });
    });
    const storeConfig = (store: Record<string, unknown>) => ({ url: api.url('/store'), records_pointer: '/data', pagination: { type: 'page', size: 1 }, store });

    it('replaces (twice: same rows) and appends (doubles), nested values as JSON text', async () => {
      const expectedRows = [
        { id: 1, name: 'alpha', score: 1.5, active: 1, tags: '["x","y"]', meta: '{"lab":"A","shelf":3}' },
        { id: 2, name: 'beta', score: null, active: 0, tags: '[]', meta: null },
        { id: 3, name: 'gamma', score: 7, active: 1, tags: '["z"]', meta: '{"lab":"B"}' },
      ];
      const created = await app.post(INSTANCES, { template_id: 'api_fetcher', name: 'store replace', config: { retries: FAST_RETRIES, ...storeConfig({ table_name: 'api_samples' }) } });
      const first = await runInstance(created.body.id);
      expect(first.result).toEqual({ records_fetched: 3, pages: 4, http_status: 200, table_name: 'api_samples', truncated: false, duration_ms: expect.any(Number) });
      expect(await tableRows('api_samples')).toEqual(expectedRows);
      expect((await runInstance(created.body.id)).status).toBe('succeeded');
      expect(await tableRows('api_samples')).toEqual(expectedRows);

      const appended = await run(storeConfig({ table_name: 'api_samples', replace_existing: false }));
      expect(appended.result).toMatchObject({ records_fetched: 3, table_name: 'api_samples' });
      expect(await tableRows('api_samples')).toEqual([...expectedRows, ...expectedRows]);
      const tables = (await app.get('/api/data/tables')).body.items;
      expect(tables.find((t: { name: string }) => t.name === 'api_samples')).toMatchObject({
        row_count: 6,
        columns: [
          { name: 'id', type: 'INTEGER' },
          { name: 'name', type: 'TEXT' },
          { name: 'score', type: 'REAL' },
          { name: 'active', type: 'INTEGER' },
          { name: 'tags', type: 'TEXT' },
          { name: 'meta', type: 'TEXT' },
        ],
      });
    });

    it('fails precisely on a field the first record lacked, unless listed in columns or ignored', async () => {
      api.on('GET', '/drift', (request, response) => sendJson(response, 200, [{ id: 1 }, { id: 2, extra: 'x', more: 1 }]));
      const strict = await run({ url: api.url('/drift'), store: { table_name: 'api_drift' } });
      expect(strict.error!.message).toBe(
        "page 1, record 2: field 'extra' is not a column of table api_drift (columns: id, from the first record and store.columns); add it to store.columns or set store.ignore_unknown_fields",
      );
      expect((await app.get('/api/data/tables/api_drift/rows')).status).toBe(404); // the failed replace wrote nothing

      expect((await run({ url: api.url('/drift'), store: { table_name: 'api_drift', ignore_unknown_fields: true } })).status).toBe('succeeded');
      expect(await tableRows('api_drift')).toEqual([{ id: 1 }, { id: 2 }]);
      expect((await run({ url: api.url('/drift'), store: { table_name: 'api_drift', columns: ['more', 'extra'] } })).status).toBe('succeeded');
      expect(await tableRows('api_drift')).toEqual([
        { id: 1, more: null, extra: null },
        { id: 2, more: 1, extra: 'x' },
      ]);
    });

    it('leaves the old table untouched when a later page fails', async () => {
      api.on('GET', '/breaks', (request, response) => {
        const page = Number(request.query.get('page'));
        if (page === 1) sendJson(response, 200, [{ id: 100 }]);
        else sendJson(response, 500, { error: 'broken' });
      });
      await run(storeConfig({ table_name: 'api_kept' }));
      const before = await tableRows('api_kept');
      const failed = await run({ url: api.url('/breaks'), pagination: { type: 'page', size: 1 }, store: { table_name: 'api_kept' } });
      expect(failed.error!.message).toBe(`GET ${api.url('/breaks?page=2')} answered 500 Internal Server Error: {"error":"broken"} (gave up after 3 attempts)`);
      expect(await tableRows('api_kept')).toEqual(before);
    });

    it('streams a large response into a table', async () => {
      const many = Array.from({ length: 20000 }, (_, i) => ({ id: i, label: `row ${i}`, nested: { even: i % 2 === 0 } }));
      const body = JSON.stringify({ total: many.length, rows: many });
      api.on('GET', '/big', (request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(body);
      });
      const execution = await run({ url: api.url('/big'), records_pointer: '/rows', store: { table_name: 'api_big' } });
      expect(execution.result).toMatchObject({ records_fetched: 20000, pages: 1, table_name: 'api_big' });
      const tables = (await app.get('/api/data/tables')).body.items;
      expect(tables.find((t: { name: string }) => t.name === 'api_big')).toMatchObject({ row_count: 20000 });
      expect((await tableRows('api_big')).slice(0, 2)).toEqual([
        { id: 0, label: 'row 0', nested: '{"even":true}' },
        { id: 1, label: 'row 1', nested: '{"even":false}' },
      ]);
    });
  });
});


import { rawRequest } from './helpers/raw-http';
import { expectProblem, TestApp } from './helpers/test-app';

describe('HTTP behaviour (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start({ env: { BODY_LIMIT_BYTES: '4096' } });
  });
  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  const instanceCount = async () => (await app.get('/api/plugins/instances/stats')).body.total as number;

  it('GET /health reports the database and templates', async () => {
    const response = await app.get('/health');
    expect(response.status).toBe(200);
    const templates = (await app.get('/api/plugins/templates')).body.items.length;
    expect(response.body).toMatchObject({ status: 'ok', database: 'ok', data_store: 'ok', templates, plugin_load_errors: 0 });
  });

  it('echoes a safe x-request-id, makes one otherwise, and puts it in problems', async () => {
    const echoed = await app.get('/health', { 'x-request-id': 'client-abc.123' });
    expect(echoed.headers.get('x-request-id')).toBe('client-abc.123');
    const replaced = await app.get('/api/plugins/nowhere', { 'x-request-id': 'bad id with spaces' });
    const generated = replaced.headers.get('x-request-id')!;
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect(replaced.body.request_id).toBe(generated);
  });

  it('answers unknown routes with a 404 problem', async () => {
    expectProblem(await app.get('/api/plugins/nowhere'), 404, 'not-found');
    expectProblem(await app.request('PATCH', '/api/plugins/instances'), 404, 'not-found');
  });

  it('answers malformed JSON, empty JSON bodies and prototype poisoning with 400 and stores nothing', async () => {
    const before = await instanceCount();
    for (const rawBody of ['{"template_id": "fixture_function", "name": ', '', '{"__proto__": {"polluted": true}, "template_id": "fixture_function", "name": "p"}']) {
      const response = await app.request('POST', '/api/plugins/instances', { rawBody, headers: { 'content-type': 'application/json' } });
      expectProblem(response, 400, 'malformed-json');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await instanceCount()).toBe(before);
  });

  it('answers non-JSON content types with 415', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const response = await app.request('POST', '/api/plugins/instances', { rawBody: 'name=x', headers: { 'content-type': contentType } });
      expectProblem(response, 415, 'unsupported-media-type');
      expect(response.body.detail).toContain(contentType);
    }
  });

  it('answers bodies over the limit with 413', async () => {
    const response = await app.post('/api/plugins/instances', { template_id: 'fixture_function', name: 'big', config: { mode: 'ok', label: 'x'.repeat(10_000) } });
    expectProblem(response, 413, 'payload-too-large');
  });

  it('answers non-object JSON bodies with 400', async () => {
    for (const body of [[], 'text', 42, null]) {
      const response = await app.request('POST', '/api/plugins/instances', { rawBody: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    }
  });

  it('answers a malformed URL with a 400 problem', async () => {
    const response = await app.get('/api/plugins/instances/%E0%A4%A');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('handles odd unicode and very long ids without a 5xx', async () => {
    const odd = await app.post('/api/plugins/instances', { template_id: 'fixture_function', name: '\u202e\ud83d\ude00 \u0301 name', config: { mode: 'ok' } });
    expect(odd.status).toBe(201);
    const long = await app.get(`/api/plugins/instances/${'a'.repeat(5000)}`);
    expectProblem(long, 414, 'uri-too-long');
  });

  it('answers requests the HTTP parser refuses with problem+json: a control character in a header (400), huge headers (431)', async () => {
    const port = Number(new URL(app.baseUrl).port);
    for (const [value, status, type] of [
      ['ctl\u0001char', 400, 'bad-request'],
      ['k'.repeat(20_000), 431, 'headers-too-large'],
    ] as const) {
      const response = await rawRequest(port, { method: 'GET', path: '/health', headers: [['x-fuzz', value]] });
      expect({ status: response.status, contentType: response.headers['content-type'], type: JSON.parse(response.text).type }).toEqual({ status, contentType: 'application/problem+json; charset=utf-8', type });
    }
  });

  it('refuses keys the pipeline would drop, lone surrogates and NUL with 400, storing nothing', async () => {
    const before = await instanceCount();
    const cases = [
      '{"template_id":"fixture_function","name":"dropped","config":{"mode":"ok","toString":"kept?"}}',
      '{"template_id":"fixture_function","name":"dropped","config":{"mode":"ok"},"constructor":1}',
      '{"template_id":"fixture_function","name":"x\\ud800","config":{"mode":"ok"}}',
      '{"template_id":"fixture\\u0000function","name":"nul","config":{"mode":"ok"}}',
    ];
    for (const rawBody of cases) {
      expectProblem(await app.request('POST', '/api/plugins/instances', { rawBody, headers: { 'content-type': 'application/json' } }), 400, 'validation-failed');
    }
    expectProblem(await app.get('/api/plugins/instances?toString=1'), 400, 'validation-failed');
    expectProblem(await app.get('/api/plugins/instances/x%00y'), 400, 'validation-failed');
    expect(await instanceCount()).toBe(before);
  });

  it('serves Swagger UI at /docs and the spec at /docs-json', async () => {
    const ui = await app.get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
    const spec = await app.get('/docs-json');
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining(['/api/plugins/templates', '/api/plugins/instances', '/api/plugins/instances/{id}/execute', '/api/plugins/executions/{execution_id}', '/health']),
    );
  });
});

import { expectProblem, HttpResponse, TestApp } from './helpers/test-app';
import { ApiKeysService } from '../src/auth/api-keys.service';

const nested = (depth: number, inner = '1') => '['.repeat(depth) + inner + ']'.repeat(depth);

/** The headers every response carries, whatever produced it. */
function expectSecurityHeaders(response: HttpResponse, csp: 'api' | 'docs' = 'api'): void {
  const headers = response.headers;
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(headers.get('cross-origin-resource-policy')).toBe('same-origin');
  expect(headers.get('x-powered-by')).toBeNull();
  if (csp === 'api') expect(headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
  else expect(headers.get('content-security-policy')).toMatch(/^default-src 'none';script-src 'self';style-src 'self' 'unsafe-inline';.*frame-ancestors 'none'/);
}

describe('Hostile input (e2e)', () => {
  describe('with the default settings', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await TestApp.start({ env: { BODY_LIMIT_BYTES: '4096' } });
    });
    afterAll(async () => {
      await app.close();
      app.removeData();
    });

    const instanceCount = async () => (await app.get('/api/plugins/instances/stats')).body.total as number;

    it('puts security headers on JSON, problems, 404s, framework errors, the docs and event streams', async () => {
      expectSecurityHeaders(await app.get('/api/plugins/templates'));
      expectSecurityHeaders(await app.get('/health'));
      expectSecurityHeaders(await app.get('/api/plugins/instances/00000000-0000-4000-8000-000000000000'));
      expectSecurityHeaders(await app.get('/api/plugins/nowhere'));
      expectSecurityHeaders(await app.get('/api/plugins/instances/%E0%A4%A')); // fastify's frameworkErrors
      expectSecurityHeaders(await app.request('POST', '/api/plugins/instances', { rawBody: '{', headers: { 'content-type': 'application/json' } }));
      expectSecurityHeaders(await app.request('POST', '/api/plugins/instances', { rawBody: 'x', headers: { 'content-type': 'text/plain' } }));
      expectSecurityHeaders(await app.get('/docs'), 'docs');
      expectSecurityHeaders(await app.get('/docs/swagger-ui-init.js'), 'docs');
      expectSecurityHeaders(await app.get('/docs-json'));
      expectSecurityHeaders(await app.get('/docs-yaml'));

      const instance = await app.post('/api/plugins/instances', { template_id: 'fixture_function', name: 'headers', config: { mode: 'ok' } });
      const execution = await app.post(`/api/plugins/instances/${instance.body.id}/execute`);
      const events = await app.get(`/api/plugins/executions/${execution.body.id}/events`);
      expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expectSecurityHeaders(events);
    });

    it('answers bodies over BODY_LIMIT_BYTES with 413 and stores nothing', async () => {
      const before = await instanceCount();
      const response = await app.post('/api/plugins/instances', { template_id: 'fixture_function', name: 'big', config: { mode: 'ok', label: 'x'.repeat(5000) } });
      expectProblem(response, 413, 'payload-too-large');
      expectSecurityHeaders(response);
      expect(await instanceCount()).toBe(before);
    });

    it('refuses JSON nested deeper than JSON_MAX_DEPTH (64) with 400 json-too-deep, before parsing it', async () => {
      const before = await instanceCount();
      // 65 levels: the body object and 64 arrays.
      const tooDeep = `{"template_id":"fixture_function","name":"deep","config":{"mode":"ok","label":${nested(63)}}}`;
      const response = await app.request('POST', '/api/plugins/instances', { rawBody: tooDeep, headers: { 'content-type': 'application/json' } });
      expectProblem(response, 400, 'json-too-deep');
      expect(response.body.detail).toContain('more than 64 levels');
      expectSecurityHeaders(response);
      // Deep enough to overflow a recursive parser's stack, yet small: refused by the scan, quickly.
      const hostile = await app.request('POST', '/api/plugins/instances', { rawBody: nested(2000), headers: { 'content-type': 'application/json' } });
      expectProblem(hostile, 400, 'json-too-deep');
      expect(await instanceCount()).toBe(before);
    });

    it('accepts JSON exactly JSON_MAX_DEPTH deep, and brackets inside strings do not count', async () => {
      const atLimit = `{"template_id":"fixture_function","name":"at limit","config":{"mode":"ok","label":"${'['.repeat(200)}","extra":${nested(62)}}}`;
      const response = await app.request('POST', '/api/plugins/instances', { rawBody: atLimit, headers: { 'content-type': 'application/json' } });
      expect(response.body.type).not.toBe('json-too-deep');
      expect(response.status).toBeLessThan(500);
    });

    it('keeps malformed JSON and prototype poisoning as malformed-json', async () => {
      for (const rawBody of ['{"a": [1, 2', '[[[[', '{"__proto__": {"polluted": true}}', '{"constructor": {"prototype": {"polluted": true}}}']) {
        const response = await app.request('POST', '/api/plugins/instances', { rawBody, headers: { 'content-type': 'application/json' } });
        expectProblem(response, 400, 'malformed-json');
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('sends no CORS headers, to requests or preflights, when CORS_ORIGINS is not set', async () => {
      const origin = 'https://evil.example';
      const simple = await app.get('/api/plugins/templates', { origin });
      const preflight = await app.request('OPTIONS', '/api/plugins/instances', { headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
      for (const response of [simple, preflight]) {
        expect([...response.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
      }
      expect(preflight.status).toBe(404);
    });

    it('rate limits generously by default and says so in RateLimit headers', async () => {
      const response = await app.get('/api/plugins/templates');
      expect(response.headers.get('ratelimit-limit')).toBe('1000');
      expect(Number(response.headers.get('ratelimit-remaining'))).toBeGreaterThan(900);
    });
  });

  describe('rate limiting', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await TestApp.start({ env: { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' } });
    });
    afterAll(async () => {
      await app.close();
      app.removeData();
    });

    it('answers 429 problem+json with Retry-After once a client used up its window, counting per API key', async () => {
      const keys = app.app.get(ApiKeysService);
      const keyA = { authorization: `Bearer ${(await keys.create({ name: 'key-a', scopes: ['read', 'write'], expiresAt: null })).token}` };
      const keyB = { authorization: `Bearer ${(await keys.create({ name: 'key-b', scopes: ['read'], expiresAt: null })).token}` };
      for (let i = 0; i < 3; i++) expect((await app.get('/api/plugins/templates', keyA)).status).toBe(200);
      const limited = await app.get('/api/plugins/templates', keyA);
      expectProblem(limited, 429, 'rate-limited');
      expectSecurityHeaders(limited);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(limited.headers.get('ratelimit-limit')).toBe('3');
      expect(limited.headers.get('ratelimit-remaining')).toBe('0');
      expect(limited.body.detail).toMatch(/^more than 3 requests in 60 s; retry in \d+ s$/);
      // Every route counts, errors included.
      expectProblem(await app.post('/api/plugins/instances', { name: 'x' }, keyA), 429, 'rate-limited');

      // Another key, and a client without a key (counted by IP: refused by the guard, not by the limit), each have their own budget.
      expect((await app.get('/api/plugins/templates', keyB)).status).toBe(200);
      expectProblem(await app.get('/api/plugins/templates'), 401, 'unauthorized');
    });

    it('never limits /health', async () => {
      for (let i = 0; i < 6; i++) {
        const response = await app.get('/health');
        expect(response.status).toBe(200);
        expect(response.headers.get('ratelimit-limit')).toBeNull();
      }
    });
  });

  describe('RATE_LIMIT_MAX=0 and CORS_ORIGINS', () => {
    let app: TestApp;
    const allowed = 'http://app.example:8080';
    beforeAll(async () => {
      app = await TestApp.start({ env: { RATE_LIMIT_MAX: '0', CORS_ORIGINS: `${allowed}, https://other.example` } });
    });
    afterAll(async () => {
      await app.close();
      app.removeData();
    });

    it('turns rate limiting off', async () => {
      for (let i = 0; i < 5; i++) {
        const response = await app.get('/api/plugins/templates');
        expect(response.status).toBe(200);
        expect(response.headers.get('ratelimit-limit')).toBeNull();
      }
    });

    it('answers preflights from a configured origin with the methods and headers the API uses', async () => {
      const preflight = await app.request('OPTIONS', '/api/plugins/instances/x', {
        headers: { origin: allowed, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization, content-type, if-match' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(allowed);
      expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT, DELETE');
      expect(preflight.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type, If-Match, Prefer, Idempotency-Key, X-Request-Id');
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();

      const simple = await app.get('/api/plugins/templates', { origin: allowed });
      expect(simple.headers.get('access-control-allow-origin')).toBe(allowed);
      expect(simple.headers.get('access-control-expose-headers')).toContain('ETag, Location, X-Request-Id, Retry-After');
      expect(simple.headers.get('vary')).toMatch(/origin/i);
    });

    it('gives other origins nothing', async () => {
      const origin = 'https://evil.example';
      const simple = await app.get('/api/plugins/templates', { origin });
      const preflight = await app.request('OPTIONS', '/api/plugins/instances', { headers: { origin, 'access-control-request-method': 'POST' } });
      for (const response of [simple, preflight]) expect(response.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});

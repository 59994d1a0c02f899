import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_CONSOLE_ROOT } from '../src/console/console-static';
import { expectProblem, TestApp } from './helpers/test-app';

/** How the server hands out the built console (dist/web, built by npm test's pretest) beside the API. */
describe('Serving the web console (e2e)', () => {
  let app: TestApp;
  const assets = fs.existsSync(path.join(DEFAULT_CONSOLE_ROOT, 'assets')) ? fs.readdirSync(path.join(DEFAULT_CONSOLE_ROOT, 'assets')) : [];
  const script = assets.find((name) => /^index-.+\.js$/.test(name));

  beforeAll(async () => {
    if (!fs.existsSync(path.join(DEFAULT_CONSOLE_ROOT, 'index.html')) || !script) throw new Error(`no built console in ${DEFAULT_CONSOLE_ROOT}: run npm run build first`);
    app = await TestApp.start();
  });
  afterAll(async () => {
    await app?.close();
    app?.removeData();
  });

  it('answers / with index.html, revalidated, under a CSP that allows this origin only and no inline script', async () => {
    const response = await app.get('/', { accept: 'text/html' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.text).toContain('<div id="app"></div>');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toMatch(/^default-src 'self';script-src 'self';style-src 'self';/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    // Everything the page loads comes from this origin.
    for (const [, url] of response.text.matchAll(/(?:src|href)="([^"]+)"/g)) expect(url).toMatch(/^\/[^/]/);
    expect(response.text).not.toMatch(/<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it("answers the console's own routes with index.html for a browser, so a reload lands on the same page", async () => {
    for (const route of ['/instances', '/instances/5ba98613-c1c4-4396-9321-e636334d1888', '/instances/new?template=table_loader', '/templates']) {
      const response = await app.get(route, { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
      expect({ route, status: response.status, root: response.text.includes('<div id="app"></div>') }).toEqual({ route, status: 200, root: true });
    }
    // A client that does not ask for HTML gets the JSON 404 as before.
    expectProblem(await app.get('/instances/x', { accept: 'application/json' }), 404, 'not-found');
  });

  it('serves hashed assets for a year, pre-compressed when the browser accepts it', async () => {
    const plain = await app.get(`/assets/${script}`, { 'accept-encoding': 'identity' });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toMatch(/javascript/);
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const response = await fetch(`${app.baseUrl}/assets/${script}`, { headers: { 'accept-encoding': 'br' } });
    expect(response.headers.get('content-encoding')).toBe('br');
    expect(response.headers.get('vary')).toMatch(/accept-encoding/i);
    expect(await response.text()).toBe(plain.text);
    // A missing asset is a 404, never index.html served as a script.
    expect((await app.get('/assets/index-missing.js', { accept: 'text/html' })).status).toBe(404);
  });

  it('leaves the API, webhooks, health and the docs exactly as they were', async () => {
    for (const accept of ['application/json', 'text/html']) {
      expectProblem(await app.get('/api/plugins/nowhere', { accept }), 404, 'not-found');
      expectProblem(await app.get('/api', { accept }), 404, 'not-found');
      expectProblem(await app.get('/healthz/x', { accept: 'application/json' }), 404, 'not-found');
    }
    expect((await app.get('/api/plugins/templates', { accept: 'text/html' })).headers.get('content-type')).toMatch(/^application\/json/);
    expect((await app.get('/health')).body.status).toBe('ok');
    expect((await app.get('/docs')).text).toContain('swagger-ui');
    expect((await app.get('/docs-json')).body.openapi).toMatch(/^3\./);
    expectProblem(await app.post('/api/hooks/pif_nothing_here_00000000000000000000000000000'), 404, 'webhook-not-found');
    expectProblem(await app.request('POST', '/instances'), 404, 'not-found');
    // The router's own answers stand: an over-long id is still a 414, for a browser too.
    expectProblem(await app.get(`/api/plugins/instances/${'a'.repeat(5000)}`, { accept: 'text/html' }), 414, 'uri-too-long');
    // Paths that try to leave the console's folder find nothing.
    for (const sneaky of ['/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json', '/.vite/manifest.json']) expect((await app.get(sneaky, { accept: 'application/json' })).status).toBe(404);
  });

  it('still boots without a built console, and / says how to build it', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-no-console-'));
    const bare = await TestApp.start({ consoleRoot: empty });
    try {
      const response = await bare.get('/', { accept: 'text/html' });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.text).toContain('npm run build');
      expect((await bare.get('/api/plugins/templates')).status).toBe(200);
    } finally {
      await bare.close();
      bare.removeData();
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

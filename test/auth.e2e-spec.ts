import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { Agent, fetch } from 'undici';
import { AccessService } from '../src/auth/access.service';
import { ApiKeyEntity } from '../src/auth/api-key.entity';
import { ApiKeysService } from '../src/auth/api-keys.service';
import { grants, Scope, SCOPES } from '../src/auth/scopes';
import { Settings } from '../src/config/settings';
import { expectProblem, HttpResponse, TestApp } from './helpers/test-app';

/**
 * Access control through the real stack: keys made by the built CLI and the keys API, used over HTTP;
 * every operation of the committed spec checked for declaring and enforcing its scope.
 */
const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'keys.js');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');
const spec = JSON.parse(fs.readFileSync(path.join(ROOT, 'openapi', 'openapi.json'), 'utf8'));
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The CLI on the same database as the app (a SQLite file in its data directory, or its PostgreSQL database). */
function cliEnv(app: TestApp): Record<string, string> {
  const database = app.app.get(Settings).database;
  return { DATA_DIR: app.dataDir, ...(database.type === 'postgres' ? { DATABASE_URL: database.url } : {}) };
}

const keysCli = (app: TestApp, ...args: string[]) => run(process.execPath, [CLI, ...args], cliEnv(app));

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** GET of an event stream: its status and headers, then the connection dropped; a problem answer is read whole. */
async function openStream(app: TestApp, url: string, headers: Record<string, string>): Promise<HttpResponse> {
  const agent = new Agent();
  const controller = new AbortController();
  try {
    const response = await fetch(`${app.baseUrl}${url}`, { headers, signal: controller.signal, dispatcher: agent });
    if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) return { status: response.status, headers: response.headers as Headers, body: null, text: '' };
    const text = await response.text();
    return { status: response.status, headers: response.headers as Headers, body: text ? JSON.parse(text) : null, text };
  } finally {
    controller.abort();
    await agent.destroy().catch(() => undefined);
  }
}

function expectUnauthorized(response: HttpResponse): void {
  expectProblem(response, 401, 'unauthorized');
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
}

async function createKey(app: TestApp, name: string, scopes: Scope[], expiresAt: number | null = null): Promise<{ id: string; token: string }> {
  const { key, token } = await app.app.get(ApiKeysService).create({ name, scopes, expiresAt });
  return { id: key.id, token };
}

describe('access control (e2e)', () => {
  beforeAll(() => {
    for (const file of [CLI, MAIN]) if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm run build (npm test does it first)`);
  });

  describe('npm run keys', () => {
    let app: TestApp;
    beforeAll(async () => {
      // AUTH_CACHE_MS=0: the CLI is another process, so the server should see its changes on the next request.
      app = await TestApp.start({ env: { AUTH_CACHE_MS: '0' } });
    });
    afterAll(async () => {
      await app.close();
      app.removeData();
    });

    it('creates, lists and revokes keys in the server database, and the token works over HTTP until revoked', async () => {
      expect((await app.get('/api/plugins/templates')).status).toBe(200); // no key yet: loopback is served

      const created = await keysCli(app, 'create', '--name', 'ci', '--scopes', 'read,execute', '--expires-in', '30d');
      expect(created).toMatchObject({ code: 0, stderr: '' });
      const token = created.stdout.match(/^(pif_[A-Za-z0-9_-]{43})$/m)?.[1];
      expect(token).toBeDefined();
      expect(created.stdout).toMatch(/created API key 'ci' \(id [0-9a-f-]{36}, scopes read,execute, expires \d{4}-/);

      // A key now exists: the same loopback request needs it.
      expectUnauthorized(await app.get('/api/plugins/templates'));
      expect((await app.get('/api/plugins/templates', bearer(token!))).status).toBe(200);
      expect((await app.get('/health')).status).toBe(200);
      expectProblem(await app.post('/api/plugins/instances', { template_id: 'fixture_greeter', name: 'x' }, bearer(token!)), 403, 'forbidden');

      const listed = await keysCli(app, 'list', '--json');
      expect(listed.code).toBe(0);
      const keys = JSON.parse(listed.stdout);
      expect(keys).toEqual([expect.objectContaining({ name: 'ci', scopes: ['read', 'execute'], state: 'active', prefix: token!.slice(0, 10), expires_at: expect.any(String) })]);
      expect(listed.stdout).not.toContain(token!);
      expect(listed.stdout).not.toMatch(/hash/);

      const text = await keysCli(app, 'list');
      expect(text.stdout).toMatch(/ci\s+pif_\S+\s+read,execute\s+active/);

      const revoked = await keysCli(app, 'revoke', 'ci');
      expect(revoked).toMatchObject({ code: 0, stdout: `revoked API key 'ci' (id ${keys[0].id})\n` });
      const after = await app.get('/api/plugins/templates', bearer(token!));
      expectUnauthorized(after);
      expect(after.body.detail).toMatch(/revoked/);
      // The only key is revoked: no active key, so loopback is served without one again.
      expect((await app.get('/api/plugins/templates')).status).toBe(200);
    });

    it('reports bad usage with status 2 and failures with status 1, one line each', async () => {
      for (const args of [[], ['frob'], ['create', '--name', 'x'], ['create', '--name', 'x', '--scopes', 'read,fly'], ['create', '--name', 'bad name', '--scopes', 'read'], ['create', '--name', 'x', '--scopes', 'read', '--expires-in', 'soon'], ['list', '--bogus'], ['revoke']]) {
        const result = await keysCli(app, ...args);
        expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
        expect(result.stderr).toMatch(/^keys: .+\n\nUsage: npm run keys/);
      }
      expect(await keysCli(app, 'revoke', 'no-such-key')).toMatchObject({ code: 1, stderr: "keys: API key 'no-such-key' does not exist\n" });
      expect((await keysCli(app, 'create', '--name', 'twice', '--scopes', 'read')).code).toBe(0);
      expect(await keysCli(app, 'create', '--name', 'twice', '--scopes', 'read')).toMatchObject({ code: 1, stderr: "keys: an API key named 'twice' already exists\n" });
      expect(await keysCli(app, 'list', '--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: npm run keys') });
    });

    it('works as `npm run keys` with the settings the server uses', async () => {
      const result = await run('npm', ['run', '--silent', 'keys', '--', 'list', '--json'], cliEnv(app));
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout).map((key: { name: string }) => key.name).sort()).toEqual(['ci', 'twice']);
    });
  });

  describe('with keys', () => {
    let app: TestApp;
    const tokens = {} as Record<Scope, string>;
    const ids = {} as Record<Scope, string>;
    beforeAll(async () => {
      app = await TestApp.start();
      for (const scope of SCOPES) ({ id: ids[scope], token: tokens[scope] } = await createKey(app, `only-${scope}`, [scope]));
    });
    afterAll(async () => {
      await app.close();
      app.removeData();
    });

    it('answers 401 with WWW-Authenticate for a missing, malformed, unknown, expired or revoked key', async () => {
      const url = '/api/plugins/instances';
      expectUnauthorized(await app.get(url));
      for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', `Bearer ${tokens.read}x`, tokens.read, `Bearer ${tokens.read} extra`, 'Bearer pif_short']) {
        const response = await app.get(url, { authorization: header });
        expectUnauthorized(response);
        expect(response.body.detail).toMatch(/Authorization header must be/);
      }
      const unknown = await app.get(url, bearer(`pif_${'A'.repeat(43)}`));
      expectUnauthorized(unknown);
      expect(unknown.body.detail).toMatch(/not known/);

      const expiring = await createKey(app, 'expiring', ['read'], Date.now() / 1000 + 3600);
      expect((await app.get(url, bearer(expiring.token))).status).toBe(200);
      await app.app.get(DataSource).getRepository(ApiKeyEntity).update({ id: expiring.id }, { expires_at: Date.now() / 1000 - 1 });
      app.app.get(AccessService).forget();
      const expired = await app.get(url, bearer(expiring.token));
      expectUnauthorized(expired);
      expect(expired.body.detail).toMatch(/expired/);

      const revoking = await createKey(app, 'revoking', ['read']);
      expect((await app.get(url, bearer(revoking.token))).status).toBe(200);
      expect((await app.request('DELETE', `/api/keys/${revoking.id}`, { headers: bearer(tokens.admin) })).status).toBe(204);
      // Revoked through the API: refused at once, despite the cache.
      const revoked = await app.get(url, bearer(revoking.token));
      expectUnauthorized(revoked);
      expect(revoked.body.detail).toMatch(/revoked/);
    });

    // Every operation in the committed spec: it declares the bearer scheme, its 401/403 responses and its
    // scope, and the server enforces exactly that scope (admin implies all). /health and webhook deliveries (the
    // URL token is their credential) alone are open.
    const operations = Object.entries(spec.paths as Record<string, Record<string, any>>).flatMap(([route, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ route, method: method.toUpperCase(), operation })),
    );
    const OPEN_ROUTES = ['/health', '/api/hooks/{token}'];
    const guarded = operations.filter((o) => !OPEN_ROUTES.includes(o.route));

    it('documents /health and webhook deliveries as the only open operations', () => {
      for (const route of OPEN_ROUTES) expect(operations.find((o) => o.route === route)!.operation.security).toEqual([]);
      expect(operations.length - guarded.length).toBe(OPEN_ROUTES.length);
      expect(guarded.length).toBeGreaterThan(20);
      for (const { route, method, operation } of guarded) {
        expect({ route, method, security: operation.security }).toEqual({ route, method, security: [{ bearer: [] }] });
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
        expect(operation.description).toMatch(/Requires an API key with the `(read|write|execute|admin)` scope/);
      }
      expect(spec.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    });

    it.each(guarded.map((o) => [`${o.method} ${o.route}`, o] as const))('%s enforces its declared scope', async (_name, { route, method, operation }) => {
      const required = operation.description.match(/Requires an API key with the `(\w+)` scope/)[1] as Scope;
      // The policy, restated: the spec must say the same.
      const policy: Scope = route.startsWith('/api/keys') || route === '/api/plugins/provisioning/reload' || (route.startsWith('/api/notifications/channels') && method !== 'GET') ? 'admin' : method === 'GET' || route.endsWith('/validate') || route === '/api/plugins/schedule/preview' ? 'read' : /\/(execute|cancel)$/.test(route) ? 'execute' : 'write';
      expect(required).toBe(policy);
      const url = route.replace(/\{(\w+)\}/g, (_match: string, name: string) => (name === 'template_id' ? 'fixture_greeter' : name === 'name' ? 'no_such_table' : UNKNOWN_ID));
      // An event stream that opens stays open: its status is the answer, and the connection is dropped.
      const streams = operation.responses['200']?.content?.['text/event-stream'] !== undefined;
      const send = (headers: Record<string, string>) => (streams ? openStream(app, url, headers) : app.request(method, url, { headers }));

      expectUnauthorized(await send({}));
      for (const scope of SCOPES) {
        const response = await send(bearer(tokens[scope]));
        if (grants([scope], required)) {
          expect({ scope, status: response.status, allowed: ![401, 403].includes(response.status) && response.status < 500 }).toEqual({ scope, status: response.status, allowed: true });
        } else {
          expectProblem(response, 403, 'forbidden');
          expect(response.body.required_scope).toBe(required);
          expect(response.body.detail).toContain(`'${required}'`);
        }
      }
    });

    it('records which key created an instance and triggered its runs, retries included', async () => {
      const { id: keyId, token } = await createKey(app, 'writer-runner', ['write', 'execute', 'read']);
      const created = await app.post(
        '/api/plugins/instances',
        { template_id: 'fixture_function', name: 'Retried by key', config: { mode: 'throw', label: 'auth' }, execution_policy: { max_attempts: 2, backoff_ms: 0 } },
        bearer(token),
      );
      expect(created.status).toBe(201);
      expect(created.body.created_by).toBe(keyId);
      const run = await app.post(`/api/plugins/instances/${created.body.id}/execute`, undefined, bearer(token));
      expect(run.body).toMatchObject({ status: 'failed', attempt: 2, triggered_by: keyId });
      const history = await app.get(`/api/plugins/instances/${created.body.id}/executions`, bearer(token));
      expect(history.body.items.map((e: { attempt: number; triggered_by: string }) => [e.attempt, e.triggered_by])).toEqual([
        [2, keyId],
        [1, keyId],
      ]);
      // Another key reads the same record.
      expect((await app.get(`/api/plugins/instances/${created.body.id}`, bearer(tokens.read))).body.created_by).toBe(keyId);
    });

    describe('the keys API', () => {
      const admin = () => bearer(tokens.admin);

      it('creates a key (201, Location, the token once), which then works; never shows hashes or tokens again', async () => {
        const created = await app.request('POST', '/api/keys', { body: { name: 'api-made', scopes: ['execute', 'read', 'read'], expires_at: '2999-01-01T00:00:00Z' }, headers: admin() });
        expect(created.status).toBe(201);
        expect(created.body).toEqual({
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          name: 'api-made',
          prefix: created.body.token.slice(0, 10),
          scopes: ['read', 'execute'],
          state: 'active',
          created_at: expect.any(String),
          last_used_at: null,
          expires_at: '2999-01-01T00:00:00.000Z',
          revoked_at: null,
          token: expect.stringMatching(/^pif_[A-Za-z0-9_-]{43}$/),
        });
        expect(created.headers.get('location')).toBe(`/api/keys/${created.body.id}`);
        expect((await app.get('/api/plugins/templates', bearer(created.body.token))).status).toBe(200);

        const fetched = await app.get(created.headers.get('location')!, admin());
        expect(fetched.status).toBe(200);
        const { token: _token, last_used_at: _lastUsed, ...listed } = created.body;
        expect(fetched.body).toMatchObject(listed);
        expect(fetched.body).not.toHaveProperty('token');
        expect(fetched.text).not.toContain(created.body.token);

        const all: { name: string }[] = [];
        let cursor: string | null = null;
        do {
          const page: HttpResponse = await app.get(`/api/keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`, admin());
          expect(page.status).toBe(200);
          expect(page.body.items.length).toBeLessThanOrEqual(2);
          expect(page.text).not.toMatch(/"(hash|token)"/);
          all.push(...page.body.items);
          cursor = page.body.next_cursor;
        } while (cursor);
        expect(all.map((k) => k.name)).toEqual(expect.arrayContaining(['api-made', 'only-admin', 'only-read']));
        expect(new Set(all.map((k) => k.name)).size).toBe(all.length);
      });

      it('rejects bad input with problems and changes nothing', async () => {
        const before = (await app.get('/api/keys?limit=500', admin())).body.items.length;
        const bad = [
          { name: 'x', scopes: [] },
          { name: 'x', scopes: ['root'] },
          { name: 'x', scopes: 'read' },
          { name: 'has space', scopes: ['read'] },
          { name: '', scopes: ['read'] },
          { scopes: ['read'] },
          { name: 'x', scopes: ['read'], expires_at: 'tomorrow' },
          { name: 'x', scopes: ['read'], expires_at: '2999-01-01T00:00:00' },
          { name: 'x', scopes: ['read'], expires_at: '2001-01-01T00:00:00Z' },
          { name: 'x', scopes: ['read'], token: 'pif_mine' },
        ];
        for (const body of bad) {
          const response = await app.request('POST', '/api/keys', { body, headers: admin() });
          expect({ body, status: response.status }).toEqual({ body, status: 400 });
          expectProblem(response, 400, 'validation-failed');
        }
        expectProblem(await app.request('POST', '/api/keys', { body: { name: 'only-read', scopes: ['read'] }, headers: admin() }), 409, 'key-name-taken');
        expect((await app.get('/api/keys?limit=500', admin())).body.items.length).toBe(before);
      });

      it('revokes with DELETE (204, idempotent), 404 for an unknown key, 400 for a malformed id', async () => {
        const { id, token } = await createKey(app, 'to-revoke', ['read']);
        expect((await app.request('DELETE', `/api/keys/${id}`, { headers: admin() })).status).toBe(204);
        expect((await app.request('DELETE', `/api/keys/${id}`, { headers: admin() })).status).toBe(204);
        expect((await app.get(`/api/keys/${id}`, admin())).body).toMatchObject({ state: 'revoked', revoked_at: expect.any(String) });
        expectUnauthorized(await app.get('/api/plugins/templates', bearer(token)));
        expectProblem(await app.request('DELETE', `/api/keys/${UNKNOWN_ID}`, { headers: admin() }), 404, 'key-not-found');
        expectProblem(await app.get('/api/keys/not-a-uuid', admin()), 400, 'validation-failed');
      });
    });
  });

  describe('without keys', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await TestApp.start();
    });
    afterAll(async () => {
      await app.close();
      app.removeData();
    });

    it('serves loopback without a key, recording no key, and refuses other addresses (checked without a connection)', async () => {
      const created = await app.post('/api/plugins/instances', { template_id: 'fixture_greeter', name: 'No key', config: { who: 'Ada' } });
      expect(created.body.created_by).toBeNull();
      const access = app.app.get(AccessService);
      for (const address of ['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1']) {
        expect((await access.principalFor(undefined, address)).via).toBe('loopback-without-keys');
      }
      for (const address of ['10.0.0.7', '192.168.1.20', '::ffff:192.168.1.20', 'fe80::1', undefined]) {
        await expect(access.principalFor(undefined, address)).rejects.toMatchObject({ type: 'forbidden', message: expect.stringMatching(/no API keys exist yet/) });
      }
    });
  });

  describe('AUTH=none', () => {
    it('serves everything without a key even when keys exist', async () => {
      const app = await TestApp.start({ env: { AUTH: 'none' } });
      try {
        await createKey(app, 'ignored', ['read']);
        expect((await app.get('/api/plugins/instances')).status).toBe(200);
        expect((await app.get('/api/keys')).status).toBe(200);
        const created = await app.post('/api/plugins/instances', { template_id: 'fixture_greeter', name: 'Open', config: { who: 'Ada' } });
        expect(created.body.created_by).toBeNull();
        expect(await app.app.get(AccessService).principalFor(undefined, '192.168.1.20')).toMatchObject({ via: 'auth-none', keyId: null });
      } finally {
        await app.close();
        app.removeData();
      }
    });
  });

  describe('the server process', () => {
    let dataDir: string;
    beforeEach(() => (dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-auth-process-'))));
    afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

    // Only the refusal is tested beyond loopback: the process exits before it opens a socket.
    it.each(['0.0.0.0', '::', '192.168.1.20'])('refuses HOST=%s without keys, with one line and exit status 1, before listening', async (host) => {
      const result = await run(process.execPath, [MAIN], { DATA_DIR: dataDir, HOST: host, PORT: '0' });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^refusing to listen on HOST=${host.replace(/\./g, '\\.')}: no API key exists.*AUTH=none`))]);
      expect(result.stdout).not.toMatch(/listening on/);
    });

    it('starts on loopback without keys, and warns when AUTH=none', async () => {
      for (const [env, warning] of [
        [{}, /no API keys exist: serving requests from this machine only/],
        [{ AUTH: 'none' }, /AUTH=none: every route is open/],
      ] as const) {
        const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', DATA_DIR: dataDir, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (chunk) => (output += chunk));
        child.stderr.on('data', (chunk) => (output += chunk));
        const exited = new Promise((resolve) => child.on('exit', resolve));
        for (let i = 0; i < 300 && !/listening on/.test(output); i++) await new Promise((resolve) => setTimeout(resolve, 50));
        expect(output).toMatch(warning);
        const url = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)![1];
        expect((await fetch(`${url}/api/plugins/templates`)).status).toBe(200);
        child.kill('SIGTERM');
        await exited;
      }
    });
  });
});

import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

/**
 * The grep test: the built server (dist/src/main.js) at LOG_LEVEL=trace handles an instance with
 * secrets through every route that can show one. Nothing it wrote (response bodies and headers,
 * stdout/stderr, every file in DATA_DIR) may contain a secret value, raw, URI-encoded or base64.
 */
const ROOT = path.resolve(__dirname, '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'main.js');
const FIXTURE = path.join(__dirname, 'fixtures', 'plugins', 'good', 'secret_holder', 'index.ts');

const TOKEN = 'grep/Secret+Token=4a7c9e!';
const NEW_TOKEN = 'replaced/Secret+Token=5b8d0f!';
const LIST_TOKEN = 'list-secret-6c9e1a';
const SECRETS = [TOKEN, NEW_TOKEN, LIST_TOKEN];
const formsOf = (secret: string) => [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), JSON.stringify(secret).slice(1, -1)];
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('no secret in anything the server writes (process e2e)', () => {
  let dataDir: string;
  let pluginRoot: string;
  let child: ChildProcess;
  let output = '';
  let base = '';
  const written: string[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build (npm test does it first)`);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-grep-'));
    pluginRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-grep-plugins-'));
    // The build has no test fixtures: the fixture is transpiled to plain JS for the server to load.
    fs.mkdirSync(path.join(pluginRoot, 'secret_holder'));
    const js = ts.transpileModule(fs.readFileSync(FIXTURE, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    fs.writeFileSync(path.join(pluginRoot, 'secret_holder', 'index.js'), js);
    child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', LOG_LEVEL: 'trace', DATA_DIR: dataDir, PORT: '0', PLUGIN_PATHS: pluginRoot },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    for (let i = 0; i < 300 && !base; i++) {
      base = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1] ?? '';
      if (!base) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!base) throw new Error(`server did not start:\n${output}`);
  });

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(pluginRoot, { recursive: true, force: true });
  });

  /** Every request goes through here so its response (headers and body) joins what is searched. */
  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; text: string }> => {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    written.push(`${response.status} ${JSON.stringify([...response.headers.entries()])}\n${text}`);
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // event streams
    }
    return { status: response.status, json, text };
  };

  it('exercises every route with a secret-bearing instance, then finds zero copies of any secret', async () => {
    const INSTANCES = '/api/plugins/instances';
    await call('GET', '/api/plugins/templates/fixture_secret_holder');
    const validated = await call('POST', '/api/plugins/templates/fixture_secret_holder/validate', { config: { endpoint: 'https://api.invalid', auth: { token: TOKEN } } });
    expect(validated.json.secret_fields).toEqual(['auth.token']);
    await call('POST', '/api/plugins/templates/fixture_secret_holder/validate', { config: { endpoint: 'e', auth: { token: `deny-${TOKEN}` } } });
    expect((await call('POST', INSTANCES, { template_id: 'fixture_secret_holder', name: 'Denied', config: { endpoint: 'e', auth: { token: `deny-${TOKEN}` } } })).status).toBe(400);

    const created = await call('POST', INSTANCES, { template_id: 'fixture_secret_holder', name: 'Grep me', config: { endpoint: 'https://api.invalid', auth: { user: 'lab', token: TOKEN }, tokens: [LIST_TOKEN] } });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    expect(created.json.secret_fields).toEqual(['auth.token', 'tokens[0]']);
    await call('GET', `${INSTANCES}/${id}`);
    await call('GET', INSTANCES);
    await call('GET', `${INSTANCES}?q=grep`);

    const sync = await call('POST', `${INSTANCES}/${id}/execute`);
    expect(sync.json).toMatchObject({ status: 'succeeded', result: { token_sha256: sha256(TOKEN), tokens_sha256: [sha256(LIST_TOKEN)] } });

    const kept = await call('PUT', `${INSTANCES}/${id}`, { config: { ...created.json.config, mode: 'slow' } });
    expect(kept.status).toBe(200);
    const queued = await call('POST', `${INSTANCES}/${id}/execute`, undefined, { prefer: 'respond-async' });
    expect(queued.status).toBe(202);
    const events = await call('GET', `/api/plugins/executions/${queued.json.id}/events`);
    expect(events.text).toContain('event: progress');
    const slow = await call('GET', `/api/plugins/executions/${queued.json.id}`);
    expect(slow.json.result.token_sha256).toBe(sha256(TOKEN));
    await call('GET', `/api/plugins/executions/${queued.json.id}/logs`);

    for (const mode of ['throw', 'soft_error']) {
      await call('PUT', `${INSTANCES}/${id}`, { config: { endpoint: 'https://api.invalid', mode, auth: { token: '********' }, tokens: ['********'] } });
      const failed = await call('POST', `${INSTANCES}/${id}/execute`);
      expect(failed.json.status).toBe('failed');
      await call('GET', `/api/plugins/executions/${failed.json.id}/logs`);
      await call('GET', `/api/plugins/executions/${failed.json.id}/events`);
    }
    const replaced = await call('PUT', `${INSTANCES}/${id}`, { config: { endpoint: 'https://api.invalid', auth: { token: NEW_TOKEN } } });
    expect(replaced.json.secret_fields).toEqual(['auth.token']);
    const last = await call('POST', `${INSTANCES}/${id}/execute`);
    expect(last.json.result.token_sha256).toBe(sha256(NEW_TOKEN));
    await call('GET', `/api/plugins/executions/${last.json.id}/logs`);
    await call('GET', `${INSTANCES}/${id}/executions`);
    await call('GET', `${INSTANCES}/stats`);
    await call('GET', `${INSTANCES}/${id}`);
    await call('GET', '/docs-json');

    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));

    const files = fs.readdirSync(dataDir).map((name) => ({ name, text: fs.readFileSync(path.join(dataDir, name)).toString('latin1') }));
    expect(files.map((file) => file.name)).toEqual(expect.arrayContaining(['app.sqlite', 'tables.sqlite', 'secret.key']));
    const haystacks = [{ name: 'responses', text: written.join('\n') }, { name: 'server output', text: output }, ...files];
    const hits = haystacks.flatMap(({ name, text }) => SECRETS.flatMap(formsOf).filter((form) => text.includes(form)).map((form) => `${name}: ${form}`));
    expect(hits).toEqual([]);
    // The run's own log lines reached the server log (scrubbed), and the secrets are in the database as ciphertext.
    expect(output).toContain('with token ********');
    expect(files.filter((file) => file.name.startsWith('app.sqlite')).map((file) => file.text).join('')).toMatch(/\{"\$secret":"v1:[0-9a-f]{12}:/);
  }, 60_000);
});

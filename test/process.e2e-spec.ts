import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listeningUrl, MAIN, startMain } from './helpers/server-process';

/**
 * The real entry point (dist/src/main.js, built by `npm test`'s pretest step) as a user runs it:
 * boot validation, listening, and shutdown on signals.
 */
describe('the server process', () => {
  let dataDir: string;

  beforeAll(() => {
    if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build (npm test does it first)`);
  });
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-process-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('creates its data directory, serves, and exits cleanly on SIGTERM and SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const target = path.join(dataDir, signal, 'nested');
      const started = startMain({ DATA_DIR: target, PORT: '0' });
      const url = await listeningUrl(started);
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(fs.existsSync(path.join(target, 'app.sqlite'))).toBe(true);
      expect(fs.existsSync(path.join(target, 'tables.sqlite'))).toBe(true);
      started.child.kill(signal);
      expect(await started.exited).toEqual({ code: 0, signal: null });
      expect(started.output()).toContain(`received ${signal}, shutting down`);
      expect(started.output()).toContain('"msg":"stopped"');
    }
  });

  it('refuses to boot, with one clear line, when the data store cannot be opened', async () => {
    const blocker = path.join(dataDir, 'not-a-dir');
    fs.writeFileSync(blocker, 'a file where a folder should be');
    const started = startMain({ DATA_DIR: dataDir, PORT: '0', DATA_STORE_URL: path.join(blocker, 'tables.sqlite') });
    expect((await started.exited).code).toBe(1);
    expect(started.output()).toMatch(/the data store \(DATA_STORE_URL\) cannot be opened: .*/);
    expect(started.output()).not.toMatch(/\n\s+at /);
  });

  it('refuses to boot on invalid configuration, naming each bad variable', async () => {
    const started = startMain({ DATA_DIR: dataDir, PORT: 'eighty', LOG_LEVEL: 'chatty' });
    expect((await started.exited).code).toBe(1);
    expect(started.output()).toMatch(/Invalid configuration/);
    expect(started.output()).toContain('PORT');
    expect(started.output()).toContain('LOG_LEVEL');
  });

  it('refuses to boot, with one clear line, when its secret key file is malformed or open to others', async () => {
    const keyFile = path.join(dataDir, 'secret.key');
    fs.writeFileSync(keyFile, 'not a key\n', { mode: 0o600 });
    const malformed = startMain({ DATA_DIR: dataDir, PORT: '0' });
    expect((await malformed.exited).code).toBe(1);
    expect(malformed.output()).toContain(`\nthe secret key file ${keyFile} does not hold a 32-byte key (base64 or hex); restore it, or set SECRET_KEY\n`);
    expect(malformed.output()).not.toMatch(/\n\s+at /);
    fs.writeFileSync(keyFile, `${Buffer.alloc(32, 1).toString('base64')}\n`);
    fs.chmodSync(keyFile, 0o644);
    const open = startMain({ DATA_DIR: dataDir, PORT: '0' });
    expect((await open.exited).code).toBe(1);
    expect(open.output()).toContain(`is accessible to other users (mode 0644); run: chmod 600 ${keyFile}`);
    const badEnv = startMain({ DATA_DIR: dataDir, PORT: '0', SECRET_KEY: 'hunter2' });
    expect((await badEnv.exited).code).toBe(1);
    expect(badEnv.output()).toMatch(/SECRET_KEY: must be 32 bytes/);
    expect(badEnv.output()).not.toContain('hunter2');
  });

  it('refuses to boot with PLUGINS_STRICT=true when a plugin fails to load', async () => {
    const brokenRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-broken-'));
    fs.mkdirSync(path.join(brokenRoot, 'explodes'));
    fs.writeFileSync(path.join(brokenRoot, 'explodes', 'index.js'), "throw new Error('kaboom');\n");
    try {
      const strict = startMain({ DATA_DIR: dataDir, PORT: '0', PLUGIN_PATHS: brokenRoot, PLUGINS_STRICT: 'true' });
      expect((await strict.exited).code).toBe(1);
      expect(strict.output()).toMatch(/PLUGINS_STRICT=true.*\n.*explodes\/index\.js: import failed: kaboom/);

      const lenient = startMain({ DATA_DIR: dataDir, PORT: '0', PLUGIN_PATHS: brokenRoot });
      const url = await listeningUrl(lenient);
      const errors = (await (await fetch(`${url}/api/plugins/load-errors`)).json()) as { items: unknown[] };
      expect(errors.items).toEqual([{ source: path.join(brokenRoot, 'explodes', 'index.js'), error: 'import failed: kaboom' }]);
      lenient.child.kill('SIGTERM');
      expect((await lenient.exited).code).toBe(0);
    } finally {
      fs.rmSync(brokenRoot, { recursive: true, force: true });
    }
  });

  describe('runs in flight when the process stops', () => {
    let pluginRoot: string;

    beforeAll(() => {
      // A function-style plugin in plain JS (the build has no test fixtures): it runs until released by a file.
      pluginRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-sleeper-'));
      fs.mkdirSync(path.join(pluginRoot, 'sleeper'));
      fs.writeFileSync(
        path.join(pluginRoot, 'sleeper', 'index.js'),
        `exports.registerPlugin = (ctx) => ctx.templates.register({
  id: 'sleeper', name: 'Sleeper', category: 'transformer', config_schema: { type: 'object' },
  // Ignores its signal on purpose: only the engine's grace period can end it.
  handler: () => new Promise(() => {}),
});\n`,
      );
    });
    afterAll(() => fs.rmSync(pluginRoot, { recursive: true, force: true }));

    const startRun = async (url: string) => {
      const post = async (p: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> => {
        const response = await fetch(`${url}${p}`, {
          method: 'POST',
          headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return response.json();
      };
      const instance = await post('/api/plugins/instances', { template_id: 'sleeper', name: 'Sleeps', config: {} });
      const keeper = await post('/api/plugins/instances', { template_id: 'sleeper', name: 'Untouched', config: {}, enabled: false });
      const run = await post(`/api/plugins/instances/${instance.id}/execute`, undefined, { prefer: 'respond-async' });
      for (let i = 0; i < 200; i++) {
        const current: any = await (await fetch(`${url}/api/plugins/executions/${run.id}`)).json();
        if (current.status === 'running') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return { instance, keeper, run };
    };

    it('SIGKILL during a run: after a restart the run is interrupted and nothing else is damaged', async () => {
      const env = { DATA_DIR: dataDir, PORT: '0', PLUGIN_PATHS: pluginRoot };
      const first = startMain(env);
      const { instance, keeper, run } = await startRun(await listeningUrl(first));
      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');

      const second = startMain(env);
      const url = await listeningUrl(second);
      try {
        const after = await (await fetch(`${url}/api/plugins/executions/${run.id}`)).json();
        expect(after).toMatchObject({ status: 'interrupted', error: { type: 'interrupted' }, finished_at: expect.any(String) });
        const restored: any = await (await fetch(`${url}/api/plugins/instances/${instance.id}`)).json();
        expect(restored).toMatchObject({ name: 'Sleeps', status: 'error' });
        expect(await (await fetch(`${url}/api/plugins/instances/${keeper.id}`)).json()).toEqual(keeper);
        const health = await fetch(`${url}/health`);
        expect(health.status).toBe(200);
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    });

    it('SIGTERM during a run: it ends interrupted within the grace period and the process exits 0', async () => {
      const env = { DATA_DIR: dataDir, PORT: '0', PLUGIN_PATHS: pluginRoot, SHUTDOWN_GRACE_MS: '300', EXECUTION_CONCURRENCY: '1' };
      const first = startMain(env);
      const firstUrl = await listeningUrl(first);
      const { run, keeper } = await startRun(firstUrl);
      // A caller waiting synchronously on a run that is still queued behind the first one.
      await fetch(`${firstUrl}/api/plugins/instances/${keeper.id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enabled: true }) });
      const waiting = fetch(`${firstUrl}/api/plugins/instances/${keeper.id}/execute`, { method: 'POST' }).then(async (response) => ({ status: response.status, body: (await response.json()) as any }));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const stoppedAt = Date.now();
      first.child.kill('SIGTERM');
      expect(await first.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - stoppedAt).toBeLessThan(10_000);
      // It got an answer rather than hanging the shutdown: the run stays queued for the next boot.
      expect(await waiting).toMatchObject({ status: 200, body: { status: 'queued' } });

      const second = startMain(env);
      const url = await listeningUrl(second);
      try {
        const after = await (await fetch(`${url}/api/plugins/executions/${run.id}`)).json();
        expect(after).toMatchObject({ status: 'interrupted', error: { type: 'interrupted', message: expect.stringContaining('shut down') } });
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    });
  });
});

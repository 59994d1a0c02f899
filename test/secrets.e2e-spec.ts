import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sqlite3 from 'sqlite3';
import { sha256 } from './fixtures/plugins/good/secret_holder';
import { expectProblem, ON_POSTGRES, TestApp } from './helpers/test-app';

const INSTANCES = '/api/plugins/instances';
const MASK = '********';
const TOKEN = 'tok-e2e-7f3a9c1d5b';

/** Every byte of every file under a folder, as latin1 text (byte-exact search). */
const filesText = (dir: string): string =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => fs.readFileSync(path.join(entry.parentPath, entry.name)).toString('latin1'))
    .join('\n');

function sqliteAll(file: string, sql: string): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (openError) => {
      if (openError) return reject(openError);
      db.all(sql, (error, rows) => {
        db.close();
        if (error) reject(error);
        else resolve(rows);
      });
    });
  });
}

describe('secret config fields (e2e)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  const create = (name: string, config: Record<string, unknown>) => app.post(INSTANCES, { template_id: 'fixture_secret_holder', name, config });

  it('masks set secrets in every response and lists them in secret_fields', async () => {
    const created = await create('Masked', { endpoint: 'https://api.invalid', auth: { user: 'lab', token: TOKEN }, tokens: ['first-token', 'second-token'], spare: null });
    expect(created.status).toBe(201);
    expect(created.body.config).toEqual({ endpoint: 'https://api.invalid', auth: { user: 'lab', token: MASK }, tokens: [MASK, MASK], spare: null });
    expect(created.body.secret_fields).toEqual(['auth.token', 'tokens[0]', 'tokens[1]']);
    const fetched = await app.get(`${INSTANCES}/${created.body.id}`);
    expect(fetched.body).toMatchObject({ config: created.body.config, secret_fields: created.body.secret_fields });
    const listed = await app.get(`${INSTANCES}?template_id=fixture_secret_holder`);
    expect(listed.text).not.toContain(TOKEN);
    expect(listed.body.items[0].secret_fields).toEqual(['auth.token', 'tokens[0]', 'tokens[1]']);
    const plain = await app.post(INSTANCES, { template_id: 'fixture_function', name: 'No secrets', config: { mode: 'ok' } });
    expect(plain.body.secret_fields).toEqual([]);
  });

  it('validate echoes the config with its secrets masked, and scrubs them from error messages', async () => {
    const valid = await app.post('/api/plugins/templates/fixture_secret_holder/validate', { config: { endpoint: 'e', auth: { token: TOKEN } } });
    expect(valid.body).toEqual({ valid: true, errors: [], config: { endpoint: 'e', mode: 'echo', auth: { token: MASK } }, secret_fields: ['auth.token'] });
    const denied = await app.post('/api/plugins/templates/fixture_secret_holder/validate', { config: { endpoint: 'e', auth: { token: 'deny-this-token' } } });
    expect(denied.body.errors).toEqual([{ path: '/config/auth/token', message: `token ${MASK} is on the deny list` }]);
    const problem = await create('Denied', { endpoint: 'e', auth: { token: 'deny-this-token' } });
    expectProblem(problem, 400, 'config-invalid');
    expect(problem.text).not.toContain('deny-this-token');
  });

  it('refuses the mask as a value on create, with a JSON Pointer', async () => {
    const response = await create('Mask as value', { endpoint: 'e', auth: { token: MASK } });
    expectProblem(response, 400, 'config-invalid');
    expect(response.body.errors).toEqual([{ path: '/config/auth/token', message: expect.stringContaining('mask') }]);
    expectProblem(await create('Envelope as value', { endpoint: 'e', auth: { token: { $secret: 'v1:abc:x:y:z' } } }), 400, 'config-invalid');
  });

  it('PUT keeps a secret sent as the mask or left out, replaces a new one, clears one sent as null', async () => {
    const created = await create('Put rules', { endpoint: 'e', auth: { user: 'a', token: TOKEN }, tokens: ['keep-me-0', 'keep-me-1'], spare: 'spare-secret' });
    const id = created.body.id;
    const run = async () => (await app.post(`${INSTANCES}/${id}/execute`)).body.result;

    const masked = await app.put(`${INSTANCES}/${id}`, { config: { ...created.body.config, auth: { user: 'b', token: MASK } } });
    expect(masked.status).toBe(200);
    expect(masked.body.secret_fields).toEqual(['auth.token', 'spare', 'tokens[0]', 'tokens[1]']);
    expect(await run()).toMatchObject({ token_sha256: sha256(TOKEN), tokens_sha256: [sha256('keep-me-0'), sha256('keep-me-1')], spare_set: true });

    const omitted = await app.put(`${INSTANCES}/${id}`, { config: { endpoint: 'e2', auth: { user: 'c' }, tokens: [MASK] } });
    expect(omitted.body.config).toEqual({ endpoint: 'e2', auth: { user: 'c', token: MASK }, tokens: [MASK], spare: MASK });
    expect(await run()).toMatchObject({ token_sha256: sha256(TOKEN), tokens_sha256: [sha256('keep-me-0')], spare_set: true });

    const replaced = await app.put(`${INSTANCES}/${id}`, { config: { endpoint: 'e2', auth: { token: 'brand-new-token' }, spare: null } });
    // spare allows null, but null means "clear": the key goes, as for any secret.
    expect(replaced.body.config).toEqual({ endpoint: 'e2', auth: { token: MASK } });
    expect(replaced.body.secret_fields).toEqual(['auth.token']);
    expect(await run()).toMatchObject({ token_sha256: sha256('brand-new-token'), tokens_sha256: [], spare_set: false });

    const versionBefore = (await app.get(`${INSTANCES}/${id}`)).body.version;
    const maskWithoutValue = await app.put(`${INSTANCES}/${id}`, { config: { endpoint: 'e2', tokens: [MASK] } });
    expectProblem(maskWithoutValue, 400, 'config-invalid');
    expect(maskWithoutValue.body.errors).toEqual([{ path: '/config/tokens/0', message: expect.stringContaining('no secret is stored') }]);
    expect((await app.get(`${INSTANCES}/${id}`)).body.version).toBe(versionBefore);
  });

  it('clears with null a secret whose schema forbids null (the key is dropped before validation)', async () => {
    const created = await create('Clear a string secret', { endpoint: 'e', auth: { user: 'a', token: TOKEN } });
    const id = created.body.id;
    // auth.token is {type: "string"}: null would fail the schema, but it means "remove the stored value".
    const cleared = await app.put(`${INSTANCES}/${id}`, { config: { endpoint: 'e', auth: { user: 'a', token: null } } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.config).toEqual({ endpoint: 'e', auth: { user: 'a' } });
    expect(cleared.body.secret_fields).toEqual([]);
    expect((await app.post(`${INSTANCES}/${id}/execute`)).body.result).toMatchObject({ token_sha256: sha256('') });
    // Cleared stays cleared: leaving the key out now keeps nothing.
    const later = await app.put(`${INSTANCES}/${id}`, { config: { endpoint: 'e3', auth: { user: 'b' } } });
    expect(later.body.config).toEqual({ endpoint: 'e3', auth: { user: 'b' } });
    const version = (await app.get(`${INSTANCES}/${id}/versions/${cleared.body.version}`)).body;
    expect(version.config).toEqual({ endpoint: 'e', auth: { user: 'a' } });
  });

  it('refuses to clear a secret the schema requires: 400 at its JSON Pointer, and nothing changes', async () => {
    const created = await app.post(INSTANCES, { template_id: 'api_fetcher', name: 'Required token', config: { url: 'https://api.example.org/v1/items', auth: { type: 'bearer', token: TOKEN } } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const before = await app.get(`${INSTANCES}/${id}`);
    const refused = await app.put(`${INSTANCES}/${id}`, { config: { url: 'https://api.example.org/v1/items', auth: { type: 'bearer', token: null } } });
    expectProblem(refused, 400, 'config-invalid');
    expect(refused.body.errors).toEqual([{ path: '/config/auth/token', message: expect.stringMatching(/^is required and cannot be cleared/) }]);
    const after = await app.get(`${INSTANCES}/${id}`);
    expect(after.body).toEqual(before.body);
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    expect((await app.get(`${INSTANCES}/${id}/versions`)).body.items).toHaveLength(1);
    // The stored token is still the one a run uses: a kept token is still accepted.
    expect((await app.put(`${INSTANCES}/${id}`, { config: { url: 'https://api.example.org/v1/items', auth: { type: 'bearer' } } })).status).toBe(200);
  });

  it('stores only ciphertext bound to the instance and scrubs every secret from what a run reports', async () => {
    const created = await create('Echo', { endpoint: 'https://api.invalid', auth: { token: TOKEN } });
    const id = created.body.id;
    const sync = await app.post(`${INSTANCES}/${id}/execute`);
    expect(sync.body.status).toBe('succeeded');
    expect(sync.body.result).toMatchObject({ token_sha256: sha256(TOKEN), echoed: `token=${MASK}`, url: `https://api.invalid?token=${MASK}`, [MASK]: 'as a key' });
    expect(sync.text).not.toContain(TOKEN);
    const logs = await app.get(`/api/plugins/executions/${sync.body.id}/logs`);
    expect(logs.body.items.map((line: { message: string }) => line.message)).toEqual([`calling https://api.invalid with token ${MASK}`]);
    expect(sync.body.progress).toEqual({ current: 1, total: 2, message: `authenticated with ${MASK}` });
    expect((await app.get(`${INSTANCES}/${id}`)).body.last_result.echoed).toBe(`token=${MASK}`);

    for (const mode of ['throw', 'soft_error']) {
      await app.put(`${INSTANCES}/${id}`, { config: { endpoint: 'https://api.invalid', mode, auth: { token: MASK } } });
      const failed = await app.post(`${INSTANCES}/${id}/execute`);
      expect(failed.body.status).toBe('failed');
      expect(failed.body.error.message).toContain(MASK);
      expect(failed.text).not.toContain(TOKEN);
      expect(JSON.stringify((await app.get(`${INSTANCES}/${id}`)).body.last_result)).not.toContain(TOKEN);
    }
    if (!ON_POSTGRES) {
      const [row] = await sqliteAll(path.join(app.dataDir, 'app.sqlite'), `SELECT config FROM plugin_instances WHERE id = '${id}'`);
      const config = JSON.parse(row.config);
      expect(config.auth.token.$secret).toMatch(/^v1:[0-9a-f]{12}:/);
      expect(filesText(app.dataDir)).not.toContain(TOKEN);
    }
  });
});

(ON_POSTGRES ? describe.skip : describe)('stored secrets across restarts (e2e)', () => {
  /** The seed row's id: instance ids are uuids (the path refuses anything else with 400). */
  const SEED_ID = '7a3c9e51-2b4d-4f6a-8c0e-1d2f3a4b5c6d';
  const seed = async (dataDir: string, config: Record<string, unknown>) => {
    const file = path.join(dataDir, 'app.sqlite');
    await new Promise<void>((resolve, reject) => {
      const db = new sqlite3.Database(file, (openError) => {
        if (openError) return reject(openError);
        db.exec(
          `CREATE TABLE plugin_instances (
             id TEXT PRIMARY KEY, name TEXT NOT NULL, template_id TEXT NOT NULL, config TEXT NOT NULL,
             enabled INTEGER DEFAULT 1, status TEXT, last_run REAL, last_result TEXT,
             created_at REAL NOT NULL, updated_at REAL NOT NULL);
           INSERT INTO plugin_instances VALUES ('${SEED_ID}', 'Seeded', 'fixture_secret_holder', '${JSON.stringify(config)}', 1, 'pending', NULL, NULL, 1700000000, 1700000000);`,
          (error) => {
            db.close();
            if (error) reject(error);
            else resolve();
          },
        );
      });
    });
  };

  it('seals plaintext secrets of an adopted seed database at boot, leaving no plaintext in the files', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-secret-seed-'));
    await seed(dataDir, { endpoint: 'https://api.invalid', auth: { token: 'seed-plaintext-token' } });
    const app = await TestApp.start({ dataDir });
    try {
      const [row] = await sqliteAll(path.join(dataDir, 'app.sqlite'), `SELECT config, version FROM plugin_instances WHERE id = '${SEED_ID}'`);
      expect(JSON.parse(row.config).auth.token.$secret).toMatch(/^v1:/);
      expect(row.version).toBe(1);
      expect(filesText(dataDir)).not.toContain('seed-plaintext-token');
      expect((await app.get(`${INSTANCES}/${SEED_ID}`)).body).toMatchObject({ config: { auth: { token: MASK } }, secret_fields: ['auth.token'] });
      expect((await app.post(`${INSTANCES}/${SEED_ID}/execute`)).body.result.token_sha256).toBe(sha256('seed-plaintext-token'));
    } finally {
      await app.close();
      app.removeData();
    }
  });

  it('re-encrypts under SECRET_KEY after a rotation, and a wrong key fails runs with a clear error', async () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('hex');
    const first = await TestApp.start({ env: { SECRET_KEY: oldKey } });
    const id = (await first.post(INSTANCES, { template_id: 'fixture_secret_holder', name: 'Rotated', config: { endpoint: 'e', auth: { token: TOKEN } } })).body.id;
    await first.close();
    const stored = async () => JSON.parse((await sqliteAll(path.join(first.dataDir, 'app.sqlite'), `SELECT config FROM plugin_instances WHERE id = '${id}'`))[0].config).auth.token.$secret as string;
    const before = await stored();

    const wrong = await TestApp.start({ dataDir: first.dataDir, env: { SECRET_KEY: newKey } });
    const failed = (await wrong.post(`${INSTANCES}/${id}/execute`)).body;
    expect(failed).toMatchObject({ status: 'failed', error: { type: 'config_invalid', message: expect.stringMatching(/auth\.token cannot be decrypted: it was encrypted with key [0-9a-f]{12}, but the current key is/) } });
    const keep = await wrong.put(`${INSTANCES}/${id}`, { config: { endpoint: 'e', auth: { token: MASK } } });
    expectProblem(keep, 400, 'config-invalid');
    await wrong.close();
    expect(await stored()).toBe(before);

    const rotated = await TestApp.start({ dataDir: first.dataDir, env: { SECRET_KEY: newKey, SECRET_KEY_PREVIOUS: oldKey } });
    try {
      const after = await stored();
      expect(after.split(':')[1]).not.toBe(before.split(':')[1]);
      expect((await rotated.post(`${INSTANCES}/${id}/execute`)).body.result.token_sha256).toBe(sha256(TOKEN));
    } finally {
      await rotated.close();
      rotated.removeData();
    }
  });

  it('generates DATA_DIR/secret.key (0600) on first start and reuses it', async () => {
    const app = await TestApp.start();
    const file = path.join(app.dataDir, 'secret.key');
    try {
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const id = (await app.post(INSTANCES, { template_id: 'fixture_secret_holder', name: 'Key file', config: { endpoint: 'e', auth: { token: TOKEN } } })).body.id;
      await app.close();
      const again = await TestApp.start({ dataDir: app.dataDir });
      expect((await again.post(`${INSTANCES}/${id}/execute`)).body.result.token_sha256).toBe(sha256(TOKEN));
      await again.close();
    } finally {
      app.removeData();
    }
  });
});

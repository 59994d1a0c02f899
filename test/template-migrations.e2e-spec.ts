import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { fixMigrations } from './fixtures/plugins/good/migrating';
import { expectProblem, TestApp } from './helpers/test-app';

/**
 * Template config migration through the real stack: instances are created, then their rows are rewritten with raw
 * SQL to what an older (or newer) template version would have stored, and the app boots again on the same files.
 * table_loader 2.0.0 (replace_existing became mode) is the shipped example; fixture_migrating (function style)
 * has a migrate that fails for some configs; fixture_greeter (2.1.0) has none.
 */

const INSTANCES = '/api/plugins/instances';
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const TOKEN = 'tok-migrate-7d41c9e2b8';

/** A statement with `?` placeholders on the app's own database (SQLite or PostgreSQL), outside its transactions. */
async function sql<T = Record<string, unknown>>(app: TestApp, text: string, params: unknown[] = []): Promise<T[]> {
  const dataSource = app.app.get(DataSource);
  let n = 0;
  const dialect = dataSource.options.type === 'postgres' ? text.replace(/\?/g, () => `$${++n}`) : text;
  return dataSource.query(dialect, params);
}

/** Rewrites an instance, and every version of it, as a template at `templateVersion` would have stored it. */
async function storeAsIf(app: TestApp, id: string, templateVersion: string, shape: (config: Record<string, any>) => Record<string, unknown>): Promise<void> {
  for (const table of ['plugin_instances', 'plugin_instance_versions']) {
    const key = table === 'plugin_instances' ? 'id' : 'instance_id';
    const rows = await sql<{ config: string; version: number }>(app, `SELECT config, version FROM ${table} WHERE ${key} = ?`, [id]);
    for (const row of rows) {
      await sql(app, `UPDATE ${table} SET config = ?, template_version = ? WHERE ${key} = ? AND version = ?`, [JSON.stringify(shape(JSON.parse(row.config))), templateVersion, id, row.version]);
    }
  }
}

/** table_loader 1.0.0 said replace_existing where 2.0.0 says mode. */
const asTableLoader1 = ({ mode, ...rest }: Record<string, any>) => (mode === undefined ? rest : { ...rest, replace_existing: mode === 'replace' });
/** fixture_migrating 1.x said text where 2.0.0 says message (the sealed token stays where it was). */
const asMigrating1 = ({ message, token }: Record<string, any>) => ({ text: message, ...(token !== undefined ? { token } : {}) });

describe('template config migration (e2e)', () => {
  let app: TestApp;
  let dataDir: string;
  const ids: Record<string, string> = {};

  const create = async (key: string, template_id: string, config: Record<string, unknown>) => {
    const response = await app.post(INSTANCES, { template_id, name: `migration ${key}`, config });
    expect(response.status).toBe(201);
    ids[key] = response.body.id;
    return response.body;
  };
  const instance = async (key: string) => (await app.get(`${INSTANCES}/${ids[key]}`)).body;
  const versions = async (key: string) => (await app.get(`${INSTANCES}/${ids[key]}/versions`)).body.items;
  const execute = async (key: string, query = '') => {
    const response = await app.post(`${INSTANCES}/${ids[key]}/execute${query}`);
    expect(response.status).toBe(200);
    return response.body;
  };
  const rowCount = async (table: string) => (await app.get('/api/data/tables')).body.items.find((t: { name: string }) => t.name === table)?.row_count;

  beforeAll(async () => {
    app = await TestApp.start();
    dataDir = app.dataDir;
    fs.mkdirSync(path.join(dataDir, 'imports'));
    fs.writeFileSync(path.join(dataDir, 'imports', 'samples.csv'), 'sample,value\nA1,0.5\nA2,0.75\n');
    const file_path = 'imports/samples.csv';

    await create('append', 'table_loader', { file_path, table_name: 'samples_append', mode: 'append' });
    await create('replace', 'table_loader', { file_path, table_name: 'samples_replace', mode: 'replace' });
    await create('default', 'table_loader', { file_path, table_name: 'samples_default' });
    await create('newer', 'table_loader', { file_path, table_name: 'samples_newer', mode: 'append' });
    await create('fine', 'fixture_migrating', { message: 'hello', token: TOKEN });
    await create('broken', 'fixture_migrating', { message: 'unmigratable one', token: TOKEN });
    await create('brokenDependent', 'fixture_migrating', { message: 'unmigratable dependent' });
    await create('brokenUntilFixed', 'fixture_migrating', { message: 'unmigratable later', token: TOKEN });
    await create('empty', 'fixture_migrating', { message: 'soon empty' });
    await create('greeter', 'fixture_greeter', { who: 'Ada' });
    await create('greeterInvalid', 'fixture_greeter', { who: 'Bob' });
    await create('upstream', 'fixture_function', { mode: 'ok' });

    // As the older plugin code stored them.
    for (const key of ['append', 'replace', 'default']) await storeAsIf(app, ids[key], '1.0.0', asTableLoader1);
    for (const key of ['fine', 'broken', 'brokenDependent', 'brokenUntilFixed']) await storeAsIf(app, ids[key], '1.0.0', asMigrating1);
    await storeAsIf(app, ids.empty, '1.0.0', () => ({ text: '' }));
    await storeAsIf(app, ids.greeter, '2.0.0', (config) => config);
    await storeAsIf(app, ids.greeterInvalid, '2.0.0', () => ({ who: '' }));
    // As a newer table_loader than this server's stored it (the plugin was downgraded since).
    await storeAsIf(app, ids.newer, '9.0.0', (config) => config);
    // The dependent waits for the upstream (set before the boot that fails its migration).
    expect((await app.put(`${INSTANCES}/${ids.brokenDependent}`, { depends_on: [ids.upstream] })).status).toBe(200);

    await app.close();
    app = await TestApp.start({ dataDir });
  });

  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  it('stores the template version with every instance and version it writes', async () => {
    const created = await app.post(INSTANCES, { template_id: 'fixture_greeter', name: 'fresh greeter', config: { who: 'Grace' } });
    expect(created.body).toMatchObject({ template_version: '2.1.0', config_error: null, version: 1 });
    expect((await app.get(`${INSTANCES}/${created.body.id}/versions/1`)).body.template_version).toBe('2.1.0');
  });

  it('migrates table_loader 1.0.0 configs at boot into a new version, keeping the old one in history', async () => {
    expect(await instance('append')).toMatchObject({ version: 2, template_version: '2.0.0', config_error: null, status: 'pending', config: { file_path: 'imports/samples.csv', table_name: 'samples_append', mode: 'append' } });
    expect((await instance('replace')).config).toEqual({ file_path: 'imports/samples.csv', table_name: 'samples_replace', mode: 'replace' });
    // No replace_existing: nothing to migrate, and the default (replace) is what it had.
    expect((await instance('default')).config).toEqual({ file_path: 'imports/samples.csv', table_name: 'samples_default' });

    const history = await versions('append');
    expect(history.map((v: any) => [v.version, v.change_kind, v.changed_by, v.template_version])).toEqual([
      [2, 'migration', 'system', '2.0.0'],
      [1, 'create', 'loopback', '1.0.0'],
    ]);
    expect(history[1].config).toEqual({ file_path: 'imports/samples.csv', table_name: 'samples_append', replace_existing: false });
    const diff = (await app.get(`${INSTANCES}/${ids.append}/versions/1/diff?to=2`)).body.patch;
    expect(diff).toEqual(
      expect.arrayContaining([
        { op: 'replace', path: '/template_version', value: '2.0.0' },
        { op: 'remove', path: '/config/replace_existing' },
        { op: 'add', path: '/config/mode', value: 'append' },
      ]),
    );
    expect(diff).toHaveLength(3);
  });

  it('runs migrated table_loader instances as they ran before: false appends, true and absent replace', async () => {
    for (const key of ['append', 'replace', 'default']) {
      const first = await execute(key);
      expect(first).toMatchObject({ status: 'succeeded', config_version: 2, result: { rows_imported: 2 } });
      await execute(key);
    }
    expect((await execute('append')).result.mode).toBe('append');
    expect(await rowCount('samples_append')).toBe(6);
    expect(await rowCount('samples_replace')).toBe(2);
    expect(await rowCount('samples_default')).toBe(2);
  });

  it('rolls back to a pre-migration version by migrating it again, and runs a past version migrated', async () => {
    const past = await execute('append', '?version=1');
    expect(past).toMatchObject({ status: 'succeeded', config_version: 1, pinned_version: 1, result: { mode: 'append' } });

    const rolledBack = await app.post(`${INSTANCES}/${ids.append}/rollback`, { version: 1 });
    expect(rolledBack.status).toBe(200);
    expect(rolledBack.body).toMatchObject({ version: 3, template_version: '2.0.0', config: { table_name: 'samples_append', mode: 'append' } });
    expect(rolledBack.body.config).not.toHaveProperty('replace_existing');
    expect((await versions('append'))[0]).toMatchObject({ version: 3, change_kind: 'rollback', template_version: '2.0.0' });
  });

  it('opens secrets for migrate and seals them again', async () => {
    const fine = await instance('fine');
    expect(fine).toMatchObject({ version: 2, template_version: '2.0.0', config: { message: 'hello', token: '********', migrated_from: '1.0.0' }, secret_fields: ['token'] });
    const [stored] = await sql<{ config: string }>(app, 'SELECT config FROM plugin_instances WHERE id = ?', [ids.fine]);
    expect(JSON.parse(stored.config).token.$secret).toMatch(/^v1:/);
    expect(stored.config).not.toContain(TOKEN);
    expect((await execute('fine')).result).toEqual({ message: 'hello', migrated_from: '1.0.0', token_sha256: sha256(TOKEN) });
  });

  it('leaves an instance whose migration throws in error with the reason, its config untouched', async () => {
    const broken = await instance('broken');
    expect(broken).toMatchObject({
      status: 'error',
      version: 1,
      template_version: '1.0.0',
      config: { text: 'unmigratable one', token: '********' },
      config_error: { type: 'config-migration-failed', from_version: '1.0.0', to_version: '2.0.0', errors: [] },
    });
    expect(broken.config_error.message).toBe("template 'fixture_migrating' could not migrate its config from 1.0.0 to 2.0.0: cannot migrate 'unmigratable one' (token ********)");
    expect((await versions('broken')).map((v: any) => v.version)).toEqual([1]);
    expect((await app.get(`${INSTANCES}?status=error&limit=500`)).body.items.map((i: any) => i.id)).toEqual(expect.arrayContaining([ids.broken, ids.empty]));
  });

  it('refuses every kind of run of it with 409 naming the instance and the reason', async () => {
    const refused = await app.post(`${INSTANCES}/${ids.broken}/execute`);
    expectProblem(refused, 409, 'config-migration-failed');
    expect(refused.body).toMatchObject({ instance_id: ids.broken, from_version: '1.0.0', to_version: '2.0.0' });
    expect(refused.body.detail).toContain("instance 'migration broken' cannot run: template 'fixture_migrating' could not migrate");
    expect(refused.text).not.toContain(TOKEN);
    expectProblem(await app.post(`${INSTANCES}/${ids.broken}/execute?version=1`), 409, 'config-migration-failed');
    expectProblem(await app.post(`${INSTANCES}/${ids.broken}/execute`, undefined, { prefer: 'respond-async' }), 409, 'config-migration-failed');

    const hook = await app.post(`${INSTANCES}/${ids.broken}/webhooks`, { name: 'refused hook' });
    expect(hook.status).toBe(201);
    expectProblem(await app.post(hook.body.url, { ping: true }), 409, 'config-migration-failed');

    // Its upstream succeeds, but no run of it is queued.
    await execute('upstream');
    expect((await app.get(`${INSTANCES}/${ids.brokenDependent}`)).body.status).toBe('error');
    expect((await app.get(`${INSTANCES}/${ids.brokenDependent}/executions`)).body.items).toEqual([]);
    expect((await app.get(`${INSTANCES}/${ids.broken}/executions`)).body.items).toEqual([]);
  });

  it('stays error through a change that does not fix the config, and a PUT with a valid config fixes it', async () => {
    const disabled = await app.put(`${INSTANCES}/${ids.broken}`, { enabled: false });
    expect(disabled.body).toMatchObject({ version: 2, status: 'error', template_version: '1.0.0', config_error: { type: 'config-migration-failed' } });
    expectProblem(await app.put(`${INSTANCES}/${ids.broken}`, { config: { text: 'still old' } }), 400, 'config-invalid');

    // The stored token is kept by sending the mask, as on any PUT.
    const fixed = await app.put(`${INSTANCES}/${ids.broken}`, { enabled: true, config: { message: 'fixed by hand', token: '********' } });
    expect(fixed.status).toBe(200);
    expect(fixed.body).toMatchObject({ version: 3, status: 'pending', template_version: '2.0.0', config_error: null });
    expect((await execute('broken')).result).toEqual({ message: 'fixed by hand', migrated_from: null, token_sha256: sha256(TOKEN) });
  });

  it('leaves an instance whose migrated config is invalid in error with the failing fields', async () => {
    const empty = await instance('empty');
    expect(empty).toMatchObject({ status: 'error', version: 1, config: { text: '' }, config_error: { type: 'config-migration-failed', errors: [{ path: '/config/message' }] } });
    expect(empty.config_error.message).toMatch(/^the config migrated from 1\.0\.0 to 2\.0\.0 is not valid: \/config\/message /);
  });

  it('re-stamps a still valid config of a template without migrate, and puts an invalid one in error', async () => {
    expect(await instance('greeter')).toMatchObject({ version: 2, template_version: '2.1.0', config: { who: 'Ada' }, config_error: null });
    expect((await versions('greeter'))[0]).toMatchObject({ version: 2, change_kind: 'migration', changed_by: 'system', template_version: '2.1.0', config: { who: 'Ada' } });
    const invalid = await instance('greeterInvalid');
    expect(invalid).toMatchObject({ status: 'error', version: 1, template_version: '2.0.0', config_error: { type: 'config-migration-failed', from_version: '2.0.0', to_version: '2.1.0' } });
    expect(invalid.config_error.message).toMatch(/went from 2\.0\.0 to 2\.1\.0 without a migrate function, and the stored config is not valid for 2\.1\.0: \/config\/who/);
  });

  it('puts a config saved under a newer template version in error: not run, not rolled back to, fixed by a PUT', async () => {
    const newer = await instance('newer');
    expect(newer).toMatchObject({ status: 'error', version: 1, template_version: '9.0.0', config_error: { type: 'template-version-newer', from_version: '9.0.0', to_version: '2.0.0', errors: [] } });
    const refused = await app.post(`${INSTANCES}/${ids.newer}/execute`);
    expectProblem(refused, 409, 'template-version-newer');
    expect(refused.body.detail).toContain("version 9.0.0 of template 'table_loader', newer than the loaded 2.0.0");

    const fixed = await app.put(`${INSTANCES}/${ids.newer}`, { config: { ...newer.config, mode: 'replace' } });
    expect(fixed.body).toMatchObject({ version: 2, status: 'pending', template_version: '2.0.0', config_error: null });
    expect((await execute('newer')).status).toBe('succeeded');

    // Its first version is still from 9.0.0: a rollback to it is refused and changes nothing.
    const rollback = await app.post(`${INSTANCES}/${ids.newer}/rollback`, { version: 1 });
    expectProblem(rollback, 409, 'template-version-newer');
    expect(rollback.body.detail).toMatch(/^version 1 cannot be rolled back to: /);
    expect((await instance('newer')).version).toBe(2);
  });

  it('retries failed migrations at a later boot with fixed plugin code, and clears errors the code no longer has', async () => {
    // "Fixed code": migrate now handles what it refused; and a template-version-newer instance whose plugin is back at its version.
    const newerAgain = await app.post(INSTANCES, { template_id: 'table_loader', name: 'migration newer again', config: { file_path: 'imports/samples.csv', table_name: 'samples_newer_again' } });
    await app.close();
    fixMigrations();
    app = await TestApp.start({ dataDir });
    await sql(app, `UPDATE plugin_instances SET template_version = '9.0.0' WHERE id = ?`, [newerAgain.body.id]);
    await app.close();
    app = await TestApp.start({ dataDir });
    expect((await app.get(`${INSTANCES}/${newerAgain.body.id}`)).body.config_error).toMatchObject({ type: 'template-version-newer' });
    await sql(app, `UPDATE plugin_instances SET template_version = '2.0.0' WHERE id = ?`, [newerAgain.body.id]);
    await app.close();
    app = await TestApp.start({ dataDir });

    expect(await instance('brokenUntilFixed')).toMatchObject({ version: 2, status: 'pending', template_version: '2.0.0', config_error: null, config: { message: 'unmigratable later', migrated_from: '1.0.0' } });
    expect((await versions('brokenUntilFixed'))[0]).toMatchObject({ change_kind: 'migration', changed_by: 'system' });
    expect((await execute('brokenUntilFixed')).result.token_sha256).toBe(sha256(TOKEN));
    // Still invalid after the "fix": still error.
    expect((await instance('empty')).config_error).toMatchObject({ type: 'config-migration-failed' });
    expect(await app.get(`${INSTANCES}/${newerAgain.body.id}`).then((r) => r.body)).toMatchObject({ version: 1, status: 'pending', config_error: null });
  });
});

describe('template config migration of a database from before template versions were recorded (e2e)', () => {
  it('takes its instances as saved under 1.0.0, so table_loader 2.0.0 migrates them', async () => {
    let app = await TestApp.start();
    try {
      fs.writeFileSync(path.join(app.dataDir, 'old.csv'), 'n\n1\n');
      const created = await app.post(INSTANCES, { template_id: 'table_loader', name: 'stored before', config: { file_path: 'old.csv', table_name: 'stored_before', mode: 'append' } });
      const id = created.body.id;
      // Back to the schema and rows of the release before: no template versions, table_loader's 1.0.0 config.
      await storeAsIf(app, id, '1.0.0', asTableLoader1);
      for (const statement of [
        'ALTER TABLE plugin_instances DROP COLUMN config_error',
        'ALTER TABLE plugin_instances DROP COLUMN template_version',
        'ALTER TABLE plugin_instance_versions DROP COLUMN template_version',
        `DELETE FROM migrations WHERE name = 'TemplateVersions1733184000000'`,
      ]) {
        await sql(app, statement);
      }
      await app.close();
      app = await TestApp.start({ dataDir: app.dataDir });

      expect((await app.get(`${INSTANCES}/${id}`)).body).toMatchObject({ version: 2, template_version: '2.0.0', config: { file_path: 'old.csv', table_name: 'stored_before', mode: 'append' } });
      const history = (await app.get(`${INSTANCES}/${id}/versions`)).body.items;
      expect(history.map((v: any) => [v.change_kind, v.template_version])).toEqual([
        ['migration', '2.0.0'],
        ['create', '1.0.0'],
      ]);
    } finally {
      await app.close();
      app.removeData();
    }
  });
});

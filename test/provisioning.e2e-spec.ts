import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { parse as parseYaml } from 'yaml';
import { ApiKeysService } from '../src/auth/api-keys.service';
import { PluginInstanceEntity } from '../src/instances/plugin-instance.entity';
import { sha256 } from './fixtures/plugins/good/secret_holder';
import { codeBlocks } from './helpers/markdown';
import { expectProblem, HttpResponse, TestApp } from './helpers/test-app';

/**
 * Provisioning from files through the real stack: YAML and JSON files in PROVISIONING_PATH applied at boot and by
 * reload, matched by name, idempotently, all or nothing; provisioned instances read-only through the API.
 */

const API = '/api/plugins';
const INSTANCES = `${API}/instances`;
const ROOT = path.resolve(__dirname, '..');

const LAB = (label: string, extra = '') => `
# Two imports of the lab, one after the other file's fetch.
instances:
  - name: Nightly export
    template_id: fixture_function
    config: {mode: ok, label: export}
    depends_on: [Nightly import, directory FETCH]     # one declared further down, one in another file
  - name: Nightly import
    template_id: fixture_function
    config: {mode: ok, label: "${label}"}
    schedule: {cron: "0 2 * * *", timezone: Europe/Berlin}
    execution_policy: {max_attempts: 2, backoff_ms: 0}
${extra}`;

const FETCH = (tokenVariable: string) =>
  JSON.stringify({ instances: [{ name: 'Directory fetch', template_id: 'fixture_secret_holder', config: { endpoint: 'https://directory.example', auth: { user: 'ada', token: `\${${tokenVariable}}` } } }] });

const ENV = { LAB_LABEL: 'nightly', HOLDER_TOKEN: 'first-token-value', HOLDER_TOKEN_NEXT: 'second-token-value' };

const tempFolder = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

describe('provisioning from files (e2e)', () => {
  describe('a set of files applied at boot and by reload', () => {
    const folder = tempFolder('pif-provisioning-');
    let app: TestApp;
    const write = (file: string, text: string) => fs.writeFileSync(path.join(folder, file), text);
    const start = (dataDir?: string) => TestApp.start({ dataDir, env: { PROVISIONING_PATH: folder, ...ENV } });
    const reload = () => app.post(`${API}/provisioning/reload`);
    const instances = async (): Promise<Record<string, any>> => Object.fromEntries((await app.get(`${INSTANCES}?limit=500`)).body.items.map((instance: any) => [instance.name, instance]));
    const versions = async (id: string) => (await app.get(`${INSTANCES}/${id}/versions`)).body.items.map((v: any) => [v.version, v.change_kind, v.changed_by]);
    /** What a change of the definition would move (runs, which the scheduler may start, move other fields). */
    const definitions = async () =>
      Object.fromEntries(Object.entries(await instances()).map(([name, i]) => [name, { id: i.id, name: i.name, version: i.version, config: i.config, depends_on: i.depends_on, provisioned_from: i.provisioned_from }]));
    const actions = (response: HttpResponse) => Object.fromEntries(response.body.files.map((file: any) => [file.file, file.instances.map((i: any) => `${i.name}: ${i.action}`)]));

    beforeAll(async () => {
      write('lab.yaml', LAB('${LAB_LABEL}'));
      write('fetch.json', FETCH('HOLDER_TOKEN'));
      write('README.md', 'not a provisioning file');
      app = await start();
    });

    afterAll(async () => {
      await app.close();
      app.removeData();
      fs.rmSync(folder, { recursive: true, force: true });
    });

    it('creates what the files declare at boot: depends_on by name, ${VAR}s, a schedule, a policy, one provisioning version each', async () => {
      const status = await app.get(`${API}/provisioning`);
      expect(status.body).toMatchObject({ path: folder, status: 'applied', error: null, released: [] });
      expect(status.body.applied_at).toEqual(expect.any(String));
      expect(actions(status)).toEqual({ 'fetch.json': ['Directory fetch: created'], 'lab.yaml': ['Nightly export: created', 'Nightly import: created'] });

      const all = await instances();
      const [exported, imported, fetcher] = [all['Nightly export'], all['Nightly import'], all['Directory fetch']];
      expect(exported).toMatchObject({ provisioned_from: 'lab.yaml', depends_on: [imported.id, fetcher.id], created_by: null, version: 1 });
      expect(imported).toMatchObject({
        config: { mode: 'ok', label: 'nightly' },
        schedule: { cron: '0 2 * * *', timezone: 'Europe/Berlin', catch_up: 'once', enabled: true },
        next_run_at: expect.any(String),
        execution_policy: { max_attempts: 2, backoff_ms: 0 },
      });
      for (const instance of [exported, imported]) expect(await versions(instance.id)).toEqual([[1, 'provisioning', 'lab.yaml']]);
      expect(await versions(fetcher.id)).toEqual([[1, 'provisioning', 'fetch.json']]);
    });

    it('seals a secret from the environment at rest and masks it in responses; the handler gets its value', async () => {
      const fetcher = (await instances())['Directory fetch'];
      expect(fetcher).toMatchObject({ provisioned_from: 'fetch.json', config: { auth: { user: 'ada', token: '********' } }, secret_fields: ['auth.token'] });
      const read = await app.get(`${INSTANCES}/${fetcher.id}`);
      expect(read.text).not.toContain(ENV.HOLDER_TOKEN);
      expect((await app.get(`${INSTANCES}/${fetcher.id}/versions`)).text).not.toContain(ENV.HOLDER_TOKEN);
      const stored = await app.app.get(DataSource).getRepository(PluginInstanceEntity).findOneByOrFail({ id: fetcher.id });
      expect(JSON.stringify(stored.config)).not.toContain(ENV.HOLDER_TOKEN);
      expect((stored.config.auth as Record<string, unknown>).token).toEqual({ $secret: expect.stringMatching(/^v1:/) });

      const run = await app.post(`${INSTANCES}/${fetcher.id}/execute`);
      expect(run.body).toMatchObject({ status: 'succeeded', result: { token_sha256: sha256(ENV.HOLDER_TOKEN) } });
    });

    it('answers 409 provisioned naming the file to PUT, DELETE and rollback, and still runs them', async () => {
      const imported = (await instances())['Nightly import'];
      for (const response of [
        await app.put(`${INSTANCES}/${imported.id}`, { enabled: false }),
        await app.put(`${INSTANCES}/${imported.id}`, { config: { mode: 'ok' } }, { 'if-match': '"1"' }),
        await app.delete(`${INSTANCES}/${imported.id}`),
        await app.post(`${INSTANCES}/${imported.id}/rollback`, { version: 1 }),
      ]) {
        expectProblem(response, 409, 'provisioned');
        expect(response.body.provisioned_from).toBe('lab.yaml');
        expect(response.body.detail).toContain("provisioned from the file 'lab.yaml'");
      }
      expect((await app.get(`${INSTANCES}/${imported.id}`)).body).toMatchObject({ version: 1, enabled: true });
      expect((await app.post(`${INSTANCES}/${imported.id}/execute`)).body).toMatchObject({ status: 'succeeded', config_version: 1, result: { label: 'nightly' } });
    });

    it('changes nothing when the same files are applied again after a reboot', async () => {
      const before = await instances();
      await app.close();
      app = await start(app.dataDir);
      const status = await app.get(`${API}/provisioning`);
      expect(actions(status)).toEqual({ 'fetch.json': ['Directory fetch: unchanged'], 'lab.yaml': ['Nightly export: unchanged', 'Nightly import: unchanged'] });
      const after = await instances();
      for (const name of Object.keys(before)) {
        // (updated_at may move: the runs above finished, and Nightly export ran after its two upstreams.)
        expect({ name, version: after[name].version, config: after[name].config }).toEqual({ name, version: before[name].version, config: before[name].config });
        expect(await versions(after[name].id)).toHaveLength(1);
      }
    });

    it('makes one provisioning version with the diff when a file changes and is reloaded, and none when it has not', async () => {
      write('lab.yaml', LAB('${LAB_LABEL}-v2'));
      write('fetch.json', FETCH('HOLDER_TOKEN_NEXT'));
      const reloaded = await reload();
      expect(reloaded.status).toBe(200);
      expect(actions(reloaded)).toEqual({ 'fetch.json': ['Directory fetch: updated'], 'lab.yaml': ['Nightly export: unchanged', 'Nightly import: updated'] });
      expect((await app.get(`${API}/provisioning`)).body).toEqual(reloaded.body);

      const all = await instances();
      const imported = all['Nightly import'];
      expect(await versions(imported.id)).toEqual([
        [2, 'provisioning', 'lab.yaml'],
        [1, 'provisioning', 'lab.yaml'],
      ]);
      expect((await app.get(`${INSTANCES}/${imported.id}/versions/1/diff`)).body.patch).toEqual([{ op: 'replace', path: '/config/label', value: 'nightly-v2' }]);
      // The schedule did not change: its next slot stays planned.
      expect(imported.next_run_at).toEqual(expect.any(String));
      const fetcher = all['Directory fetch'];
      const secretDiff = await app.get(`${INSTANCES}/${fetcher.id}/versions/1/diff`);
      expect(secretDiff.body.patch).toEqual([{ op: 'replace', path: '/config/auth/token', value: '********' }]);
      for (const token of [ENV.HOLDER_TOKEN, ENV.HOLDER_TOKEN_NEXT]) expect(secretDiff.text).not.toContain(token);
      expect((await app.post(`${INSTANCES}/${fetcher.id}/execute`)).body.result.token_sha256).toBe(sha256(ENV.HOLDER_TOKEN_NEXT));

      const again = await reload();
      expect(actions(again)).toEqual({ 'fetch.json': ['Directory fetch: unchanged'], 'lab.yaml': ['Nightly export: unchanged', 'Nightly import: unchanged'] });
      expect(await versions(imported.id)).toHaveLength(2);
    });

    it.each([
      ['a YAML syntax error', 'instances: [ {name: Bad', { message: expect.stringMatching(/^not valid YAML or JSON: .* at line \d+, column \d+$/) }],
      ['an unknown template', 'instances: [{name: Bad, template_id: no_such_template}]', { message: expect.stringContaining("no loaded template has the id 'no_such_template'"), path: '/instances/0/template_id' }],
      ['an invalid config', 'instances: [{name: Bad, template_id: fixture_function, config: {mode: fly}}]', { message: expect.stringContaining("config is not valid for template 'fixture_function'"), path: '/instances/0/config/mode' }],
      ['an unknown depends_on name', 'instances: [{name: Bad, template_id: fixture_function, config: {mode: ok}, depends_on: [Nightly import, Nobody]}]', { message: "no instance is named 'Nobody', in these files or already", path: '/instances/0/depends_on/1' }],
      [
        'a cycle',
        'instances: [{name: C1, template_id: fixture_function, config: {mode: ok}, depends_on: [C2]}, {name: C2, template_id: fixture_function, config: {mode: ok}, depends_on: [C1]}]',
        { message: "depends_on makes a cycle: 'C1' depends on 'C2' depends on 'C1'", path: '/instances/1/depends_on/0' },
      ],
      ['a name declared in another file', 'instances: [{name: " nightly IMPORT", template_id: fixture_function, config: {mode: ok}}]', { message: "'nightly IMPORT' is declared twice: also in lab.yaml at /instances/1", path: '/instances/0/name' }],
      ['an unset variable', 'instances: [{name: Bad, template_id: fixture_function, config: {mode: ok, label: "${NOT_SET_ANYWHERE}"}}]', { message: 'environment variable NOT_SET_ANYWHERE is not set', path: '/instances/0/config/label' }],
      ['a misspelt field', 'instances: [{name: Bad, template_id: fixture_function, confg: {mode: ok}}]', { message: 'property confg should not exist', path: '/instances/0/confg' }],
      [
        'a second instance of a single-instance template',
        'instances: [{name: One, template_id: fixture_singleton, config: {}}, {name: Two, template_id: fixture_singleton, config: {}}]',
        { message: expect.stringContaining("template 'fixture_singleton' allows one instance"), path: '/instances/1' },
      ],
    ])('reports %s on its file and changes nothing, in any file', async (_case, text, error) => {
      // A change that applying the set would make, staged in a good file.
      write('lab.yaml', LAB('${LAB_LABEL}-v3', '  - {name: Staged, template_id: fixture_function, config: {mode: ok}}\n'));
      write('zz-bad.yaml', text);
      const before = await definitions();
      const appliedAt = (await app.get(`${API}/provisioning`)).body.applied_at;
      try {
        const reloaded = await reload();
        expect(reloaded.status).toBe(200);
        expect(reloaded.body).toMatchObject({ status: 'failed', error: null, applied_at: appliedAt, released: [] });
        expect(reloaded.body.files).toEqual([
          { file: 'fetch.json', status: 'not_applied', instances: [], error: null },
          { file: 'lab.yaml', status: 'not_applied', instances: [], error: null },
          { file: 'zz-bad.yaml', status: 'invalid', instances: [], error },
        ]);
        expect((await app.get(`${API}/provisioning`)).body).toEqual(reloaded.body);
        expect(await definitions()).toEqual(before);
      } finally {
        fs.rmSync(path.join(folder, 'zz-bad.yaml'));
      }
    });

    it('applies the staged change once the bad file is gone', async () => {
      const reloaded = await reload();
      expect(reloaded.body.status).toBe('applied');
      expect(actions(reloaded)['lab.yaml']).toEqual(['Nightly export: unchanged', 'Nightly import: updated', 'Staged: created']);
    });

    it('adopts an instance made through the API by name, releases what no file declares, and deletes what delete_instances names', async () => {
      const handMade = await app.post(INSTANCES, { template_id: 'fixture_function', name: 'Hand made', config: { mode: 'ok', label: 'by hand' } });
      expect(handMade.status).toBe(201);
      // Staged is left out: released. Hand made is declared: adopted, and updated to the file's config.
      write('lab.yaml', LAB('${LAB_LABEL}-v3', '  - {name: Hand made, template_id: fixture_function, config: {mode: ok, label: from the file}}\n'));
      const adopted = await reload();
      expect(actions(adopted)['lab.yaml']).toEqual(['Nightly export: unchanged', 'Nightly import: unchanged', 'Hand made: updated']);
      const all = await instances();
      expect(adopted.body.released).toEqual([{ id: all.Staged.id, name: 'Staged', file: 'lab.yaml' }]);
      expect(all['Hand made']).toMatchObject({ id: handMade.body.id, provisioned_from: 'lab.yaml', version: 2, config: { label: 'from the file' } });
      expect(await versions(handMade.body.id)).toEqual([
        [2, 'provisioning', 'lab.yaml'],
        [1, 'create', 'loopback'],
      ]);
      expectProblem(await app.put(`${INSTANCES}/${handMade.body.id}`, { enabled: false }), 409, 'provisioned');
      expect(all.Staged.provisioned_from).toBeNull();
      expect((await app.put(`${INSTANCES}/${all.Staged.id}`, { enabled: false })).status).toBe(200);

      // An instance's template cannot change.
      write('lab.yaml', LAB('${LAB_LABEL}-v3', '  - {name: Hand made, template_id: fixture_secret_holder, config: {endpoint: x}}\n'));
      const retemplated = await reload();
      expect(retemplated.body.files.find((file: any) => file.file === 'lab.yaml').error).toEqual({ message: expect.stringContaining("exists as an instance of 'fixture_function'"), path: '/instances/2/template_id' });

      // Deleting an upstream works once the file no longer depends on it: dependents are updated first.
      write(
        'lab.yaml',
        `instances:
  - {name: Nightly export, template_id: fixture_function, config: {mode: ok, label: export}, depends_on: [Directory fetch]}
delete_instances:
  - name: nightly import
  - name: Staged
  - name: Never existed
`,
      );
      const deleted = await reload();
      expect(deleted.body.status).toBe('applied');
      expect(actions(deleted)['lab.yaml']).toEqual(['Nightly export: updated', 'Nightly import: deleted', 'Staged: deleted', 'Never existed: absent']);
      expect(deleted.body.released).toEqual([{ id: handMade.body.id, name: 'Hand made', file: 'lab.yaml' }]);
      expectProblem(await app.get(`${INSTANCES}/${all['Nightly import'].id}`), 404, 'instance-not-found');
      expectProblem(await app.get(`${INSTANCES}/${all.Staged.id}`), 404, 'instance-not-found');
      expect((await app.get(`${INSTANCES}/${all['Nightly export'].id}`)).body.depends_on).toEqual([all['Directory fetch'].id]);
    });
  });

  it('starts with a bad file, reports it and creates nothing', async () => {
    const folder = tempFolder('pif-provisioning-bad-');
    fs.writeFileSync(path.join(folder, 'lab.yaml'), 'instances:\n  - {name: A, template_id: fixture_function, config: {mode: ok}}\n');
    fs.writeFileSync(path.join(folder, 'secrets.yaml'), 'instances:\n  - {name: B, template_id: fixture_function, config: {mode: ok, label: "${LAB_TOKEN}"}}\n');
    const app = await TestApp.start({ env: { PROVISIONING_PATH: folder } });
    try {
      expect((await app.get('/health')).status).toBe(200);
      const status = (await app.get(`${API}/provisioning`)).body;
      expect(status).toMatchObject({ status: 'failed', applied_at: null });
      expect(status.files).toEqual([
        { file: 'lab.yaml', status: 'not_applied', instances: [], error: null },
        { file: 'secrets.yaml', status: 'invalid', instances: [], error: { message: 'environment variable LAB_TOKEN is not set', path: '/instances/0/config/label' } },
      ]);
      expect((await app.get(INSTANCES)).body.items).toEqual([]);
    } finally {
      await app.close();
      app.removeData();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('lets only the admin scope reload, and reports off without PROVISIONING_PATH', async () => {
    const folder = tempFolder('pif-provisioning-scope-');
    fs.writeFileSync(path.join(folder, 'lab.yaml'), 'instances: []\n');
    const app = await TestApp.start({ env: { PROVISIONING_PATH: folder } });
    const off = await TestApp.start();
    try {
      const keys = app.app.get(ApiKeysService);
      const token = async (name: string, scopes: ('read' | 'write' | 'execute' | 'admin')[]) => `Bearer ${(await keys.create({ name, scopes, expiresAt: null })).token}`;
      const [read, write, admin] = [await token('reader', ['read']), await token('writer', ['read', 'write', 'execute']), await token('admin', ['admin'])];
      expect((await app.get(`${API}/provisioning`, { authorization: read })).body.status).toBe('applied');
      expectProblem(await app.post(`${API}/provisioning/reload`), 401, 'unauthorized');
      for (const key of [read, write]) {
        const refused = await app.post(`${API}/provisioning/reload`, undefined, { authorization: key });
        expectProblem(refused, 403, 'forbidden');
        expect(refused.body.required_scope).toBe('admin');
      }
      expect((await app.post(`${API}/provisioning/reload`, undefined, { authorization: admin })).body).toMatchObject({ status: 'applied', files: [{ file: 'lab.yaml', status: 'applied' }] });

      const offStatus = { path: null, status: 'off', checked_at: null, applied_at: null, error: null, files: [], released: [] };
      expect((await off.get(`${API}/provisioning`)).body).toEqual(offStatus);
      expect((await off.post(`${API}/provisioning/reload`)).body).toEqual(offStatus);
    } finally {
      await Promise.all([app.close(), off.close()]);
      app.removeData();
      off.removeData();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it("boots the README's example (examples/provisioning/lab.yaml) as it is, and its imports run", async () => {
    const example = fs.readFileSync(path.join(ROOT, 'examples', 'provisioning', 'lab.yaml'), 'utf8');
    const readmeYaml = codeBlocks(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')).filter((block) => block.lang === 'yaml');
    expect(readmeYaml.map((block) => parseYaml(block.code))).toEqual([parseYaml(example)]);

    const folder = tempFolder('pif-provisioning-example-');
    const dataDir = tempFolder('pif-test-');
    fs.copyFileSync(path.join(ROOT, 'examples', 'provisioning', 'lab.yaml'), path.join(folder, 'lab.yaml'));
    fs.cpSync(path.join(ROOT, 'examples'), path.join(dataDir, 'examples'), { recursive: true });
    const app = await TestApp.start({ dataDir, env: { PROVISIONING_PATH: folder, LAB_SHARE: 'examples' } });
    try {
      const status = (await app.get(`${API}/provisioning`)).body;
      expect(status.files).toEqual([{ file: 'lab.yaml', status: 'applied', instances: expect.any(Array), error: null }]);
      expect(status.files[0].instances.map((i: any) => `${i.name}: ${i.action}`)).toEqual(['Lab equipment: created', 'PI directory: created', 'Lab bookings: created']);
      const imports = (await app.get(`${INSTANCES}?template_id=table_loader`)).body.items;
      expect(imports).toHaveLength(3);
      for (const instance of imports) {
        expect(instance).toMatchObject({ provisioned_from: 'lab.yaml', schedule: expect.any(Object), next_run_at: expect.any(String) });
        const run = await app.post(`${INSTANCES}/${instance.id}/execute`);
        expect({ name: instance.name, status: run.body.status }).toEqual({ name: instance.name, status: 'succeeded' });
        expect(run.body.result.rows_imported).toBeGreaterThan(0);
      }
      const tables = (await app.get('/api/data/tables')).body.items.map((table: any) => table.name);
      expect(tables).toEqual(expect.arrayContaining(['lab_equipment', 'lab_pis', 'lab_bookings']));
    } finally {
      await app.close();
      app.removeData();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});

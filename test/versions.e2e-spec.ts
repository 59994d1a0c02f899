import { DataSource } from 'typeorm';
import { PluginInstanceVersionEntity } from '../src/instances/plugin-instance-version.entity';
import { sha256 } from './fixtures/plugins/good/secret_holder';
import { expectProblem, TestApp } from './helpers/test-app';

/**
 * Change history: a version row for every write of an instance's definition, listed, read and compared as JSON
 * Patch (secrets masked), rollback as a new version, and runs naming the version they ran with.
 */

const INSTANCES = '/api/plugins/instances';
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

describe('instance versions (e2e)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start({ env: { INSTANCE_HISTORY_LIMIT: '5' } });
  });

  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  async function create(config: Record<string, unknown> = { mode: 'ok', label: 'v1' }, template = 'fixture_function'): Promise<any> {
    const response = await app.post(INSTANCES, { template_id: template, name: unique('versioned'), config });
    expect(response.status).toBe(201);
    return response.body;
  }

  const versions = async (id: string) => (await app.get(`${INSTANCES}/${id}/versions`)).body;

  it('records every write with who and how; runs make no version', async () => {
    const instance = await create();
    expect((await app.post(`${INSTANCES}/${instance.id}/execute`)).status).toBe(200);
    const updated = await app.put(`${INSTANCES}/${instance.id}`, { config: { mode: 'ok', label: 'v2' } });
    expect(updated.body.version).toBe(2);
    await app.put(`${INSTANCES}/${instance.id}`, { enabled: false });

    const page = await versions(instance.id);
    expect(page.items.map((v: any) => [v.version, v.change_kind, v.changed_by])).toEqual([
      [3, 'update', 'loopback'],
      [2, 'update', 'loopback'],
      [1, 'create', 'loopback'],
    ]);
    expect(page.items[2]).toMatchObject({ instance_id: instance.id, name: instance.name, template_id: 'fixture_function', config: { mode: 'ok', label: 'v1' }, enabled: true, depends_on: [], schedule: null });
    expect(page.items[0].enabled).toBe(false);
    expect((await app.get(`${INSTANCES}/${instance.id}/versions/2`)).body.config).toEqual({ mode: 'ok', label: 'v2' });
  });

  it('pages newest first by cursor', async () => {
    const instance = await create();
    for (const label of ['a', 'b', 'c']) await app.put(`${INSTANCES}/${instance.id}`, { config: { mode: 'ok', label } });
    const first = (await app.get(`${INSTANCES}/${instance.id}/versions?limit=3`)).body;
    expect(first.items.map((v: any) => v.version)).toEqual([4, 3, 2]);
    const second = (await app.get(`${INSTANCES}/${instance.id}/versions?limit=3&cursor=${first.next_cursor}`)).body;
    expect(second).toEqual({ items: [expect.objectContaining({ version: 1 })], next_cursor: null });
  });

  it('diffs two versions as RFC 6902 JSON Patch, a changed secret as the mask, an unchanged one not at all', async () => {
    const instance = await create({ endpoint: 'https://a.example', auth: { user: 'ada', token: 'first-token' } }, 'fixture_secret_holder');
    // The token sent back as the mask keeps it (sealed again: the envelope differs, the value does not).
    await app.put(`${INSTANCES}/${instance.id}`, { config: { endpoint: 'https://b.example', auth: { user: 'ada', token: '********' } } });
    await app.put(`${INSTANCES}/${instance.id}`, { config: { endpoint: 'https://b.example', auth: { user: 'ada', token: 'second-token' } } });

    const endpointOnly = (await app.get(`${INSTANCES}/${instance.id}/versions/1/diff?to=2`)).body;
    expect(endpointOnly).toEqual({ instance_id: instance.id, from: 1, to: 2, patch: [{ op: 'replace', path: '/config/endpoint', value: 'https://b.example' }] });

    const tokenChanged = await app.get(`${INSTANCES}/${instance.id}/versions/2/diff`);
    expect(tokenChanged.body.patch).toEqual([{ op: 'replace', path: '/config/auth/token', value: '********' }]);
    for (const secret of ['first-token', 'second-token']) expect(tokenChanged.text).not.toContain(secret);
    expect((await app.get(`${INSTANCES}/${instance.id}/versions/3/diff?to=3`)).body.patch).toEqual([]);
  });

  it('rolls back as a new version with If-Match honoured, and the next run names it and uses the old content', async () => {
    const instance = await create({ mode: 'ok', label: 'original' });
    const changed = await app.put(`${INSTANCES}/${instance.id}`, { config: { mode: 'ok', label: 'changed' }, name: unique('renamed') });
    expect(changed.status).toBe(200);

    expectProblem(await app.post(`${INSTANCES}/${instance.id}/rollback`, { version: 1 }, { 'if-match': '"1"' }), 412, 'precondition-failed');
    const rolled = await app.post(`${INSTANCES}/${instance.id}/rollback`, { version: 1 }, { 'if-match': '"2"' });
    expect(rolled.status).toBe(200);
    expect(rolled.headers.get('etag')).toBe('"3"');
    expect(rolled.body).toMatchObject({ version: 3, name: instance.name, config: { mode: 'ok', label: 'original' } });
    expect((await versions(instance.id)).items[0]).toMatchObject({ version: 3, change_kind: 'rollback', name: instance.name });
    // History is not rewritten.
    expect((await app.get(`${INSTANCES}/${instance.id}/versions/2`)).body.config.label).toBe('changed');

    const run = await app.post(`${INSTANCES}/${instance.id}/execute`);
    expect(run.body).toMatchObject({ status: 'succeeded', config_version: 3, result: { ok: true, label: 'original' } });
  });

  it('records on a rollback version which version it restored (restored_from), null on every other kind', async () => {
    const instance = await create({ mode: 'ok', label: 'one' });
    await app.put(`${INSTANCES}/${instance.id}`, { config: { mode: 'ok', label: 'two' } });
    await app.put(`${INSTANCES}/${instance.id}`, { config: { mode: 'ok', label: 'three' } });
    expect((await app.post(`${INSTANCES}/${instance.id}/rollback`, { version: 1 })).body.version).toBe(4);
    expect((await app.post(`${INSTANCES}/${instance.id}/rollback`, { version: 3 })).body.version).toBe(5);
    const listed = (await versions(instance.id)).items.map((v: { version: number; change_kind: string; restored_from: number | null }) => [v.version, v.change_kind, v.restored_from]);
    expect(listed).toEqual([
      [5, 'rollback', 3],
      [4, 'rollback', 1],
      [3, 'update', null],
      [2, 'update', null],
      [1, 'create', null],
    ]);
    const one = await app.get(`${INSTANCES}/${instance.id}/versions/4`);
    expect(one.body).toMatchObject({ version: 4, change_kind: 'rollback', restored_from: 1, config: { label: 'one' } });
    // A refused rollback records nothing.
    expectProblem(await app.post(`${INSTANCES}/${instance.id}/rollback`, { version: 1 }, { 'if-match': '"4"' }), 412, 'precondition-failed');
    expect((await versions(instance.id)).items).toHaveLength(5);
  });

  it('runs a past version without changing the instance (execute?version=N), lists runs by version', async () => {
    const instance = await create({ mode: 'ok', label: 'first' });
    await app.put(`${INSTANCES}/${instance.id}`, { config: { mode: 'ok', label: 'second' } });
    const past = await app.post(`${INSTANCES}/${instance.id}/execute?version=1`);
    expect(past.body).toMatchObject({ status: 'succeeded', config_version: 1, pinned_version: 1, result: { label: 'first' } });
    const now = await app.post(`${INSTANCES}/${instance.id}/execute`);
    expect(now.body).toMatchObject({ config_version: 2, pinned_version: null, result: { label: 'second' } });
    const after = (await app.get(`${INSTANCES}/${instance.id}`)).body;
    expect({ version: after.version, config: after.config }).toEqual({ version: 2, config: { mode: 'ok', label: 'second' } });

    // Queued (async) runs of a past version keep it through their claim.
    const queued = await app.post(`${INSTANCES}/${instance.id}/execute?version=1`, undefined, { prefer: 'respond-async' });
    expect(queued.status).toBe(202);
    let run = queued.body;
    for (let i = 0; i < 200 && ['queued', 'running'].includes(run.status); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      run = (await app.get(`/api/plugins/executions/${queued.body.id}`)).body;
    }
    expect(run).toMatchObject({ status: 'succeeded', config_version: 1, pinned_version: 1, result: { label: 'first' } });

    const byVersion = (await app.get(`${INSTANCES}/${instance.id}/executions?config_version=1`)).body.items;
    expect(byVersion.map((r: any) => r.id).sort()).toEqual([past.body.id, queued.body.id].sort());
    expect((await app.get(`${INSTANCES}/${instance.id}/executions?config_version=2`)).body.items.map((r: any) => r.id)).toEqual([now.body.id]);
    expectProblem(await app.post(`${INSTANCES}/${instance.id}/execute?version=9`), 404, 'version-not-found');
    expectProblem(await app.post(`${INSTANCES}/${instance.id}/execute?version=0`), 400, 'validation-failed');
    expectProblem(await app.get(`${INSTANCES}/${instance.id}/executions?config_version=x`), 400, 'validation-failed');
  });

  it('a retry of a past version runs that version again, by that version\'s policy', async () => {
    const label = unique('pinned-retry');
    const response = await app.post(INSTANCES, { template_id: 'fixture_function', name: unique('retried'), config: { mode: 'fail_times', fail_times: 1, label }, execution_policy: { max_attempts: 2, backoff_ms: 0 } });
    const id = response.body.id;
    await app.put(`${INSTANCES}/${id}`, { config: { mode: 'ok', label: 'current' }, execution_policy: { max_attempts: 1 } });
    const run = await app.post(`${INSTANCES}/${id}/execute?version=1`);
    expect(run.body).toMatchObject({ status: 'succeeded', attempt: 2, config_version: 1, pinned_version: 1, result: { ok: true, attempt: 2 } });
  });

  it('rolls back a secret to its old value', async () => {
    const instance = await create({ endpoint: 'https://a.example', auth: { token: 'old-token' } }, 'fixture_secret_holder');
    await app.put(`${INSTANCES}/${instance.id}`, { config: { endpoint: 'https://a.example', auth: { token: 'new-token' } } });
    expect((await app.post(`${INSTANCES}/${instance.id}/rollback`, { version: 1 })).status).toBe(200);
    const run = await app.post(`${INSTANCES}/${instance.id}/execute`);
    expect(run.body.result.token_sha256).toBe(sha256('old-token'));
  });

  it('refuses bad input and changes nothing', async () => {
    const instance = await create();
    const before = await versions(instance.id);
    expectProblem(await app.post(`${INSTANCES}/${instance.id}/rollback`, { version: 9 }), 404, 'version-not-found');
    expectProblem(await app.post(`${INSTANCES}/${instance.id}/rollback`, { version: 'one' }), 400, 'validation-failed');
    expectProblem(await app.post(`${INSTANCES}/${instance.id}/rollback`, {}), 400, 'validation-failed');
    expectProblem(await app.get(`${INSTANCES}/${instance.id}/versions/0`), 400, 'validation-failed');
    expectProblem(await app.get(`${INSTANCES}/${instance.id}/versions/x`), 400, 'validation-failed');
    expectProblem(await app.get(`${INSTANCES}/${instance.id}/versions/7`), 404, 'version-not-found');
    expectProblem(await app.get(`${INSTANCES}/${instance.id}/versions?cursor=nope`), 400, 'validation-failed');
    expectProblem(await app.get(`${INSTANCES}/${instance.id}/versions/1/diff?to=0`), 400, 'validation-failed');
    expectProblem(await app.get(`${INSTANCES}/00000000-0000-0000-0000-000000000000/versions`), 404, 'instance-not-found');
    expect(await versions(instance.id)).toEqual(before);
    expect((await app.get(`${INSTANCES}/${instance.id}`)).body.version).toBe(1);
  });

  it('keeps the newest INSTANCE_HISTORY_LIMIT versions', async () => {
    const instance = await create();
    for (let i = 2; i <= 8; i++) await app.put(`${INSTANCES}/${instance.id}`, { config: { mode: 'ok', label: `v${i}` } });
    expect((await versions(instance.id)).items.map((v: any) => v.version)).toEqual([8, 7, 6, 5, 4]);
    expectProblem(await app.get(`${INSTANCES}/${instance.id}/versions/3`), 404, 'version-not-found');
  });

  it('deleting an instance deletes its history', async () => {
    const instance = await create();
    const versionRows = () => app.app.get(DataSource).getRepository(PluginInstanceVersionEntity).countBy({ instance_id: instance.id });
    expect(await versionRows()).toBe(1);
    expect((await app.delete(`${INSTANCES}/${instance.id}`)).status).toBe(204);
    expect(await versionRows()).toBe(0);
    expectProblem(await app.get(`${INSTANCES}/${instance.id}/versions/1`), 404, 'instance-not-found');
  });
});

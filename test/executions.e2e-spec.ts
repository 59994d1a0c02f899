import { setTimeout as delay } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { PluginExecutionEntity } from '../src/execution/plugin-execution.entity';
import { releaseRun } from './fixtures/plugins/good/function_style';
import { expectProblem, FIXTURE_ROOTS, TestApp } from './helpers/test-app';

const INSTANCES = '/api/plugins/instances';

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = await probe();
    if (value !== undefined) return value;
    await delay(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('executions (e2e)', () => {
  let app: TestApp;

  const createInstance = async (name: string, template_id: string, config: Record<string, unknown>) => {
    const response = await app.post(INSTANCES, { template_id, name, config });
    expect(response.status).toBe(201);
    return response.body.id as string;
  };
  const execute = (id: string) => app.post(`${INSTANCES}/${id}/execute`);
  const runningExecution = (id: string) =>
    waitFor(async () => {
      const list = await app.get(`${INSTANCES}/${id}/executions?status=running`);
      return list.body.items[0] as { id: string } | undefined;
    }, 'a running execution');

  beforeAll(async () => {
    app = await TestApp.start({ env: { SHUTDOWN_GRACE_MS: '200' } });
  });
  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  it('runs a class-style handler with DI, defaults applied and a context, and records the run', async () => {
    const id = await createInstance('Greeter run', 'fixture_greeter', { who: 'Ada' });
    const response = await execute(id);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      id: expect.any(String),
      instance_id: id,
      template_id: 'fixture_greeter',
      status: 'succeeded',
      trigger: { type: 'manual' },
      attempt: 1,
      config_version: 1,
      pinned_version: null,
      started_at: expect.any(String),
      finished_at: expect.any(String),
      duration_ms: expect.any(Number),
      progress: { current: 1, total: 1 },
      result: { greeting: 'hello, Ada', tags: [], execution_id: response.body.id, instance_name: 'Greeter run', trigger: 'manual', signal_aborted: false },
      error: null,
      retry_of: null,
      triggered_by: null,
    });
    expect(Date.parse(response.body.finished_at)).toBeGreaterThanOrEqual(Date.parse(response.body.started_at));

    const instance = (await app.get(`${INSTANCES}/${id}`)).body;
    // A run is not a change of the definition: the version (and ETag) stays.
    expect(instance).toMatchObject({ status: 'active', last_result: response.body.result, version: 1 });
    expect(instance.last_run).toBe(response.body.finished_at);
    expect((await app.get(`/api/plugins/executions/${response.body.id}`)).body).toEqual(response.body);
  });

  it('runs a function-style handler', async () => {
    const id = await createInstance('Function ok', 'fixture_function', { mode: 'ok' });
    const response = await execute(id);
    expect(response.body).toMatchObject({ status: 'succeeded', result: { ok: true, label: 'unlabelled' }, error: null });
  });

  it.each([
    ['throw', 'handler_error', 'handler blew up for unlabelled', null],
    ['soft_error', 'handler_error', 'soft failure for unlabelled', { status: 'error', message: 'soft failure for unlabelled' }],
    ['not_object', 'invalid_result', 'handler returned number; expected a JSON object', null],
    ['circular', 'invalid_result', expect.stringContaining('not JSON-serialisable'), null],
  ])('records mode %s as a failed run and the instance as error', async (mode, type, message, result) => {
    const id = await createInstance(`Failing ${mode}`, 'fixture_function', { mode });
    const response = await execute(id);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'failed', error: { type, message }, result });
    const instance = (await app.get(`${INSTANCES}/${id}`)).body;
    expect(instance.status).toBe('error');
    expect(instance.last_result.status).toBe('error');
  });

  it('restores the status the last run implies when re-enabled', async () => {
    const failing = await createInstance('Re-enable failing', 'fixture_function', { mode: 'throw' });
    await execute(failing);
    expect((await app.put(`${INSTANCES}/${failing}`, { enabled: false })).body.status).toBe('inactive');
    expect((await app.put(`${INSTANCES}/${failing}`, { enabled: true })).body.status).toBe('error');

    const passing = await createInstance('Re-enable passing', 'fixture_function', { mode: 'ok' });
    await execute(passing);
    await app.put(`${INSTANCES}/${passing}`, { enabled: false });
    expect((await app.put(`${INSTANCES}/${passing}`, { enabled: true })).body.status).toBe('active');
  });

  it('refuses to run a disabled instance (409) and records nothing', async () => {
    const id = await createInstance('Disabled run', 'fixture_function', { mode: 'ok' });
    await app.put(`${INSTANCES}/${id}`, { enabled: false });
    expectProblem(await execute(id), 409, 'instance-disabled');
    expect((await app.get(`${INSTANCES}/${id}/executions`)).body.items).toEqual([]);
  });

  it('404s for unknown instances and executions', async () => {
    expectProblem(await execute('00000000-0000-0000-0000-000000000000'), 404, 'instance-not-found');
    expectProblem(await app.get(`${INSTANCES}/00000000-0000-0000-0000-000000000000/executions`), 404, 'instance-not-found');
    expectProblem(await app.get('/api/plugins/executions/00000000-0000-0000-0000-000000000000'), 404, 'execution-not-found');
  });

  it('allows one run per instance: a second execute and a delete answer 409 while it runs', async () => {
    const id = await createInstance('Held open', 'fixture_function', { mode: 'wait', gate: 'held-open' });
    const first = execute(id);
    const running = await runningExecution(id);

    const second = await execute(id);
    expectProblem(second, 409, 'execution-in-progress');
    expect(second.body.execution_id).toBe(running.id);
    expect(second.headers.get('location')).toBe(`/api/plugins/executions/${running.id}`);

    const deletion = await app.delete(`${INSTANCES}/${id}`);
    expectProblem(deletion, 409, 'instance-running');
    expect(deletion.body.execution_id).toBe(running.id);

    releaseRun('held-open');
    const finished = await first;
    expect(finished.body).toMatchObject({ id: running.id, status: 'succeeded', result: { waited: true } });
    await app.put(`${INSTANCES}/${id}`, { config: { mode: 'ok' } });
    expect((await execute(id)).body.status).toBe('succeeded'); // the slot is free again
  });

  it('starts exactly one run from 20 concurrent executes of one instance', async () => {
    const id = await createInstance('Stampede', 'fixture_function', { mode: 'wait', gate: 'stampede' });
    const attempts = Array.from({ length: 20 }, () => execute(id));
    const running = await runningExecution(id);
    await delay(100);
    releaseRun('stampede');
    const responses = await Promise.all(attempts);
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    const history = await app.get(`${INSTANCES}/${id}/executions`);
    expect(history.body.items.map((e: { id: string }) => e.id)).toEqual([running.id]);
  });

  it('lists an instance\'s runs newest first with status filter and cursor pagination', async () => {
    const id = await createInstance('History', 'fixture_function', { mode: 'ok' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await execute(id)).body.id);
    await app.put(`${INSTANCES}/${id}`, { config: { mode: 'throw' } });
    const failed = (await execute(id)).body;
    expect(failed.config_version).toBeGreaterThan(1);

    const page1 = await app.get(`${INSTANCES}/${id}/executions?limit=4`);
    expect(page1.body.items.map((e: { id: string }) => e.id)).toEqual([failed.id, ...ids.slice(2).reverse()]);
    const page2 = await app.get(`${INSTANCES}/${id}/executions?limit=4&cursor=${encodeURIComponent(page1.body.next_cursor)}`);
    expect(page2.body.items.map((e: { id: string }) => e.id)).toEqual(ids.slice(0, 2).reverse());
    expect(page2.body.next_cursor).toBeNull();

    const onlyFailed = await app.get(`${INSTANCES}/${id}/executions?status=failed`);
    expect(onlyFailed.body.items.map((e: { id: string }) => e.id)).toEqual([failed.id]);
    expectProblem(await app.get(`${INSTANCES}/${id}/executions?status=exploded`), 400, 'validation-failed');
    expectProblem(await app.get(`${INSTANCES}/${id}/executions?limit=9999`), 400, 'validation-failed');
  });

  it('filters an instance\'s runs by trigger type, and counts every run by status and by trigger', async () => {
    const before = (await app.get('/api/plugins/executions/stats')).body;
    expect(Object.keys(before.by_trigger).sort()).toEqual(['manual', 'retry', 'schedule', 'upstream', 'webhook']);
    const created = await app.post(INSTANCES, {
      template_id: 'fixture_function',
      name: 'Flaky by trigger',
      config: { mode: 'fail_times', label: `flaky-${Date.now()}`, fail_times: 1 },
      execution_policy: { max_attempts: 2, backoff_ms: 0 },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const settled = await execute(id);
    expect(settled.body).toMatchObject({ status: 'succeeded', attempt: 2, trigger: { type: 'retry' } });

    const retries = (await app.get(`${INSTANCES}/${id}/executions?trigger=retry`)).body.items;
    expect(retries.map((run: { attempt: number; trigger: { type: string } }) => [run.attempt, run.trigger.type])).toEqual([[2, 'retry']]);
    const manual = (await app.get(`${INSTANCES}/${id}/executions?trigger=manual&status=failed`)).body.items;
    expect(manual.map((run: { attempt: number; status: string }) => [run.attempt, run.status])).toEqual([[1, 'failed']]);
    expect((await app.get(`${INSTANCES}/${id}/executions?trigger=schedule`)).body.items).toEqual([]);
    expectProblem(await app.get(`${INSTANCES}/${id}/executions?trigger=cron`), 400, 'validation-failed');

    const after = (await app.get('/api/plugins/executions/stats')).body;
    expect(after.total - before.total).toBe(2);
    expect(after.by_trigger.manual - before.by_trigger.manual).toBe(1);
    expect(after.by_trigger.retry - before.by_trigger.retry).toBe(1);
    expect(after.by_status.failed - before.by_status.failed).toBe(1);
    expect(after.by_status.succeeded - before.by_status.succeeded).toBe(1);
    const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, count) => total + count, 0);
    expect(sum(after.by_status)).toBe(after.total);
    expect(sum(after.by_trigger)).toBe(after.total);
  });

  it('deleting an instance removes its history', async () => {
    const id = await createInstance('Short lived', 'fixture_function', { mode: 'ok' });
    const run = (await execute(id)).body;
    expect((await app.delete(`${INSTANCES}/${id}`)).status).toBe(204);
    expectProblem(await app.get(`/api/plugins/executions/${run.id}`), 404, 'execution-not-found');
  });
});

describe('persistence across restarts (e2e)', () => {
  it('keeps instances and runs; a run the dead process left running becomes interrupted', async () => {
    let app = await TestApp.start();
    const dataDir = app.dataDir;
    const created = await app.post(INSTANCES, { template_id: 'fixture_function', name: 'Survivor', config: { mode: 'ok', label: 'kept' } });
    const run = (await app.post(`${INSTANCES}/${created.body.id}/execute`)).body;
    const instanceBefore = (await app.get(`${INSTANCES}/${created.body.id}`)).body;
    // What a killed process leaves behind: a row still marked running, written behind the service's back.
    const now = Date.now() / 1000;
    await app.app
      .get(DataSource)
      .createQueryBuilder()
      .insert()
      .into(PluginExecutionEntity)
      .values({ id: '11111111-2222-3333-4444-555555555555', instance_id: created.body.id, template_id: 'fixture_function', status: 'running', trigger: { type: 'manual' }, attempt: 1, config_version: 2, created_at: now, started_at: now })
      .execute();
    await app.close();

    app = await TestApp.start({ dataDir });
    try {
      expect((await app.get(`/api/plugins/executions/${run.id}`)).body).toEqual(run);
      const orphan = (await app.get('/api/plugins/executions/11111111-2222-3333-4444-555555555555')).body;
      expect(orphan).toMatchObject({ status: 'interrupted', error: { type: 'interrupted' }, finished_at: expect.any(String) });
      const instanceAfter = (await app.get(`${INSTANCES}/${created.body.id}`)).body;
      expect(instanceAfter).toMatchObject({ name: 'Survivor', config: { mode: 'ok', label: 'kept' }, status: 'error', created_at: instanceBefore.created_at });
      // It can run again: the interrupted row no longer holds the one-run-per-instance slot.
      expect((await app.post(`${INSTANCES}/${created.body.id}/execute`)).body.status).toBe('succeeded');
      expect((await app.get(`${INSTANCES}/${created.body.id}/executions`)).body.items).toHaveLength(3);
    } finally {
      await app.close();
      app.removeData();
    }
  });

  it('at boot, retries an interrupted run whose policy has attempts left and runs a queued one', async () => {
    let app = await TestApp.start();
    const dataDir = app.dataDir;
    const retried = (await app.post(INSTANCES, { template_id: 'fixture_function', name: 'Retried after crash', config: { mode: 'ok', label: 'again' }, execution_policy: { max_attempts: 2, backoff_ms: 0 } })).body;
    const queued = (await app.post(INSTANCES, { template_id: 'fixture_function', name: 'Queued at crash', config: { mode: 'ok', label: 'queued' } })).body;
    const now = Date.now() / 1000;
    const rows = app.app.get(DataSource).createQueryBuilder().insert().into(PluginExecutionEntity);
    await rows
      .values([
        { id: '21111111-2222-3333-4444-555555555555', instance_id: retried.id, template_id: 'fixture_function', status: 'running', trigger: { type: 'manual' }, attempt: 1, config_version: 1, created_at: now, started_at: now },
        { id: '31111111-2222-3333-4444-555555555555', instance_id: queued.id, template_id: 'fixture_function', status: 'queued', trigger: { type: 'manual' }, attempt: 1, config_version: 1, created_at: now },
      ])
      .execute();
    await app.close();

    app = await TestApp.start({ dataDir });
    try {
      const settledHistory = async (id: string, count: number) => {
        for (let i = 0; i < 100; i++) {
          const items = (await app.get(`${INSTANCES}/${id}/executions`)).body.items;
          if (items.length === count && items.every((e: { status: string }) => !['queued', 'running'].includes(e.status))) return items;
          await delay(25);
        }
        throw new Error('runs did not settle');
      };
      const chain = await settledHistory(retried.id, 2);
      expect(chain.map((e: { attempt: number; status: string; retry_of: string | null }) => [e.attempt, e.status, e.retry_of])).toEqual([
        [2, 'succeeded', '21111111-2222-3333-4444-555555555555'],
        [1, 'interrupted', null],
      ]);
      expect((await app.get(`${INSTANCES}/${retried.id}`)).body.status).toBe('active');
      const ran = await settledHistory(queued.id, 1);
      expect(ran[0]).toMatchObject({ id: '31111111-2222-3333-4444-555555555555', status: 'succeeded', result: { ok: true, label: 'queued' } });
    } finally {
      await app.close();
      app.removeData();
    }
  });

  it('answers 409 template-unavailable for an instance whose plugin is gone, and still serves it', async () => {
    let app = await TestApp.start();
    const dataDir = app.dataDir;
    const id = (await app.post(INSTANCES, { template_id: 'fixture_function', name: 'Orphaned', config: { mode: 'ok' } })).body.id;
    await app.close();
    app = await TestApp.start({ dataDir, pluginRoots: [] });
    try {
      expect((await app.get(`${INSTANCES}/${id}`)).body.template_id).toBe('fixture_function');
      expectProblem(await app.post(`${INSTANCES}/${id}/execute`), 409, 'template-unavailable');
      expectProblem(await app.put(`${INSTANCES}/${id}`, { config: { mode: 'ok' } }), 409, 'template-unavailable');
      expect((await app.put(`${INSTANCES}/${id}`, { name: 'Renamed orphan' })).status).toBe(200);
      expect((await app.get(`${INSTANCES}/stats`)).body.by_template).toEqual({ fixture_function: 1 });
    } finally {
      await app.close();
      app.removeData();
    }
  });

  it('records a run still going at shutdown as interrupted once the grace period ends', async () => {
    const app = await TestApp.start({ pluginRoots: [FIXTURE_ROOTS.good], env: { SHUTDOWN_GRACE_MS: '100' } });
    const dataDir = app.dataDir;
    const id = (await app.post(INSTANCES, { template_id: 'fixture_function', name: 'Stubborn', config: { mode: 'wait', gate: 'stubborn' } })).body.id;
    const pending = app.post(`${INSTANCES}/${id}/execute`);
    await waitFor(async () => (await app.get(`${INSTANCES}/${id}/executions?status=running`)).body.items[0], 'the run to start');
    await app.close();
    const response = await pending;
    expect(response.body).toMatchObject({ status: 'interrupted', error: { type: 'interrupted' } });
    releaseRun('stubborn'); // the late result is ignored

    const reopened = await TestApp.start({ dataDir });
    try {
      const history = (await reopened.get(`${INSTANCES}/${id}/executions`)).body.items;
      expect(history.map((e: { status: string }) => e.status)).toEqual(['interrupted']);
    } finally {
      await reopened.close();
      reopened.removeData();
    }
  });
});

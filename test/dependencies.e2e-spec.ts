import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { ExecutionScheduler } from '../src/execution/execution-scheduler';
import { releaseRun } from './fixtures/plugins/good/function_style';
import { expectProblem, TestApp } from './helpers/test-app';

/**
 * Dependencies between instances: `depends_on` checked when written, delete guarded, and runs started by
 * upstream successes through the real engine (chain, join, diamond), over HTTP on a real database.
 */

const INSTANCES = '/api/plugins/instances';
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

describe('dependencies', () => {
  let app: TestApp;

  beforeAll(async () => {
    // The owed-run sweep is part of the scheduler's tick; tests call tick() rather than wait for the timer (the
    // longest interval allowed), and check what runs exist rather than which tick started them.
    app = await TestApp.start({ env: { SCHEDULER_TICK_MS: '60000' } });
  });

  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  async function create(dependsOn: string[] = [], config: Record<string, unknown> = { mode: 'trigger' }, extra: Record<string, unknown> = {}): Promise<any> {
    const response = await app.post(INSTANCES, { template_id: 'fixture_function', name: unique('dep'), config, depends_on: dependsOn, ...extra });
    expect(response.status).toBe(201);
    return response.body;
  }

  const instance = async (id: string) => (await app.get(`${INSTANCES}/${id}`)).body;
  const runsOf = async (id: string): Promise<any[]> => (await app.get(`${INSTANCES}/${id}/executions?limit=200`)).body.items;

  /** Runs an instance by hand and waits for its outcome. */
  async function run(id: string): Promise<any> {
    const response = await app.post(`${INSTANCES}/${id}/execute`);
    expect(response.status).toBe(200);
    return response.body;
  }

  /** Waits until the instance has `count` runs, all finished; returns them oldest first. */
  async function settledRuns(id: string, count: number): Promise<any[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const runs = await runsOf(id);
      if (runs.length >= count && runs.every((r) => !['queued', 'running'].includes(r.status))) return runs.reverse();
      if (Date.now() > deadline) throw new Error(`instance ${id}: ${runs.length} run(s), wanted ${count} finished`);
      await delay(10);
    }
  }

  const tick = () => app.app.get(ExecutionScheduler).tick();

  async function untilRunning(executionId: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while ((await app.get(`/api/plugins/executions/${executionId}`)).body.status !== 'running') {
      if (Date.now() > deadline) throw new Error(`run ${executionId} did not start`);
      await delay(5);
    }
  }

  /** Waits for every unfinished run anywhere to end (dependents started by a success run after it). */
  async function quiet(...ids: string[]): Promise<void> {
    for (const id of ids) {
      const deadline = Date.now() + 10_000;
      while ((await runsOf(id)).some((r) => ['queued', 'running'].includes(r.status))) {
        if (Date.now() > deadline) throw new Error(`instance ${id} did not settle`);
        await delay(10);
      }
    }
  }

  describe('checks when written', () => {
    it('stores depends_on in order, drops repeats, and shows it on the instance', async () => {
      const a = await create();
      const b = await create();
      const c = await create([b.id, a.id, b.id]);
      expect(c.depends_on).toEqual([b.id, a.id]);
      expect((await instance(c.id)).depends_on).toEqual([b.id, a.id]);
      expect(a.depends_on).toEqual([]);
    });

    it('refuses an unknown id with 400 at its JSON Pointer, and creates nothing', async () => {
      const a = await create();
      const name = unique('unknown-upstream');
      const missing = randomUUID();
      const response = await app.post(INSTANCES, { template_id: 'fixture_function', name, config: { mode: 'ok' }, depends_on: [a.id, missing] });
      expectProblem(response, 400, 'validation-failed');
      expect(response.body.errors).toEqual([{ path: '/depends_on/1', message: `no instance has the id '${missing}'` }]);
      expect((await app.get(`${INSTANCES}?q=${name}`)).body.items).toEqual([]);
    });

    it('refuses malformed lists: not uuids, not an array, more than 20', async () => {
      const base = { template_id: 'fixture_function', config: { mode: 'ok' } };
      expectProblem(await app.post(INSTANCES, { ...base, name: unique('bad'), depends_on: ['not-a-uuid'] }), 400, 'validation-failed');
      expectProblem(await app.post(INSTANCES, { ...base, name: unique('bad'), depends_on: 'x' }), 400, 'validation-failed');
      const many = Array.from({ length: 21 }, () => randomUUID());
      const response = await app.post(INSTANCES, { ...base, name: unique('bad'), depends_on: many });
      expectProblem(response, 400, 'validation-failed');
      expect(response.body.errors[0].path).toBe('/depends_on');
    });

    it('refuses a cycle with 409 naming the loop, and changes nothing', async () => {
      const a = await create();
      const b = await create([a.id]);
      const c = await create([b.id]);
      const response = await app.put(`${INSTANCES}/${a.id}`, { depends_on: [c.id] });
      expectProblem(response, 409, 'dependency-cycle');
      expect(response.body.cycle).toEqual([
        { id: a.id, name: a.name },
        { id: c.id, name: c.name },
        { id: b.id, name: b.name },
        { id: a.id, name: a.name },
      ]);
      expect(response.body.detail).toContain(`'${a.name}' depends on '${c.name}' depends on '${b.name}' depends on '${a.name}'`);
      const after = await instance(a.id);
      expect({ depends_on: after.depends_on, version: after.version }).toEqual({ depends_on: [], version: a.version });
    });

    it('refuses a self-reference as a cycle', async () => {
      const a = await create();
      const response = await app.put(`${INSTANCES}/${a.id}`, { depends_on: [a.id] });
      expectProblem(response, 409, 'dependency-cycle');
      expect(response.body.cycle.map((node: any) => node.id)).toEqual([a.id, a.id]);
    });

    it('refuses to delete an upstream while others depend on it, naming them; allows it once they no longer do', async () => {
      const a = await create();
      const b = await create([a.id]);
      const c = await create([a.id]);
      const refused = await app.delete(`${INSTANCES}/${a.id}`);
      expectProblem(refused, 409, 'has-dependents');
      expect(refused.body.dependents).toEqual(expect.arrayContaining([{ id: b.id, name: b.name }, { id: c.id, name: c.name }]));
      expect(refused.body.dependents).toHaveLength(2);
      expect((await app.get(`${INSTANCES}/${a.id}`)).status).toBe(200);

      // Deleting a dependent takes its edges with it; the other one is released by an update.
      expect((await app.delete(`${INSTANCES}/${b.id}`)).status).toBe(204);
      expect((await app.put(`${INSTANCES}/${c.id}`, { depends_on: [] })).body.depends_on).toEqual([]);
      expect((await app.delete(`${INSTANCES}/${a.id}`)).status).toBe(204);
    });
  });

  describe('runs started by upstreams', () => {
    it('a chain A -> B -> C: each success starts the next once, with the upstream run in its trigger', async () => {
      const a = await create();
      const b = await create([a.id]);
      const c = await create([b.id]);
      const aRun = await run(a.id);
      const [bRun] = await settledRuns(b.id, 1);
      const [cRun] = await settledRuns(c.id, 1);
      expect(bRun.trigger).toEqual({ type: 'upstream', execution_ids: [aRun.id] });
      expect(cRun.trigger).toEqual({ type: 'upstream', execution_ids: [bRun.id] });
      // The handler saw the same trigger (the SDK's ctx.trigger).
      expect(cRun.result.trigger).toEqual({ type: 'upstream', execution_ids: [bRun.id] });
      expect(cRun.status).toBe('succeeded');
      await quiet(a.id, b.id, c.id);
      expect(await runsOf(b.id)).toHaveLength(1);
      expect(await runsOf(c.id)).toHaveLength(1);
    });

    it('a failure starts nothing', async () => {
      const a = await create([], { mode: 'throw' });
      const b = await create([a.id]);
      expect((await run(a.id)).status).toBe('failed');
      await quiet(a.id, b.id);
      expect(await runsOf(b.id)).toEqual([]);
    });

    it('a join runs once per generation: A twice then B gives one run of C, naming the latest of each', async () => {
      const a = await create();
      const b = await create();
      const c = await create([a.id, b.id]);
      await run(a.id);
      const a2 = await run(a.id);
      expect(await runsOf(c.id)).toEqual([]);
      const graph = (await app.get(`/api/plugins/graph?instance_id=${c.id}`)).body;
      expect(graph.edges).toEqual([
        { from: a.id, to: c.id, satisfied_by: a2.id },
        { from: b.id, to: c.id, satisfied_by: null },
      ]);

      const b1 = await run(b.id);
      const [cRun] = await settledRuns(c.id, 1);
      expect(cRun.trigger).toEqual({ type: 'upstream', execution_ids: [a2.id, b1.id] });

      // The join starts over: B alone again is not enough.
      await run(b.id);
      await quiet(c.id);
      expect(await runsOf(c.id)).toHaveLength(1);
      await run(a.id);
      expect(await settledRuns(c.id, 2)).toHaveLength(2);
    });

    it('a join whose upstreams finish at the same moment runs exactly once per round', async () => {
      const a = await create();
      const b = await create();
      const c = await create([a.id, b.id]);
      for (let round = 1; round <= 8; round++) {
        // Both upstreams' successes are recorded concurrently (on PostgreSQL in two transactions at once).
        await Promise.all([run(a.id), run(b.id)]);
        await settledRuns(c.id, round);
        await quiet(c.id);
      }
      expect(await runsOf(c.id)).toHaveLength(8);
    });

    it('a diamond A -> B, A -> C, B and C -> D: D runs once per A run', async () => {
      const a = await create();
      const b = await create([a.id]);
      const c = await create([a.id]);
      const d = await create([b.id, c.id]);
      for (let generation = 1; generation <= 3; generation++) {
        await run(a.id);
        await settledRuns(d.id, generation);
        await quiet(b.id, c.id, d.id);
      }
      const dRuns = await settledRuns(d.id, 3);
      expect(dRuns).toHaveLength(3);
      const bRuns = await settledRuns(b.id, 3);
      const cRuns = await settledRuns(c.id, 3);
      expect(dRuns.map((r) => r.trigger.execution_ids)).toEqual([0, 1, 2].map((i) => [bRuns[i].id, cRuns[i].id]));
    });

    it('a dependent busy when its join completes runs once it is free (the tick starts the owed run)', async () => {
      const gate = unique('gate');
      const a = await create();
      const b = await create([a.id], { mode: 'wait', gate });
      const manual = await app.post(`${INSTANCES}/${b.id}/execute`, undefined, { prefer: 'respond-async' });
      expect(manual.status).toBe(202);
      await untilRunning(manual.body.id);
      const aRun = await run(a.id);
      // B was running: nothing piled up behind it, and the join stays complete.
      expect(await runsOf(b.id)).toHaveLength(1);
      expect((await app.get(`/api/plugins/graph?instance_id=${b.id}`)).body.edges).toEqual([{ from: a.id, to: b.id, satisfied_by: aRun.id }]);

      releaseRun(gate);
      await settledRuns(b.id, 1);
      await tick();
      const owed = (await runsOf(b.id)).filter((r) => r.trigger.type === 'upstream');
      expect(owed).toHaveLength(1);
      expect(owed[0].trigger).toEqual({ type: 'upstream', execution_ids: [aRun.id] });
      await untilRunning(owed[0].id);
      releaseRun(gate);
      await settledRuns(b.id, 2);
      // Started once: another tick finds nothing owed.
      expect((await tick()).upstream).toEqual([]);
      expect(await runsOf(b.id)).toHaveLength(2);
    });

    it('a disabled dependent never runs; once enabled, the run its upstreams completed is started once', async () => {
      const a = await create();
      const b = await create([a.id], { mode: 'trigger' }, { enabled: false });
      const aRun = await run(a.id);
      expect((await tick()).upstream).toEqual([]);
      expect(await runsOf(b.id)).toEqual([]);

      await app.put(`${INSTANCES}/${b.id}`, { enabled: true });
      await tick();
      const [bRun] = await settledRuns(b.id, 1);
      expect(bRun.trigger).toEqual({ type: 'upstream', execution_ids: [aRun.id] });
      await tick();
      expect(await runsOf(b.id)).toHaveLength(1);
    });

    it('upstream runs are filtered and counted by trigger type', async () => {
      const a = await create();
      const b = await create([a.id]);
      const before = (await app.get('/api/plugins/executions/stats')).body.by_trigger.upstream;
      await run(a.id);
      await settledRuns(b.id, 1);
      const upstream = (await app.get(`${INSTANCES}/${b.id}/executions?trigger=upstream`)).body.items;
      expect(upstream).toHaveLength(1);
      expect((await app.get(`${INSTANCES}/${b.id}/executions?trigger=manual`)).body.items).toEqual([]);
      expect((await app.get('/api/plugins/executions/stats')).body.by_trigger.upstream).toBe(before + 1);
    });
  });

  describe('GET /api/plugins/graph', () => {
    it('lists linked instances and edges from upstream to dependent, and narrows to one component', async () => {
      const a = await create();
      const b = await create([a.id]);
      const lone = await create();
      const whole = (await app.get('/api/plugins/graph')).body;
      expect(whole.nodes).toEqual(expect.arrayContaining([{ id: a.id, name: a.name, template_id: 'fixture_function', status: 'pending' }]));
      expect(whole.nodes.map((node: any) => node.id)).not.toContain(lone.id);
      expect(whole.edges).toEqual(expect.arrayContaining([{ from: a.id, to: b.id, satisfied_by: null }]));

      const part = (await app.get(`/api/plugins/graph?instance_id=${b.id}`)).body;
      expect(part.nodes.map((node: any) => node.id).sort()).toEqual([a.id, b.id].sort());
      expect(part.edges).toEqual([{ from: a.id, to: b.id, satisfied_by: null }]);
      expect((await app.get(`/api/plugins/graph?instance_id=${lone.id}`)).body).toEqual({ nodes: [{ id: lone.id, name: lone.name, template_id: 'fixture_function', status: 'pending' }], edges: [] });
    });

    it('answers 404 for an unknown instance and 400 for a malformed id', async () => {
      expectProblem(await app.get(`/api/plugins/graph?instance_id=${randomUUID()}`), 404, 'instance-not-found');
      expectProblem(await app.get('/api/plugins/graph?instance_id=nope'), 400, 'validation-failed');
    });
  });
});

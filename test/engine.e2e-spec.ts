import { setTimeout as delay } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { PluginExecutionEntity } from '../src/execution/plugin-execution.entity';
import { attemptsSeen, releaseRun } from './fixtures/plugins/good/function_style';
import { expectProblem, HttpResponse, TestApp } from './helpers/test-app';

/**
 * The execution engine: async execution (Prefer: respond-async), an in-process queue with a
 * concurrency limit, cancellation, timeouts, retries with backoff, idempotency keys, and run logs.
 * Everything goes through the real stack over HTTP with the fixture_function template.
 */

const INSTANCES = '/api/plugins/instances';
const EXECUTIONS = '/api/plugins/executions';
const ASYNC = { prefer: 'respond-async' };
const FINAL_STATUSES = ['succeeded', 'failed', 'cancelled', 'timed_out', 'interrupted'];
const DEFAULT_POLICY = { timeout_ms: null, max_attempts: 1, backoff_ms: 1000, disable_after_failures: null };

interface Execution {
  id: string;
  instance_id: string;
  status: string;
  attempt: number;
  retry_of: string | null;
  started_at: string | null;
  finished_at: string | null;
  progress: { current: number; total?: number; message?: string } | null;
  result: Record<string, unknown> | null;
  error: { type: string; message: string } | null;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(20);
  }
}

/** Per-file helpers bound to one running app. */
function helpers(getApp: () => TestApp) {
  let counter = 0;
  const gates = new Set<string>();
  const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

  return {
    unique,
    /** A gate name that afterEach releases, so no handler outlives its test. */
    gate(prefix: string): string {
      const name = unique(`gate-${prefix}`);
      gates.add(name);
      return name;
    },
    releaseAll(): void {
      for (const name of gates) releaseRun(name);
      gates.clear();
    },
    async createInstance(prefix: string, config: Record<string, unknown>, execution_policy?: Record<string, unknown>): Promise<string> {
      const body: Record<string, unknown> = { template_id: 'fixture_function', name: unique(prefix), config };
      if (execution_policy !== undefined) body.execution_policy = execution_policy;
      const response = await getApp().post(INSTANCES, body);
      expect(response.status).toBe(201);
      return response.body.id as string;
    },
    execute(id: string, headers?: Record<string, string>): Promise<HttpResponse<Execution & Record<string, any>>> {
      return getApp().post(`${INSTANCES}/${id}/execute`, undefined, headers);
    },
    executeAsync(id: string, headers: Record<string, string> = {}): Promise<HttpResponse<Execution & Record<string, any>>> {
      return getApp().post(`${INSTANCES}/${id}/execute`, undefined, { ...ASYNC, ...headers });
    },
    async execution(executionId: string): Promise<Execution> {
      const response = await getApp().get(`${EXECUTIONS}/${executionId}`);
      expect(response.status).toBe(200);
      return response.body;
    },
    cancel(executionId: string) {
      return getApp().post(`${EXECUTIONS}/${executionId}/cancel`);
    },
    async history(instanceId: string): Promise<Execution[]> {
      const response = await getApp().get(`${INSTANCES}/${instanceId}/executions`);
      expect(response.status).toBe(200);
      return response.body.items;
    },
    /** Polls GET /executions/{id} until the run has the wanted status (or any final status). */
    async until(executionId: string, wanted: string | 'final', timeoutMs = 5000): Promise<Execution> {
      return waitFor(
        async () => {
          const execution = (await getApp().get(`${EXECUTIONS}/${executionId}`)).body as Execution;
          if (wanted === 'final' ? FINAL_STATUSES.includes(execution.status) : execution.status === wanted) return execution;
          return undefined;
        },
        `execution ${executionId} to be ${wanted}`,
        timeoutMs,
      );
    },
  };
}

describe('execution engine (e2e)', () => {
  let app: TestApp;
  const h = helpers(() => app);

  beforeAll(async () => {
    app = await TestApp.start({ env: { EXECUTION_CONCURRENCY: '2', CANCEL_GRACE_MS: '200', SHUTDOWN_GRACE_MS: '200' } });
  });
  afterEach(() => h.releaseAll());
  afterAll(async () => {
    h.releaseAll();
    await app.close();
    app.removeData();
  });

  describe('async and sync execute', () => {
    it('answers 202 with Location and Preference-Applied under Prefer: respond-async; the run can be polled until it settles', async () => {
      const gate = h.gate('async');
      const id = await h.createInstance('Async', { mode: 'wait', gate, label: 'async' });
      const accepted = await h.executeAsync(id);
      expect(accepted.status).toBe(202);
      expect(accepted.headers.get('location')).toBe(`${EXECUTIONS}/${accepted.body.id}`);
      expect(accepted.headers.get('preference-applied')).toBe('respond-async');
      expect(accepted.body).toMatchObject({ id: expect.any(String), instance_id: id, template_id: 'fixture_function', attempt: 1, retry_of: null });
      expect(['queued', 'running']).toContain(accepted.body.status);

      const running = await h.until(accepted.body.id, 'running');
      expect(running.finished_at).toBeNull();
      releaseRun(gate);
      const settled = await h.until(accepted.body.id, 'final');
      expect(settled).toMatchObject({ id: accepted.body.id, status: 'succeeded', result: { waited: true, label: 'async' }, error: null });
      expect(settled.finished_at).toEqual(expect.any(String));

      const instance = (await app.get(`${INSTANCES}/${id}`)).body;
      expect(instance).toMatchObject({ status: 'active', last_result: { waited: true, label: 'async' } });
    });

    it('still answers 200 with the finished run when no Prefer header is sent', async () => {
      const id = await h.createInstance('Sync', { mode: 'ok', label: 'sync' });
      const response = await h.execute(id);
      expect(response.status).toBe(200);
      expect(response.headers.get('preference-applied')).toBeNull();
      expect(response.body).toMatchObject({ instance_id: id, status: 'succeeded', attempt: 1, retry_of: null, result: { ok: true, label: 'sync' }, error: null });
      expect(await h.execution(response.body.id)).toEqual(response.body);
    });

    it('honours respond-async among other preferences (RFC 7240 list syntax, any case)', async () => {
      const id = await h.createInstance('Prefer list', { mode: 'ok' });
      const response = await h.execute(id, { prefer: 'wait=10, Respond-Async' });
      expect(response.status).toBe(202);
      expect(response.headers.get('preference-applied')).toBe('respond-async');
      expect((await h.until(response.body.id, 'final')).status).toBe('succeeded');
    });

    it('starts exactly one run from 50 concurrent async executes of one instance: one 202, 49 x 409 naming it', async () => {
      const gate = h.gate('stampede');
      const id = await h.createInstance('Stampede', { mode: 'wait', gate });
      const responses = await Promise.all(Array.from({ length: 50 }, () => h.executeAsync(id)));

      const accepted = responses.filter((r) => r.status === 202);
      const conflicts = responses.filter((r) => r.status === 409);
      expect(accepted).toHaveLength(1);
      expect(conflicts).toHaveLength(49);
      const runId = accepted[0].body.id;
      for (const conflict of conflicts) {
        expectProblem(conflict, 409, 'execution-in-progress');
        expect(conflict.body.execution_id).toBe(runId);
        expect(conflict.headers.get('location')).toBe(`${EXECUTIONS}/${runId}`);
      }

      await h.until(runId, 'running');
      releaseRun(gate);
      expect((await h.until(runId, 'final')).status).toBe('succeeded');
      expect((await h.history(id)).map((e) => e.id)).toEqual([runId]);
    });
  });

  describe('queue', () => {
    it('runs at most EXECUTION_CONCURRENCY (2) at once; the third stays queued until a slot frees', async () => {
      const gates = [h.gate('slot-a'), h.gate('slot-b'), h.gate('slot-c')];
      const ids = [] as string[];
      for (const [i, gate] of gates.entries()) ids.push(await h.createInstance(`Slot ${i}`, { mode: 'wait', gate }));
      const runs = [] as string[];
      for (const id of ids) {
        const response = await h.executeAsync(id);
        expect(response.status).toBe(202);
        runs.push(response.body.id);
      }

      await h.until(runs[0], 'running');
      await h.until(runs[1], 'running');
      await delay(250);
      const third = await h.execution(runs[2]);
      expect(third.status).toBe('queued');
      expect((await h.execution(runs[0])).status).toBe('running');
      expect((await h.execution(runs[1])).status).toBe('running');

      releaseRun(gates[0]);
      expect((await h.until(runs[0], 'final')).status).toBe('succeeded');
      await h.until(runs[2], 'running');
      expect((await h.execution(runs[1])).status).toBe('running');

      releaseRun(gates[1]);
      releaseRun(gates[2]);
      for (const run of runs) expect((await h.until(run, 'final')).status).toBe('succeeded');
    });

    it('starts synchronous runs at once only while a slot is free: the third waits queued, and queued runs go first', async () => {
      const gates = [h.gate('sync-a'), h.gate('sync-b'), h.gate('sync-c'), h.gate('sync-d')];
      const ids = [] as string[];
      for (const [i, gate] of gates.entries()) ids.push(await h.createInstance(`Sync slot ${i}`, { mode: 'wait', gate }));
      // Two synchronous executes take both slots (their rows are inserted as running).
      const first = h.execute(ids[0]);
      const second = h.execute(ids[1]);
      const running = await waitFor(async () => {
        const rows = [(await h.history(ids[0]))[0], (await h.history(ids[1]))[0]];
        return rows.every((row) => row?.status === 'running') ? rows : undefined;
      }, 'two synchronous runs to be running');
      // An async run now waits in the queue, and a synchronous one behind it does not jump ahead.
      const queued = (await h.executeAsync(ids[2])).body;
      expect(queued.status).toBe('queued');
      const third = h.execute(ids[3]);
      const behind = await waitFor(async () => (await h.history(ids[3]))[0], 'the fourth run to exist');
      await delay(250);
      expect((await h.execution(queued.id)).status).toBe('queued');
      expect((await h.execution(behind.id)).status).toBe('queued');

      releaseRun(gates[0]);
      expect((await first).body).toMatchObject({ id: running[0].id, status: 'succeeded' });
      // The freed slot goes to the run that queued first.
      await h.until(queued.id, 'running');
      expect((await h.execution(behind.id)).status).toBe('queued');
      releaseRun(gates[1]);
      expect((await second).body.status).toBe('succeeded');
      await h.until(behind.id, 'running');
      releaseRun(gates[2]);
      releaseRun(gates[3]);
      expect((await third).body).toMatchObject({ id: behind.id, status: 'succeeded' });
      expect((await h.until(queued.id, 'final')).status).toBe('succeeded');
    });

    it('starts a run of a changed instance with its new config: a PUT between two runs is honoured', async () => {
      const id = await h.createInstance('Changed between runs', { mode: 'ok', label: 'first' });
      const first = await h.execute(id);
      expect(first.body).toMatchObject({ status: 'succeeded', config_version: 1 });
      expect((await app.put(`${INSTANCES}/${id}`, { config: { mode: 'ok', label: 'second' } })).status).toBe(200);
      const second = await h.execute(id);
      expect(second.body.status).toBe('succeeded');
      // Runs do not move the version: the PUT made version 2.
      expect(second.body.config_version).toBe(2);
      expect((await app.put(`${INSTANCES}/${id}`, { enabled: false })).status).toBe(200);
      expectProblem(await h.execute(id), 409, 'instance-disabled');
      expect((await app.put(`${INSTANCES}/${id}`, { enabled: true })).status).toBe(200);
      expect((await h.execute(id)).body).toMatchObject({ status: 'succeeded', config_version: 4 });
      expect(await h.history(id)).toHaveLength(3);
    });
  });

  describe('cancel', () => {
    it('cancels a queued run at once; it never runs and the instance can run again', async () => {
      const blockers = [h.gate('block-1'), h.gate('block-2')];
      const blockerRuns = [] as string[];
      for (const [i, gate] of blockers.entries()) {
        const blockerId = await h.createInstance(`Blocker ${i}`, { mode: 'wait', gate });
        blockerRuns.push((await h.executeAsync(blockerId)).body.id);
      }
      for (const run of blockerRuns) await h.until(run, 'running');

      const label = h.unique('never-ran');
      const id = await h.createInstance('Queued cancel', { mode: 'fail_times', label, fail_times: 0 });
      const queued = await h.executeAsync(id);
      expect(queued.status).toBe(202);
      expect(queued.body.status).toBe('queued');

      const cancelled = await h.cancel(queued.body.id);
      expect(cancelled.status).toBe(202);
      expect(cancelled.body).toMatchObject({ id: queued.body.id, status: 'cancelled' });
      expect((await h.execution(queued.body.id)).status).toBe('cancelled');

      for (const gate of blockers) releaseRun(gate);
      for (const run of blockerRuns) expect((await h.until(run, 'final')).status).toBe('succeeded');
      await delay(150);
      expect((await h.execution(queued.body.id)).status).toBe('cancelled');
      expect(attemptsSeen(label)).toBe(0);
      expect((await h.history(id)).map((e) => e.id)).toEqual([queued.body.id]);

      // The cancelled run no longer holds the instance's slot.
      const again = await h.execute(id);
      expect(again.status).toBe(200);
      expect(again.body.status).toBe('succeeded');
      expect(attemptsSeen(label)).toBe(1);
    });

    it('cancels a running run that honours its signal, and does not retry it', async () => {
      const gate = h.gate('abortable');
      const id = await h.createInstance('Abortable cancel', { mode: 'wait_abortable', gate }, { max_attempts: 3, backoff_ms: 0 });
      const accepted = await h.executeAsync(id);
      await h.until(accepted.body.id, 'running');

      const started = Date.now();
      const response = await h.cancel(accepted.body.id);
      expect(response.status).toBe(202);
      expect(response.body.id).toBe(accepted.body.id);
      expect(['running', 'cancelled']).toContain(response.body.status);
      const settled = await h.until(accepted.body.id, 'final', 3000);
      expect(settled.status).toBe('cancelled');
      expect(Date.now() - started).toBeLessThan(2000);

      await delay(200); // backoff is 0: a retry would have shown up by now
      expect((await h.history(id)).map((e) => [e.id, e.status])).toEqual([[accepted.body.id, 'cancelled']]);
    });

    it('cancels a running run that ignores its signal after CANCEL_GRACE_MS; its late result is ignored', async () => {
      const gate = h.gate('stubborn');
      const id = await h.createInstance('Stubborn cancel', { mode: 'wait', gate, label: 'stubborn' });
      const pending = h.execute(id); // a sync caller waiting on the outcome
      const running = await waitFor(async () => (await h.history(id))[0], 'the run to be recorded');
      await h.until(running.id, 'running');

      const started = Date.now();
      const response = await h.cancel(running.id);
      expect(response.status).toBe(202);
      expect(response.body.id).toBe(running.id);
      const settled = await h.until(running.id, 'final', 3000);
      const elapsed = Date.now() - started;
      expect(settled.status).toBe('cancelled');
      expect(elapsed).toBeGreaterThanOrEqual(150); // CANCEL_GRACE_MS is 200: it waited for the handler first
      expect(elapsed).toBeLessThan(2500);

      const syncAnswer = await pending;
      expect(syncAnswer.status).toBe(200);
      expect(syncAnswer.body).toMatchObject({ id: running.id, status: 'cancelled' });

      const instanceBefore = (await app.get(`${INSTANCES}/${id}`)).body;
      releaseRun(gate); // the handler now returns { waited: true }: too late
      await delay(150);
      const after = await h.execution(running.id);
      expect(after.status).toBe('cancelled');
      expect(after.result).not.toEqual(expect.objectContaining({ waited: true }));
      const instanceAfter = (await app.get(`${INSTANCES}/${id}`)).body;
      expect(instanceAfter.status).toBe(instanceBefore.status);
      expect(instanceAfter.last_result).toEqual(instanceBefore.last_result);
      expect((await h.history(id)).map((e) => e.status)).toEqual(['cancelled']);
    });

    it('answers 409 execution-finished for a finished run and 404 execution-not-found for an unknown one', async () => {
      const id = await h.createInstance('Finished cancel', { mode: 'ok' });
      const run = (await h.execute(id)).body;
      expect(run.status).toBe('succeeded');
      expectProblem(await h.cancel(run.id), 409, 'execution-finished');
      expect((await h.execution(run.id)).status).toBe('succeeded');

      expectProblem(await h.cancel('00000000-0000-0000-0000-000000000000'), 404, 'execution-not-found');
    });
  });

  describe('timeouts', () => {
    it('ends a run whose handler ignores its signal as timed_out (error.type timeout) after timeout_ms + grace', async () => {
      const gate = h.gate('slow');
      const id = await h.createInstance('Timeout ignoring', { mode: 'wait', gate, label: 'slow' }, { timeout_ms: 300 });
      const started = Date.now();
      const response = await h.execute(id);
      const elapsed = Date.now() - started;
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ status: 'timed_out', error: { type: 'timeout' }, attempt: 1 });
      expect(elapsed).toBeGreaterThanOrEqual(450); // timeout_ms 300, then CANCEL_GRACE_MS 200 for the handler to stop
      expect(elapsed).toBeLessThan(3000);

      releaseRun(gate);
      await delay(100);
      const after = await h.execution(response.body.id);
      expect(after.status).toBe('timed_out');
      expect(after.result).not.toEqual(expect.objectContaining({ waited: true }));
      expect((await h.history(id)).map((e) => e.status)).toEqual(['timed_out']);
    });
  });

  describe('retries', () => {
    it('retries a failing handler: fail_times 2 with max_attempts 3 -> attempts 1, 2, 3; the last succeeds', async () => {
      const label = h.unique('flaky');
      const id = await h.createInstance('Flaky', { mode: 'fail_times', label, fail_times: 2 }, { max_attempts: 3, backoff_ms: 200 });
      const response = await h.execute(id);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ status: 'succeeded', attempt: 3, result: { ok: true, attempt: 3 }, error: null });
      expect(attemptsSeen(label)).toBe(3);

      const history = await h.history(id);
      expect(history.map((e) => e.attempt)).toEqual([3, 2, 1]);
      expect(history.map((e) => e.status)).toEqual(['succeeded', 'failed', 'failed']);
      const first = history[2];
      expect(first.retry_of).toBeNull();
      expect(history[1].retry_of).toBe(first.id);
      expect(history[0].retry_of).toBe(first.id);
      expect(history[0].id).toBe(response.body.id);
      expect(history[1].error).toMatchObject({ type: 'handler_error', message: 'attempt 2 failed on purpose' });

      // Backoff: 200 ms * 2^(n-1), jittered 0.5x..1.5x, between one attempt's end and the next one's start.
      const gap = (later: Execution, earlier: Execution) => Date.parse(later.started_at!) - Date.parse(earlier.finished_at!);
      expect(gap(history[1], history[2])).toBeGreaterThanOrEqual(90);
      expect(gap(history[0], history[1])).toBeGreaterThanOrEqual(190);

      const instance = (await app.get(`${INSTANCES}/${id}`)).body;
      expect(instance).toMatchObject({ status: 'active', last_result: { ok: true, attempt: 3 } });
    });

    it('gives up after max_attempts: max_attempts 2 with fail_times 5 -> two failed rows, instance error', async () => {
      const label = h.unique('broken');
      const id = await h.createInstance('Broken', { mode: 'fail_times', label, fail_times: 5 }, { max_attempts: 2, backoff_ms: 20 });
      const response = await h.execute(id);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ status: 'failed', attempt: 2, error: { type: 'handler_error', message: 'attempt 2 failed on purpose' } });

      await delay(200);
      expect(attemptsSeen(label)).toBe(2);
      const history = await h.history(id);
      expect(history.map((e) => [e.attempt, e.status])).toEqual([[2, 'failed'], [1, 'failed']]);
      expect(history[1].retry_of).toBeNull();
      expect(history[0].retry_of).toBe(history[1].id);

      const instance = (await app.get(`${INSTANCES}/${id}`)).body;
      expect(instance.status).toBe('error');
    });

    it('keeps the instance busy during the backoff, and a cancelled retry ends the chain', async () => {
      const label = h.unique('cancel-retry');
      const id = await h.createInstance('Cancel retry', { mode: 'fail_times', label, fail_times: 5 }, { max_attempts: 3, backoff_ms: 400 });
      const pending = h.execute(id);
      const retry = await waitFor(async () => (await h.history(id)).find((e) => e.attempt === 2), 'the second attempt to be recorded', 3000);
      expect(retry.status).toBe('queued'); // waiting out its backoff (200..600 ms)
      expect(attemptsSeen(label)).toBe(1);

      const busy = await h.executeAsync(id);
      expectProblem(busy, 409, 'execution-in-progress');
      expect(busy.body.execution_id).toBe(retry.id);

      const cancelled = await h.cancel(retry.id);
      expect(cancelled.status).toBe(202);
      expect(cancelled.body).toMatchObject({ id: retry.id, status: 'cancelled', attempt: 2 });
      const answer = await pending;
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ id: retry.id, status: 'cancelled' });

      await delay(1000); // longer than any jittered backoff before attempt 2 or 3
      expect(attemptsSeen(label)).toBe(1);
      expect((await h.history(id)).map((e) => [e.attempt, e.status])).toEqual([[2, 'cancelled'], [1, 'failed']]);
    });

    it('retries timed-out attempts too', async () => {
      const gate = h.gate('timeout-retry');
      const id = await h.createInstance('Timeout retry', { mode: 'wait_abortable', gate }, { timeout_ms: 150, max_attempts: 2, backoff_ms: 0 });
      const response = await h.execute(id);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ status: 'timed_out', attempt: 2, error: { type: 'timeout' } });
      const history = await h.history(id);
      expect(history.map((e) => [e.attempt, e.status])).toEqual([[2, 'timed_out'], [1, 'timed_out']]);
      expect(history[0].retry_of).toBe(history[1].id);
    });
  });

  describe('execution_policy', () => {
    it('fills the defaults on an instance created without one', async () => {
      const id = await h.createInstance('Default policy', { mode: 'ok' });
      expect((await app.get(`${INSTANCES}/${id}`)).body.execution_policy).toEqual(DEFAULT_POLICY);
      const listed = (await app.get(`${INSTANCES}?template_id=fixture_function&limit=500`)).body.items.find((i: { id: string }) => i.id === id);
      expect(listed.execution_policy).toEqual(DEFAULT_POLICY);
    });

    it('keeps a full policy given on create, fills a partial one, and merges partial updates on PUT', async () => {
      const full = { timeout_ms: 5000, max_attempts: 4, backoff_ms: 250, disable_after_failures: 3 };
      const created = await app.post(INSTANCES, { template_id: 'fixture_function', name: h.unique('Full policy'), config: { mode: 'ok' }, execution_policy: full });
      expect(created.status).toBe(201);
      expect(created.body.execution_policy).toEqual(full);

      const id = await h.createInstance('Partial policy', { mode: 'ok' }, { max_attempts: 3 });
      expect((await app.get(`${INSTANCES}/${id}`)).body.execution_policy).toEqual({ ...DEFAULT_POLICY, max_attempts: 3 });

      const withTimeout = await app.put(`${INSTANCES}/${id}`, { execution_policy: { timeout_ms: 60000 } });
      expect(withTimeout.status).toBe(200);
      expect(withTimeout.body.execution_policy).toEqual({ ...DEFAULT_POLICY, timeout_ms: 60000, max_attempts: 3 });

      const cleared = await app.put(`${INSTANCES}/${id}`, { execution_policy: { timeout_ms: null, backoff_ms: 0, disable_after_failures: 2 } });
      expect(cleared.status).toBe(200);
      expect(cleared.body.execution_policy).toEqual({ timeout_ms: null, max_attempts: 3, backoff_ms: 0, disable_after_failures: 2 });
      const never = await app.put(`${INSTANCES}/${id}`, { execution_policy: { disable_after_failures: null } });
      expect(never.body.execution_policy).toEqual({ timeout_ms: null, max_attempts: 3, backoff_ms: 0, disable_after_failures: null });
      expect((await app.get(`${INSTANCES}/${id}`)).body.execution_policy).toEqual({ timeout_ms: null, max_attempts: 3, backoff_ms: 0, disable_after_failures: null });
    });

    it('accepts the boundary values', async () => {
      const low = { timeout_ms: 100, max_attempts: 1, backoff_ms: 0, disable_after_failures: 1 };
      const high = { timeout_ms: 86_400_000, max_attempts: 10, backoff_ms: 3_600_000, disable_after_failures: 1000 };
      const id = await h.createInstance('Boundary policy', { mode: 'ok' }, low);
      expect((await app.get(`${INSTANCES}/${id}`)).body.execution_policy).toEqual(low);
      const updated = await app.put(`${INSTANCES}/${id}`, { execution_policy: high });
      expect(updated.status).toBe(200);
      expect(updated.body.execution_policy).toEqual(high);
    });

    it.each([
      [{ max_attempts: 0 }, '/execution_policy/max_attempts'],
      [{ max_attempts: 11 }, '/execution_policy/max_attempts'],
      [{ max_attempts: 2.5 }, '/execution_policy/max_attempts'],
      [{ backoff_ms: -1 }, '/execution_policy/backoff_ms'],
      [{ backoff_ms: 3_600_001 }, '/execution_policy/backoff_ms'],
      [{ timeout_ms: 99 }, '/execution_policy/timeout_ms'],
      [{ timeout_ms: 86_400_001 }, '/execution_policy/timeout_ms'],
      [{ disable_after_failures: 0 }, '/execution_policy/disable_after_failures'],
      [{ disable_after_failures: 1001 }, '/execution_policy/disable_after_failures'],
      [{ disable_after_failures: '5' }, '/execution_policy/disable_after_failures'],
      ['fast', '/execution_policy'],
    ])('rejects execution_policy %j with 400 at %s on POST and PUT, changing nothing', async (policy, pointer) => {
      const name = h.unique('Bad policy');
      const post = await app.post(INSTANCES, { template_id: 'fixture_function', name, config: { mode: 'ok' }, execution_policy: policy });
      expectProblem(post, 400, 'validation-failed');
      expect(post.body.errors.map((e: { path: string }) => e.path)).toContain(pointer);
      expect((await app.get(`${INSTANCES}?q=${encodeURIComponent(name)}`)).body.items).toEqual([]);

      const id = await h.createInstance('Policy target', { mode: 'ok' }, { max_attempts: 2 });
      const before = (await app.get(`${INSTANCES}/${id}`)).body;
      const put = await app.put(`${INSTANCES}/${id}`, { execution_policy: policy });
      expectProblem(put, 400, 'validation-failed');
      expect(put.body.errors.map((e: { path: string }) => e.path)).toContain(pointer);
      const after = (await app.get(`${INSTANCES}/${id}`)).body;
      expect(after.execution_policy).toEqual({ ...DEFAULT_POLICY, max_attempts: 2 });
      expect(after.version).toBe(before.version);
    });

    it('rejects unknown execution_policy fields', async () => {
      const response = await app.post(INSTANCES, { template_id: 'fixture_function', name: h.unique('Unknown policy field'), config: { mode: 'ok' }, execution_policy: { retries: 3 } });
      expectProblem(response, 400, 'validation-failed');
    });
  });

  describe('Idempotency-Key', () => {
    it('returns the same execution for the same key on the same instance; other keys and instances differ', async () => {
      const gate = h.gate('idem');
      const id = await h.createInstance('Idempotent', { mode: 'wait', gate, label: 'idem' });
      const key = h.unique('key');

      const first = await h.executeAsync(id, { 'idempotency-key': key });
      expect(first.status).toBe(202);
      const second = await h.executeAsync(id, { 'idempotency-key': key });
      expect(second.status).toBe(202);
      expect(second.body.id).toBe(first.body.id);
      expect(second.headers.get('location')).toBe(`${EXECUTIONS}/${first.body.id}`);

      // A different key is a different request: refused while the first run holds the instance.
      const otherKey = await h.executeAsync(id, { 'idempotency-key': h.unique('key') });
      expectProblem(otherKey, 409, 'execution-in-progress');
      expect(otherKey.body.execution_id).toBe(first.body.id);

      // Without Prefer, the same key waits for that execution to settle and answers 200 with it.
      await h.until(first.body.id, 'running');
      const syncSameKey = h.execute(id, { 'idempotency-key': key });
      await delay(100);
      releaseRun(gate);
      const settled = await syncSameKey;
      expect(settled.status).toBe(200);
      expect(settled.body).toMatchObject({ id: first.body.id, status: 'succeeded', result: { waited: true, label: 'idem' } });

      const replay = await h.execute(id, { 'idempotency-key': key });
      expect(replay.status).toBe(200);
      expect(replay.body.id).toBe(first.body.id);
      expect((await h.history(id)).map((e) => e.id)).toEqual([first.body.id]);

      // The same key on another instance is not the same request.
      const otherInstance = await h.createInstance('Idempotent other', { mode: 'ok' });
      const elsewhere = await h.execute(otherInstance, { 'idempotency-key': key });
      expect(elsewhere.status).toBe(200);
      expect(elsewhere.body.id).not.toBe(first.body.id);
      expect(elsewhere.body.instance_id).toBe(otherInstance);

      // A new key on the now idle instance starts a new run.
      await app.put(`${INSTANCES}/${id}`, { config: { mode: 'ok' } });
      const fresh = await h.execute(id, { 'idempotency-key': h.unique('key') });
      expect(fresh.status).toBe(200);
      expect(fresh.body.id).not.toBe(first.body.id);
      expect(await h.history(id)).toHaveLength(2);
    });

    it('gives every concurrent request with the same key the same execution', async () => {
      const gate = h.gate('idem-race');
      const id = await h.createInstance('Idempotent race', { mode: 'wait', gate });
      const key = h.unique('race-key');
      const responses = await Promise.all(Array.from({ length: 20 }, () => h.executeAsync(id, { 'idempotency-key': key })));
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(202));
      expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
      await h.until(responses[0].body.id, 'running');
      releaseRun(gate);
      expect((await h.until(responses[0].body.id, 'final')).status).toBe('succeeded');
      expect(await h.history(id)).toHaveLength(1);
    });

    it('forgets a key after 24 hours: the same key then starts a new run', async () => {
      const id = await h.createInstance('Idempotent expiry', { mode: 'ok' });
      const key = h.unique('old-key');
      const first = await h.execute(id, { 'idempotency-key': key });
      expect(first.status).toBe(200);
      // Age the run past the window, behind the service's back.
      await app.app
        .get(DataSource)
        .createQueryBuilder()
        .update(PluginExecutionEntity)
        .set({ created_at: Date.now() / 1000 - 25 * 3600 })
        .where('id = :id', { id: first.body.id })
        .execute();
      const second = await h.execute(id, { 'idempotency-key': key });
      expect(second.status).toBe(200);
      expect(second.body.id).not.toBe(first.body.id);
      expect(second.body.status).toBe('succeeded');
      const again = await h.execute(id, { 'idempotency-key': key });
      expect(again.body.id).toBe(second.body.id);
    });

    it('accepts a 200-character key', async () => {
      const id = await h.createInstance('Long key', { mode: 'ok' });
      const key = 'k'.repeat(200);
      const first = await h.execute(id, { 'idempotency-key': key });
      expect(first.status).toBe(200);
      const again = await h.execute(id, { 'idempotency-key': key });
      expect(again.body.id).toBe(first.body.id);
    });

    it.each([
      ['too long (201 chars)', 'k'.repeat(201)],
      ['empty', ''],
      ['with a tab', 'a\tb'],
    ])('rejects a key that is %s with 400 validation-failed and starts nothing', async (_what, key) => {
      const id = await h.createInstance('Bad key', { mode: 'ok' });
      expectProblem(await h.executeAsync(id, { 'idempotency-key': key }), 400, 'validation-failed');
      expectProblem(await h.execute(id, { 'idempotency-key': key }), 400, 'validation-failed');
      expect(await h.history(id)).toEqual([]);
    });
  });

  describe('logs and progress', () => {
    it('stores ctx.log lines in order and the latest progress on the run', async () => {
      const id = await h.createInstance('Logger', { mode: 'log', lines: 5 });
      const run = (await h.execute(id)).body;
      expect(run.status).toBe('succeeded');
      expect(run.result).toEqual({ logged: 5 });
      expect(run.progress).toEqual({ current: 5, total: 5 });

      const logs = await app.get(`${EXECUTIONS}/${run.id}/logs`);
      expect(logs.status).toBe(200);
      expect(logs.body.items.map((l: { level: string; message: string }) => [l.level, l.message])).toEqual([
        ['info', 'line 1 of 5'],
        ['warn', 'line 2 of 5'],
        ['info', 'line 3 of 5'],
        ['warn', 'line 4 of 5'],
        ['info', 'line 5 of 5'],
      ]);
      const times = logs.body.items.map((l: { at: string }) => l.at);
      for (const at of times) expect(new Date(at).toISOString()).toBe(at);
      expect([...times].sort()).toEqual(times);
    });

    it('answers an empty list for a run that logged nothing, and 404 for an unknown run', async () => {
      const id = await h.createInstance('Quiet logger', { mode: 'log', lines: 0 });
      const run = (await h.execute(id)).body;
      const logs = await app.get(`${EXECUTIONS}/${run.id}/logs`);
      expect(logs.status).toBe(200);
      expect(logs.body.items).toEqual([]);
      expectProblem(await app.get(`${EXECUTIONS}/00000000-0000-0000-0000-000000000000/logs`), 404, 'execution-not-found');
    });
  });
});

/**
 * With a long CANCEL_GRACE_MS, a handler that honours ctx.signal must end well before the grace
 * period: this proves cancel and timeout abort the signal rather than only abandoning the handler.
 */
describe('execution engine: signal-honouring handlers stop before the grace period (e2e)', () => {
  let app: TestApp;
  const h = helpers(() => app);

  beforeAll(async () => {
    app = await TestApp.start({ env: { EXECUTION_CONCURRENCY: '2', CANCEL_GRACE_MS: '5000', SHUTDOWN_GRACE_MS: '200' } });
  });
  afterEach(() => h.releaseAll());
  afterAll(async () => {
    h.releaseAll();
    await app.close();
    app.removeData();
  });

  it('cancels a wait_abortable run as soon as its handler rejects', async () => {
    const gate = h.gate('quick-cancel');
    const id = await h.createInstance('Quick cancel', { mode: 'wait_abortable', gate });
    const accepted = await h.executeAsync(id);
    await h.until(accepted.body.id, 'running');
    const started = Date.now();
    expect((await h.cancel(accepted.body.id)).status).toBe(202);
    const settled = await h.until(accepted.body.id, 'final', 4000);
    expect(settled.status).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('times out a wait_abortable run as soon as its handler rejects', async () => {
    const gate = h.gate('quick-timeout');
    const id = await h.createInstance('Quick timeout', { mode: 'wait_abortable', gate }, { timeout_ms: 200 });
    const started = Date.now();
    const response = await h.execute(id);
    expect(response.body).toMatchObject({ status: 'timed_out', error: { type: 'timeout' } });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

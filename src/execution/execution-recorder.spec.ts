import { EntityManager } from 'typeorm';
import { ManualClock } from '../common/clock';
import { Settings } from '../config/settings';
import { TransactionService } from '../database/transaction.service';
import { InstancesService } from '../instances/instances.service';
import { PluginInstanceEntity } from '../instances/plugin-instance.entity';
import { ExecutionEvents } from './execution-events';
import { ExecutionQueue } from './execution-queue';
import { ExecutionRecorder } from './execution-recorder';
import { ExecutionRepository } from './execution.repository';
import { HistoryCounts } from './history-counts';
import { PluginExecutionEntity, UNFINISHED_EXECUTION_STATUSES } from './plugin-execution.entity';
import { RunOutcome } from './run-outcome';
import { RunRegistry } from './run-registry';
import { UpstreamTrigger } from './upstream-trigger';

const FAILED: RunOutcome = { status: 'failed', result: null, error: { type: 'handler_error', message: 'disk full' } };
const SUCCEEDED: RunOutcome = { status: 'succeeded', result: { rows: 3 }, error: null };

/** The recorder over an in-memory table of runs and an instance that only records what it is told. */
function setUp(policy: { max_attempts?: number; backoff_ms?: number } = {}, options: { enabled?: boolean; historyLimit?: number } = {}) {
  const rows = new Map<string, PluginExecutionEntity>();
  const enqueued: { id: string; notBefore: number | null | undefined }[] = [];
  const outcomes: { instanceId: string; lastResult: Record<string, unknown> }[] = [];
  const pruned: { instanceId: string; keep: number }[] = [];
  const instance = Object.assign(new PluginInstanceEntity(), { id: 'instance-1', template_id: 'fake', version: 4, enabled: options.enabled ?? true, execution_policy: policy });
  const executions = {
    newAttempt: ExecutionRepository.prototype.newAttempt,
    findInTransaction: async (_manager: EntityManager, id: string) => (rows.has(id) ? { ...rows.get(id)! } : null),
    insert: async (_manager: EntityManager, row: PluginExecutionEntity) => void rows.set(row.id, row),
    finish: async (_manager: EntityManager, id: string, outcome: RunOutcome, _progress: unknown, finishedAt: number, durationMs: number | null) => {
      const row = rows.get(id);
      if (!row || !UNFINISHED_EXECUTION_STATUSES.includes(row.status)) return false;
      Object.assign(row, { status: outcome.status, result: outcome.result, error: outcome.error, finished_at: finishedAt, duration_ms: durationMs });
      return true;
    },
    countForInstance: async (_manager: EntityManager, instanceId: string) => [...rows.values()].filter((row) => row.instance_id === instanceId).length,
    pruneOlderThanNewest: async (_manager: EntityManager, instanceId: string, keep: number) => {
      pruned.push({ instanceId, keep });
      return 0;
    },
  } as unknown as ExecutionRepository;
  const instances = {
    findInTransaction: async () => instance,
    applyRunOutcome: async (_manager: EntityManager, instanceId: string, outcome: { lastResult: Record<string, unknown> }) => void outcomes.push({ instanceId, lastResult: outcome.lastResult }),
  } as unknown as InstancesService;
  const transactions = { run: async <T>(work: (manager: EntityManager) => Promise<T>) => work({} as EntityManager) } as unknown as TransactionService;
  const queue = { enqueue: (id: string, notBefore?: number | null) => void enqueued.push({ id, notBefore }) } as unknown as ExecutionQueue;
  const events = new ExecutionEvents(new ManualClock());
  const registry = new RunRegistry();
  const counts = new HistoryCounts();
  const settings = { executionHistoryLimit: options.historyLimit ?? 100 } as Settings;
  // Successes count toward dependents; these instances have none.
  const upstream = { upstreamSucceeded: async () => [], enqueue: () => undefined } as unknown as UpstreamTrigger;
  const recorder = new ExecutionRecorder(executions, instances, transactions, queue, events, registry, counts, settings, upstream, new ManualClock());

  const first = executions.newAttempt(instance, { trigger: { type: 'manual' }, attempt: 1, retryOf: null, idempotencyKey: null, notBefore: null, triggeredBy: 'key-1', running: true });
  rows.set(first.id, first);
  return { recorder, rows, enqueued, outcomes, pruned, events, registry, counts, instance, first };
}

describe('ExecutionRecorder', () => {
  it('finishes a successful run: the row, the instance last run, the settled chain; nothing is queued', async () => {
    const t = setUp();
    const settled = t.events.waitSettled(t.first.id);
    const finished = await t.recorder.finish(t.first.id, SUCCEEDED, { current: 3 }, true);
    expect(finished).toMatchObject({ id: t.first.id, status: 'succeeded', result: { rows: 3 }, error: null, progress: { current: 3 } });
    expect(t.rows.get(t.first.id)!.status).toBe('succeeded');
    expect(t.outcomes).toEqual([{ instanceId: 'instance-1', lastResult: { rows: 3 } }]);
    expect(await settled).toBe(finished);
    expect(t.enqueued).toEqual([]);
  });

  it('queues the next attempt of a failed run with attempts left, after the jittered backoff, and does not settle', async () => {
    const t = setUp({ max_attempts: 3, backoff_ms: 1_000 });
    let settled = false;
    void t.events.waitSettled(t.first.id).then(() => (settled = true));
    const finished = await t.recorder.finish(t.first.id, FAILED, null, true);
    expect(finished.status).toBe('failed');
    const retries = [...t.rows.values()].filter((row) => row.attempt === 2);
    expect(retries).toHaveLength(1);
    const [retry] = retries;
    expect(retry).toMatchObject({ status: 'queued', retry_of: t.first.id, trigger: { type: 'retry', payload: { previous_execution_id: t.first.id }, original: { type: 'manual' } }, triggered_by: 'key-1', config_version: 4 });
    const delayMs = (retry.not_before! - finished.finished_at!) * 1000;
    expect(delayMs).toBeGreaterThanOrEqual(500 - 1);
    expect(delayMs).toBeLessThanOrEqual(1_500 + 1);
    expect(t.enqueued).toEqual([{ id: retry.id, notBefore: retry.not_before }]);
    expect(t.outcomes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);

    // The retry chain's next attempts point at the first one, and the last failure settles it.
    await t.recorder.finish(retry.id, FAILED, null, true, retry);
    const third = [...t.rows.values()].find((row) => row.attempt === 3)!;
    expect(third.retry_of).toBe(t.first.id);
    const last = await t.recorder.finish(third.id, FAILED, null, true, third);
    expect([...t.rows.values()]).toHaveLength(3);
    expect(t.outcomes).toEqual([{ instanceId: 'instance-1', lastResult: { status: 'error', error: FAILED.error } }]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(true);
    expect(last.status).toBe('failed');
  });

  it.each([
    ['the outcome may not be retried (a cancel or an interruption told to stop)', { max_attempts: 3 }, {}, false, false],
    ['the instance was disabled meanwhile', { max_attempts: 3 }, { enabled: false }, true, false],
    ['the server is shutting down', { max_attempts: 3 }, {}, true, true],
  ])('does not retry when %s', async (_name, policy, options, mayRetry, shuttingDown) => {
    const t = setUp(policy, options);
    if (shuttingDown) t.registry.beginShutdown();
    await t.recorder.finish(t.first.id, FAILED, null, mayRetry);
    expect(t.rows.size).toBe(1);
    expect(t.enqueued).toEqual([]);
    expect(t.outcomes).toHaveLength(1);
  });

  it('records a cancel on the run only: the instance keeps its last run', async () => {
    const t = setUp({ max_attempts: 3 });
    const cancelled = await t.recorder.finish(t.first.id, { status: 'cancelled', result: null, error: { type: 'cancelled', message: 'cancelled on request' } }, null, false);
    expect(cancelled.status).toBe('cancelled');
    expect(t.outcomes).toEqual([]);
  });

  it('lets the first outcome stand when the row finished meanwhile', async () => {
    const t = setUp();
    await t.recorder.finish(t.first.id, { status: 'cancelled', result: null, error: { type: 'cancelled', message: 'cancelled on request' } }, null, false);
    const late = await t.recorder.finish(t.first.id, SUCCEEDED, null, true, t.first);
    expect(late.status).toBe('cancelled');
    expect(t.outcomes).toEqual([]);
  });

  it('prunes history only once the instance may be over its limit', async () => {
    const t = setUp({}, { historyLimit: 2 });
    await t.recorder.finish(t.first.id, SUCCEEDED, null, true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.pruned).toEqual([]); // the unknown count was read: one run, within the limit
    for (let i = 0; i < 3; i++) t.counts.added('instance-1'); // now known to be 4, over the limit of 2
    const again = ExecutionRepository.prototype.newAttempt(t.instance, { trigger: { type: 'manual' }, attempt: 1, retryOf: null, idempotencyKey: null, notBefore: null, triggeredBy: null, running: true });
    t.rows.set(again.id, again);
    await t.recorder.finish(again.id, SUCCEEDED, null, true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.pruned).toEqual([{ instanceId: 'instance-1', keep: 2 }]);
  });
});

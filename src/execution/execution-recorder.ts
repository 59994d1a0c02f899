import { Injectable, Logger, Optional } from '@nestjs/common';
import { Clock } from '../common/clock';
import { NotFoundError } from '../common/domain-errors';
import { nowEpochSeconds } from '../common/time';
import { Settings } from '../config/settings';
import { TransactionService } from '../database/transaction.service';
import { InstancesService } from '../instances/instances.service';
import { executionPolicyOf } from '../instances/plugin-instance.entity';
import { ExecutionProgress } from '../sdk/types';
import { ExecutionEvents } from './execution-events';
import { ExecutionQueue } from './execution-queue';
import { ExecutionRepository } from './execution.repository';
import { HistoryCounts } from './history-counts';
import { PluginExecutionEntity, UNFINISHED_EXECUTION_STATUSES } from './plugin-execution.entity';
import { FINAL_STATUSES_RETRIED, retryDelayMs, RunOutcome } from './run-outcome';
import { RunOutcomeListener } from './run-outcome-listener';
import { RunRegistry } from './run-registry';
import { UpstreamTrigger } from './upstream-trigger';

/**
 * Records how attempts end: the finished row, the next attempt when the policy retries, the instance's
 * last run once a chain settles, and history retention. A finished run is never rewritten.
 */
@Injectable()
export class ExecutionRecorder {
  private readonly logger = new Logger(ExecutionRecorder.name);

  constructor(
    private readonly executions: ExecutionRepository,
    private readonly instances: InstancesService,
    private readonly transactions: TransactionService,
    private readonly queue: ExecutionQueue,
    private readonly events: ExecutionEvents,
    private readonly registry: RunRegistry,
    private readonly historyCounts: HistoryCounts,
    private readonly settings: Settings,
    private readonly upstream: UpstreamTrigger,
    private readonly clock: Clock,
    // Optional: unit tests build the recorder without one.
    @Optional() private readonly outcomeListener?: RunOutcomeListener,
  ) {}

  /**
   * Records an attempt's outcome. A failed or timed-out attempt with attempts left queues the next one;
   * otherwise the chain settles and the instance records it. `known` is the row as this process started
   * it (a run in flight here): it is finished with one conditional UPDATE instead of being read first.
   */
  async finish(id: string, outcome: RunOutcome, progress: ExecutionProgress | null, mayRetry: boolean, known: PluginExecutionEntity | null = null): Promise<PluginExecutionEntity> {
    let result: { execution: PluginExecutionEntity | null; retry: PluginExecutionEntity | null; final: boolean; dependents?: PluginExecutionEntity[] };
    try {
      // Unrefusable: the finished row leaves the one-unfinished-run index, so a retry row cannot clash on it,
      // dependents' runs are inserted unless the index refuses them, and nothing else written here is covered by a unique index.
      result = await this.transactions.run(async (manager) => {
        let current = known;
        const finishedAt = nowEpochSeconds();
        if (!current) {
          current = await this.executions.findInTransaction(manager, id);
          if (!current) return { execution: null, retry: null, final: false };
          if (!UNFINISHED_EXECUTION_STATUSES.includes(current.status)) return { execution: current, retry: null, final: false };
        }
        const changes = {
          status: outcome.status,
          result: outcome.result,
          error: outcome.error,
          ...(progress ? { progress } : {}),
          finished_at: finishedAt,
          duration_ms: current.started_at === null ? null : Math.max(0, Math.round((finishedAt - current.started_at) * 1000)),
        };
        if (!(await this.executions.finish(manager, id, outcome, progress, finishedAt, changes.duration_ms))) {
          // Finished meanwhile (a cancel of a queued row, say): the first outcome stands.
          return { execution: await this.executions.findInTransaction(manager, id), retry: null, final: false };
        }
        // A copy: the row as it was is still queued for event-stream watchers (the 'running' event).
        const execution: PluginExecutionEntity = Object.assign(Object.create(PluginExecutionEntity.prototype) as PluginExecutionEntity, current, changes);

        if (mayRetry && !this.registry.shuttingDown && FINAL_STATUSES_RETRIED.includes(outcome.status)) {
          // Only a retry needs the instance's policy (a past version's, for a run of one); successes never read it.
          const current = await this.instances.findInTransaction(manager, execution.instance_id);
          const instance = current && execution.pinned_version !== null ? await this.instances.atVersion(manager, current, execution.pinned_version) : current;
          if (instance && instance.enabled && execution.attempt < executionPolicyOf(instance).max_attempts) {
            const nextAttempt = execution.attempt + 1;
            // By the Clock, which the queue holds the retry against (run timestamps stay the system's).
            const notBefore = this.clock.nowSeconds() + retryDelayMs(executionPolicyOf(instance).backoff_ms, nextAttempt) / 1000;
            const next = this.executions.newAttempt(instance, {
              trigger: { type: 'retry', payload: { previous_execution_id: execution.id }, original: execution.trigger.type === 'retry' ? execution.trigger.original : execution.trigger },
              attempt: nextAttempt,
              retryOf: execution.retry_of ?? execution.id,
              idempotencyKey: null,
              notBefore,
              triggeredBy: execution.triggered_by,
              running: false,
              pinnedVersion: execution.pinned_version,
            });
            // After the attempt it retries in the history's order, even when both fall in the same millisecond.
            next.created_at = Math.max(next.created_at, execution.created_at + 0.001);
            await this.executions.insert(manager, next);
            this.historyCounts.added(next.instance_id);
            return { execution, retry: next, final: false };
          }
        }
        const succeeded = outcome.status === 'succeeded';
        const streak =
          outcome.status === 'cancelled'
            ? null
            : await this.instances.applyRunOutcome(manager, execution.instance_id, {
                finishedAt,
                lastResult: succeeded ? (outcome.result ?? {}) : (outcome.result ?? { status: 'error', error: outcome.error }),
                failed: !succeeded,
                readStreak: succeeded && (this.outcomeListener?.wantsStreak(execution) ?? false),
              });
        const dependents = succeeded ? await this.upstream.upstreamSucceeded(manager, execution, finishedAt) : [];
        if (this.outcomeListener) await this.outcomeListener.runSettled(manager, execution, streak);
        return { execution, retry: null, final: true, dependents };
      }, { unrefusable: true });
    } catch (error) {
      // A retry row counted in a transaction that did not commit: count the instance again.
      if (known) this.historyCounts.forget(known.instance_id);
      throw error;
    }
    const { execution, retry, final, dependents } = result;
    if (!execution) throw new NotFoundError('execution-not-found', 'execution', id);
    this.events.changed(execution.id, { type: 'status', execution });
    if (retry) {
      this.events.queued(retry);
      this.queue.enqueue(retry.id, retry.not_before);
    }
    if (dependents) this.upstream.enqueue(dependents);
    if (final) {
      this.events.settled(execution.retry_of ?? execution.id, execution);
      this.outcomeListener?.settledCommitted(execution);
      // Retention runs after the run is recorded, never holds it up, and only when the instance may be over its limit.
      if (this.historyCounts.mayExceed(execution.instance_id, this.settings.executionHistoryLimit)) {
        void this.pruneHistory(execution.instance_id).catch((error: Error) => {
          this.historyCounts.forget(execution.instance_id);
          this.logger.warn(`history pruning failed: ${error.message}`);
        });
      }
    }
    return execution;
  }

  /** Keeps the newest EXECUTION_HISTORY_LIMIT runs of an instance; unfinished runs are never pruned. */
  async pruneHistory(instanceId: string): Promise<void> {
    const limit = this.settings.executionHistoryLimit;
    await this.transactions.run(async (manager) => {
      const known = this.historyCounts.snapshot(instanceId);
      let count = known.count ?? (await this.executions.countForInstance(manager, instanceId));
      if (count > limit) {
        const deleted = await this.executions.pruneOlderThanNewest(manager, instanceId, limit);
        count -= deleted;
        // Nothing to delete although the count said so: it was off; read it again.
        if (deleted === 0) count = await this.executions.countForInstance(manager, instanceId);
      }
      this.historyCounts.settle(instanceId, count, known.mark);
    });
  }
}

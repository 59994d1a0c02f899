import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ConflictError, DomainError, NotFoundError } from '../common/domain-errors';
import { Page } from '../common/pagination';
import { TransactionService } from '../database/transaction.service';
import { isUniqueViolation } from '../database/unique-violation';
import { configErrorConflict } from '../instances/config-error';
import { InstancesService } from '../instances/instances.service';
import { PluginInstanceEntity } from '../instances/plugin-instance.entity';
import { Principal } from '../auth/principal';
import { ExecutionTrigger } from '../sdk/types';
import { TemplateRegistryService } from '../templates/template-registry.service';
import { itemOf, planStream, positionOf, StreamItem, StreamPlan } from './event-replay';
import { ExecutionEvents, LoggedChange } from './execution-events';
import { ExecutionQueue, QueueSlot } from './execution-queue';
import { ExecutionRecorder } from './execution-recorder';
import { MAX_LOG_LINES, ExecutionRunner } from './execution-runner';
import { ExecutionCounts, ExecutionRepository, ListExecutionsQuery } from './execution.repository';
import { HistoryCounts } from './history-counts';
import { PluginExecutionEntity, PluginExecutionLogEntity, UNFINISHED_EXECUTION_STATUSES } from './plugin-execution.entity';
import { isAhead, phaseOf } from './run-event-log';
import { RunOutcome } from './run-outcome';
import { RunRegistry } from './run-registry';

export type { ListExecutionsQuery } from './execution.repository';

export interface ExecuteOptions {
  /** Return once the run is queued instead of waiting for its final outcome. */
  async: boolean;
  idempotencyKey?: string;
  /** Who asked for the run; recorded as triggered_by. */
  principal: Principal;
  /** The schedule slot (epoch seconds) the run is for: a second run of the same slot is refused (SlotAlreadyFiredError). */
  scheduledFor?: number;
  /** Run this past version's config (execute?version=N) instead of the current one; the instance is not changed. */
  version?: number;
  /** More to write in the transaction that admits the run (the scheduler's bookkeeping): both commit, or neither. */
  alsoInTransaction?: (manager: EntityManager) => Promise<unknown>;
}

/** The slot already has its run (another process, or an earlier tick, fired it). */
export class SlotAlreadyFiredError extends Error {
  constructor(readonly instanceId: string, readonly scheduledFor: number) {
    super(`slot ${new Date(scheduledFor * 1000).toISOString()} of instance ${instanceId} already has its run`);
    this.name = 'SlotAlreadyFiredError';
  }
}

const IDEMPOTENCY_WINDOW_S = 24 * 3600;

type Admitted = { execution: PluginExecutionEntity; instance: PluginInstanceEntity };

/**
 * The engine's front door: admits runs (checks, idempotency, the one-unfinished-run rule), and answers
 * get, list, cancel and watch. Runs are claimed by the orchestrator, executed by the runner and recorded
 * by the recorder; a synchronous run with a free queue slot is started here directly.
 */
@Injectable()
export class ExecutionService {
  private readonly logger = new Logger(ExecutionService.name);

  constructor(
    private readonly executions: ExecutionRepository,
    private readonly transactions: TransactionService,
    private readonly instances: InstancesService,
    private readonly templates: TemplateRegistryService,
    private readonly queue: ExecutionQueue,
    private readonly events: ExecutionEvents,
    private readonly registry: RunRegistry,
    private readonly runner: ExecutionRunner,
    private readonly recorder: ExecutionRecorder,
    private readonly historyCounts: HistoryCounts,
  ) {}

  /**
   * Accepts a run and either returns it at once (async: queued) or waits for its final attempt. A
   * synchronous run that finds a free slot in the queue is inserted as running and started here, which
   * saves the queued row's round trip through the queue; otherwise it is queued like an async one.
   */
  async execute(instanceId: string, trigger: ExecutionTrigger, options: ExecuteOptions): Promise<PluginExecutionEntity> {
    if (options.idempotencyKey) {
      // A repeat is answered before the instance's state is checked.
      const instance = await this.instances.get(instanceId);
      const earlier = await this.findByIdempotencyKey(instance.id, options.idempotencyKey);
      if (earlier) return options.async ? earlier : this.settledOf(earlier);
    }
    const slot = options.async ? null : this.queue.reserveSlot();
    let accepted: { execution: PluginExecutionEntity; settled: Promise<PluginExecutionEntity> | null };
    try {
      accepted = await this.registry.track(this.accept(instanceId, trigger, options, slot));
    } catch (error) {
      slot?.release();
      // A request with the same key that arrived together won the race: answer with its run.
      const winner = error instanceof ConflictError ? await this.findByIdempotencyKey(instanceId, options.idempotencyKey) : null;
      if (winner) return options.async ? winner : this.settledOf(winner);
      throw error;
    }
    const { execution, settled: started } = accepted;
    if (started) return started;
    const settled = options.async ? null : this.untilSettledOrShutdown(execution.id);
    this.events.queued(execution);
    this.queue.enqueue(execution.id);
    return settled ? settled : execution;
  }

  /** Cancels a queued run at once, or signals a running one (abandoned after CANCEL_GRACE_MS). */
  async cancel(executionId: string): Promise<PluginExecutionEntity> {
    const execution = await this.get(executionId);
    if (!UNFINISHED_EXECUTION_STATUSES.includes(execution.status)) {
      throw new ConflictError('execution-finished', `execution '${executionId}' already ended (${execution.status})`);
    }
    const outcome: RunOutcome = { status: 'cancelled', result: null, error: { type: 'cancelled', message: 'cancelled on request' } };
    const run = this.registry.get(executionId);
    if (run) {
      this.runner.stop(run, outcome, new Error('cancelled on request'));
      return this.get(executionId);
    }
    // Queued (or orphaned): nothing is executing it here, so it ends now.
    return this.recorder.finish(executionId, outcome, null, false);
  }

  /**
   * The changes of one execution as they happen, for a client that has seen up to `lastEventId` (see
   * planStream): what it missed or a snapshot, then every status change and progress report, ending with
   * the final status. Null when the client already has the final status. Throws 404 before yielding anything.
   */
  async watch(executionId: string, lastEventId: string | undefined, signal: AbortSignal): Promise<AsyncIterable<StreamItem> | null> {
    const from = positionOf(lastEventId);
    const log = this.events.log;
    // Forget what is due first: once subscribed, the run is watched and kept.
    log.sweep();
    const pending: LoggedChange[] = [];
    let wake: (() => void) | null = null;
    const unsubscribe = this.events.onChange(executionId, (change) => {
      pending.push(change);
      wake?.();
    });
    let plan: StreamPlan;
    try {
      plan = planStream(log, executionId, await this.get(executionId), from);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    if (plan.done) {
      unsubscribe();
      return null;
    }
    const { items, after } = plan;
    let phase = plan.phase;
    signal.addEventListener('abort', () => wake?.(), { once: true });
    const events = this.events;
    const offClose = events.onClose(() => wake?.());
    return (async function* () {
      try {
        yield* items;
        while (phase !== 'f' && !signal.aborted && !events.closed) {
          if (pending.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
          while (pending.length > 0 && phase !== 'f') {
            const logged = pending.shift()!;
            // Already in the plan, or a status the client has (from a row read just after it was committed).
            if (logged.seq <= after) continue;
            if (logged.change.type === 'status') {
              if (!isAhead(phaseOf(logged.change.execution), phase)) continue;
              phase = phaseOf(logged.change.execution);
            }
            yield itemOf(log, logged, phase);
          }
        }
      } finally {
        unsubscribe();
        offClose();
      }
    })();
  }

  async get(id: string): Promise<PluginExecutionEntity> {
    const execution = await this.executions.findCommitted(id);
    if (!execution) throw new NotFoundError('execution-not-found', 'execution', id);
    return execution;
  }

  async listLogs(executionId: string): Promise<PluginExecutionLogEntity[]> {
    await this.get(executionId);
    return this.executions.listCommittedLogs(executionId, MAX_LOG_LINES);
  }

  /** Every run, counted by status and by what started it. */
  stats(): Promise<ExecutionCounts> {
    return this.executions.countByStatusAndTrigger();
  }

  async listForInstance(instanceId: string, query: ListExecutionsQuery): Promise<Page<PluginExecutionEntity>> {
    await this.instances.get(instanceId);
    return this.executions.pageForInstance(instanceId, query);
  }

  /** The final attempt of a chain, or the chain's latest row if the server starts shutting down first. */
  private async untilSettledOrShutdown(rootId: string, settled = this.events.waitSettled(rootId)): Promise<PluginExecutionEntity> {
    let stopWaiting = (): void => undefined;
    const closed = new Promise<null>((resolve) => (stopWaiting = this.events.onClose(() => resolve(null))));
    // The shutdown listener goes once the run settles: a server taking many waiting runs keeps none of them.
    const outcome = await Promise.race([settled, closed]).finally(stopWaiting);
    if (outcome) return outcome;
    const latest = await this.registry.track(this.executions.latestOfChain(rootId));
    // A run still executing here is recorded (interrupted at worst) before the server closes: wait for that.
    if (latest && this.registry.has(latest.id)) return settled;
    return latest ?? this.get(rootId);
  }

  private async findByIdempotencyKey(instanceId: string, key: string | undefined): Promise<PluginExecutionEntity | null> {
    if (!key) return null;
    return this.executions.findByIdempotencyKey(instanceId, key, IDEMPOTENCY_WINDOW_S);
  }

  /** The final attempt of the chain `execution` belongs to, waiting for it when the chain is still going. */
  private async settledOf(execution: PluginExecutionEntity): Promise<PluginExecutionEntity> {
    const rootId = execution.retry_of ?? execution.id;
    const waiting = this.untilSettledOrShutdown(rootId);
    const latest = await this.executions.latestOfChain(rootId);
    if (latest && !UNFINISHED_EXECUTION_STATUSES.includes(latest.status)) {
      if (!(await this.executions.hasUnfinishedRetry(rootId))) return latest;
    }
    return waiting;
  }

  /**
   * Checks the instance can run and inserts its first attempt in one transaction: queued, or running
   * when `slot` is given, in which case the run is started (and registered in flight) as soon as the row
   * is committed, before anything else can look for it.
   */
  private async accept(
    instanceId: string,
    trigger: ExecutionTrigger,
    options: ExecuteOptions,
    slot: QueueSlot | null,
  ): Promise<{ execution: PluginExecutionEntity; settled: Promise<PluginExecutionEntity> | null }> {
    const idempotencyKey = options.idempotencyKey ?? null;
    let started: Admitted | null = null;
    try {
      const known = slot && !idempotencyKey && options.version === undefined ? this.registry.runnableAt(instanceId) : undefined;
      if (known) started = await this.startKnown(known, trigger, options.principal.keyId);
      // Not known, or changed since: read it.
      started ??= await this.transactions.run(async (manager) => {
        const instance = await this.instances.findInTransaction(manager, instanceId);
        if (!instance) throw new NotFoundError('instance-not-found', 'instance', instanceId);
        if (this.registry.shuttingDown) throw new DomainError('service-unavailable', 'the server is shutting down and takes no new runs');
        if (!instance.enabled) throw new ConflictError('instance-disabled', `instance '${instance.name}' is disabled; enable it to run it`);
        // A slot read by the scheduler before its schedule was disabled or removed does not run.
        if (options.scheduledFor !== undefined && !instance.schedule?.enabled) {
          throw new ConflictError('instance-disabled', `the schedule of instance '${instance.name}' is disabled or removed; slot not run`);
        }
        this.templates.require(instance.template_id, 'run');
        // A config that could not be migrated to the loaded template version does not run, past versions included.
        if (instance.config_error) throw configErrorConflict({ ...instance, config_error: instance.config_error });
        const runAs = options.version === undefined ? instance : await this.instances.atVersion(manager, instance, options.version);
        if (!runAs) throw new DomainError('version-not-found', `instance '${instance.name}' has no version ${options.version}: it was never written, or is older than the newest INSTANCE_HISTORY_LIMIT kept`);
        if (idempotencyKey) {
          // A key older than the window may be used again: forget it on the old run. Only there: a run
          // within the window holds its key (a racing request with the same key then fails on the index
          // and gets that run), and nulling it even briefly would hide it from the others' lookups.
          await this.executions.forgetExpiredIdempotencyKey(manager, instance.id, idempotencyKey, IDEMPOTENCY_WINDOW_S);
        }
        const execution = this.executions.newAttempt(runAs, {
          trigger,
          attempt: 1,
          retryOf: null,
          idempotencyKey,
          notBefore: null,
          triggeredBy: options.principal.keyId,
          running: slot !== null,
          scheduledFor: options.scheduledFor ?? null,
          pinnedVersion: options.version ?? null,
        });
        // The partial unique index refuses a second unfinished run of the instance.
        await this.executions.insert(manager, execution);
        if (options.alsoInTransaction) await options.alsoInTransaction(manager);
        this.historyCounts.added(execution.instance_id);
        return { execution, instance: runAs };
      }, { singleWrite: !idempotencyKey && !options.alsoInTransaction });
    } catch (error) {
      if (options.scheduledFor !== undefined && isUniqueViolation(error, { index: 'uq_plugin_executions_slot', column: 'scheduled_for' })) {
        throw new SlotAlreadyFiredError(instanceId, options.scheduledFor);
      }
      if (!isUniqueViolation(error)) {
        if (!(error instanceof DomainError)) this.historyCounts.forget(instanceId);
        throw error;
      }
      // Another run holds the instance; the index had the last word.
      const running = await this.executions.unfinishedRunOfInstance(instanceId);
      const instance = await this.instances.get(instanceId);
      throw this.alreadyRunning(instance, running);
    }
    if (slot) {
      const { execution, instance } = started;
      // The instance as it is now, for the next run's fast path (not a past version's content).
      if (execution.pinned_version === null) this.registry.rememberRunnable(instance, execution.config_version);
      this.events.changed(execution.id, { type: 'status', execution });
      // Waiting for the outcome starts before the run does.
      const settled = this.untilSettledOrShutdown(execution.id);
      void this.runner
        .start(execution, instance)
        .catch((error: Error) => this.logger.error(`run ${execution.id} failed: ${error.stack ?? error.message}`))
        .finally(() => slot.release());
      return { execution, settled };
    }
    return { execution: started.execution, settled: null };
  }

  /**
   * Starts a run of an instance known from an earlier read, in one statement that checks the instance is
   * still enabled and unchanged; null when it is not (the caller then reads it).
   */
  private async startKnown(known: { instance: PluginInstanceEntity; version: number }, trigger: ExecutionTrigger, triggeredBy: string | null): Promise<Admitted | null> {
    const { instance } = known;
    if (!this.templates.get(instance.template_id)) return null;
    return this.transactions.run(
      async (manager) => {
        // The version as of now, inside the transaction: a run finished in between may have moved it on.
        const version = known.version;
        if (this.registry.shuttingDown) return null;
        const execution = this.executions.newAttempt(instance, { trigger, attempt: 1, retryOf: null, idempotencyKey: null, notBefore: null, triggeredBy, running: true });
        execution.config_version = version;
        if (!(await this.executions.insertStartedIfCurrent(manager, execution, version))) {
          this.registry.forgetRunnable(instance.id);
          return null;
        }
        this.historyCounts.added(instance.id);
        return { execution, instance };
      },
      { singleWrite: true },
    );
  }

  private alreadyRunning(instance: PluginInstanceEntity, executionId: string | null): ConflictError {
    return new ConflictError('execution-in-progress', `instance '${instance.name}' already has a run in progress`, {
      extensions: executionId ? { execution_id: executionId } : {},
      location: executionId ? `/api/plugins/executions/${executionId}` : undefined,
    });
  }
}

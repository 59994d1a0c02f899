import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, LessThanOrEqual, MoreThan, Repository } from 'typeorm';
import { ConflictError, DomainError, NotFoundError } from '../common/domain-errors';
import { DEFAULT_PAGE_LIMIT, decodeCursor, Page, toPage } from '../common/pagination';
import { nowEpochSeconds } from '../common/time';
import { Settings } from '../config/settings';
import { TransactionService } from '../database/transaction.service';
import { isUniqueViolation } from '../database/unique-violation';
import { InstancesService } from '../instances/instances.service';
import { executionPolicyOf, PluginInstanceEntity } from '../instances/plugin-instance.entity';
import { Principal } from '../auth/principal';
import { ExecutionContext, ExecutionProgress, ExecutionTrigger, LogLevel } from '../sdk/types';
import { SecretScrubber } from '../secrets/secret-scrubber';
import { SecretsService, SecretUnreadableError } from '../secrets/secrets.service';
import { RegisteredTemplate, TemplateRegistryService } from '../templates/template-registry.service';
import { ExecutionChange, ExecutionEvents } from './execution-events';
import { ExecutionQueue, QueueSlot } from './execution-queue';
import { HistoryCounts } from './history-counts';
import { ExecutionError, ExecutionStatus, PluginExecutionEntity, PluginExecutionLogEntity, UNFINISHED_EXECUTION_STATUSES } from './plugin-execution.entity';
import { READER_CONNECTION } from '../database/database.options';
import { EntityStatements } from '../database/entity-statements';
import { jsonText } from '../database/json.transformer';
import { NamedSql } from '../database/named-sql';

interface RunOutcome {
  status: Extract<ExecutionStatus, 'succeeded' | 'failed' | 'interrupted' | 'cancelled' | 'timed_out'>;
  result: Record<string, unknown> | null;
  error: ExecutionError | null;
}

export interface ListExecutionsQuery {
  status?: ExecutionStatus;
  limit?: number;
  cursor?: string;
}

export interface ExecuteOptions {
  /** Return once the run is queued instead of waiting for its final outcome. */
  async: boolean;
  idempotencyKey?: string;
  /** Who asked for the run; recorded as triggered_by. */
  principal: Principal;
}

const PROGRESS_WRITE_INTERVAL_MS = 1000;
const LOG_FLUSH_INTERVAL_MS = 250;
const MAX_LOG_LINES = 10_000;
const MAX_LOG_MESSAGE = 8_000;
const IDEMPOTENCY_WINDOW_S = 24 * 3600;
/** Instances remembered for starting runs without reading them first (see `startKnown`). */
const RUNNABLE_CACHE_SIZE = 10_000;

/**
 * Inserts a first attempt as running, but only while the instance is still enabled and at the version the
 * caller knows (every write to an instance bumps its version): one statement instead of a read and an insert.
 * The casts type the parameters for PostgreSQL; SQLite takes them as column affinities.
 */
const START_KNOWN = new NamedSql(`INSERT INTO plugin_executions (id, instance_id, template_id, status, "trigger", attempt, config_version, created_at, started_at, triggered_by)
  SELECT CAST(:id AS TEXT), id, template_id, 'running', CAST(:trigger AS TEXT), 1, version, CAST(:createdAt AS DOUBLE PRECISION), CAST(:createdAt AS DOUBLE PRECISION), CAST(:triggeredBy AS TEXT)
  FROM plugin_instances WHERE id = :instanceId AND version = :version AND enabled = 1`);

/** Records an attempt's outcome unless it has one already; a null progress keeps the stored one. */
const FINISH = new NamedSql(`UPDATE plugin_executions
  SET status = :status, result = :result, error = :error, progress = COALESCE(CAST(:progress AS TEXT), progress),
    finished_at = CAST(:finishedAt AS DOUBLE PRECISION), duration_ms = CAST(:durationMs AS INTEGER)
  WHERE id = :id AND status IN (${UNFINISHED_EXECUTION_STATUSES.map((status) => `'${status}'`).join(', ')})`);

/** A run this process is executing: how to stop it, and what it reported. */
interface InFlightRun {
  controller: AbortController;
  latestProgress: ExecutionProgress | null;
  /** Set when the run was told to stop (cancel, timeout, shutdown): the outcome it ends with. */
  stopOutcome: RunOutcome | null;
  /** Ends the wait for a handler that ignores its signal. */
  abandon(outcome: RunOutcome): void;
  timers: NodeJS.Timeout[];
  /** Set once the outcome is decided: later log lines and progress are ignored. */
  closed: boolean;
  logs: { at: number; level: string; message: string }[];
  logCount: number;
  /** Settles once the outcome is recorded. */
  recorded: Promise<unknown>;
  /** Masks the instance's secret values in everything the run reports: result, error, logs, progress. */
  scrub: SecretScrubber;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Outcomes that use up an attempt and may be retried; a cancel is final. */
const FINAL_STATUSES_RETRIED: ExecutionStatus[] = ['failed', 'timed_out', 'interrupted'];

/** Turns whatever a handler returned into the run's outcome; the soft-error style counts as a failure. */
export function classifyResult(returned: unknown): RunOutcome {
  if (returned === undefined) return { status: 'succeeded', result: {}, error: null };
  if (!isPlainObject(returned)) {
    return { status: 'failed', result: null, error: { type: 'invalid_result', message: `handler returned ${Array.isArray(returned) ? 'an array' : typeof returned}; expected a JSON object` } };
  }
  let result: Record<string, unknown>;
  try {
    result = JSON.parse(JSON.stringify(returned)) as Record<string, unknown>;
  } catch (error) {
    return { status: 'failed', result: null, error: { type: 'invalid_result', message: `handler result is not JSON-serialisable: ${(error as Error).message}` } };
  }
  if (result.status === 'error') {
    const message = [result.message, result.error, result.detail].find((value) => typeof value === 'string') as string | undefined;
    return { status: 'failed', result, error: { type: 'handler_error', message: message ?? 'handler reported status "error"' } };
  }
  return { status: 'succeeded', result, error: null };
}

/** Delay before attempt `nextAttempt` (2, 3, ...): backoff doubling per attempt, times a jitter of 0.5x-1.5x. */
export function retryDelayMs(backoffMs: number, nextAttempt: number, random = Math.random): number {
  return Math.round(backoffMs * 2 ** (nextAttempt - 2) * (0.5 + random()));
}

/**
 * Accepts runs, queues them, runs handlers with timeouts and cancellation, retries by policy and
 * records every attempt. The database holds every state; one unfinished run per instance is enforced
 * by a partial unique index.
 */
@Injectable()
export class ExecutionService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ExecutionService.name);
  private readonly inFlight = new Map<string, InFlightRun>();
  /** Lookups answering waiting callers at shutdown; the database stays open until they are done. */
  private readonly shutdownAnswers = new Set<Promise<unknown>>();
  /** Runs being inserted as running that start once committed; shutdown waits for them to be in flight. */
  private readonly starting = new Set<Promise<unknown>>();
  private readonly historyCounts = new HistoryCounts();
  /** Instances as of the version they were read or last run at, to start their next run in one statement. */
  private readonly runnable = new Map<string, { instance: PluginInstanceEntity; version: number }>();
  private shuttingDown = false;
  private readonly inserter: EntityStatements<PluginExecutionEntity>;

  constructor(
    @InjectRepository(PluginExecutionEntity) private readonly executions: Repository<PluginExecutionEntity>,
    @InjectRepository(PluginExecutionLogEntity) private readonly logs: Repository<PluginExecutionLogEntity>,
    /** Committed rows only, for what the API answers with (see READER_CONNECTION). */
    @InjectRepository(PluginExecutionEntity, READER_CONNECTION) private readonly committedExecutions: Repository<PluginExecutionEntity>,
    @InjectRepository(PluginExecutionLogEntity, READER_CONNECTION) private readonly committedLogs: Repository<PluginExecutionLogEntity>,
    private readonly transactions: TransactionService,
    private readonly instances: InstancesService,
    private readonly templates: TemplateRegistryService,
    private readonly queue: ExecutionQueue,
    private readonly events: ExecutionEvents,
    private readonly settings: Settings,
    private readonly secrets: SecretsService,
  ) {
    this.inserter = new EntityStatements(executions.manager.connection, PluginExecutionEntity);
  }

  onModuleInit(): void {
    this.queue.process((executionId) => this.runQueued(executionId));
  }

  /** Crash recovery: runs a dead process left running are interrupted (and retried if attempts remain); queued ones are queued again. */
  async onApplicationBootstrap(): Promise<void> {
    const stale = await this.executions.find({ where: { status: In(UNFINISHED_EXECUTION_STATUSES) }, order: { created_at: 'ASC' } });
    let interrupted = 0;
    for (const execution of stale) {
      if (execution.status === 'running') {
        interrupted++;
        await this.finish(execution.id, { status: 'interrupted', result: null, error: { type: 'interrupted', message: 'the server stopped while this run was in progress' } }, null, true);
      } else {
        this.queue.enqueue(execution.id, execution.not_before);
      }
    }
    if (stale.length > 0) this.logger.warn(`recovered ${interrupted} interrupted and ${stale.length - interrupted} queued run(s) left by a previous process`);
  }

  /** On shutdown: stop taking runs, give running handlers the grace period, then record them as interrupted. */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    this.queue.close();
    // Callers waiting on queued runs (or retries in backoff) get the run as it is; it resumes at the next boot.
    this.events.close();
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.allSettled([...this.shutdownAnswers, ...this.starting]);
    if (this.inFlight.size === 0) return;
    this.logger.warn(`shutting down with ${this.inFlight.size} run(s) in progress; waiting up to ${this.settings.shutdownGraceMs} ms`);
    const recorded = () => Promise.allSettled([...this.inFlight.values()].map(({ recorded }) => recorded));
    await Promise.race([recorded(), delay(this.settings.shutdownGraceMs)]);
    for (const run of this.inFlight.values()) {
      const outcome: RunOutcome = { status: 'interrupted', result: null, error: { type: 'interrupted', message: 'the server shut down before the run finished' } };
      run.stopOutcome = outcome;
      run.controller.abort(new Error('server shutting down'));
      run.abandon(outcome);
    }
    await recorded();
  }

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
      const start = this.accept(instanceId, trigger, options, slot);
      this.starting.add(start);
      accepted = await start.finally(() => this.starting.delete(start));
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
    const run = this.inFlight.get(executionId);
    if (run) {
      this.stop(run, outcome, new Error('cancelled on request'));
      return this.get(executionId);
    }
    // Queued (or orphaned): nothing is executing it here, so it ends now.
    return this.finish(executionId, outcome, null, false);
  }

  /**
   * The changes of one execution as they happen: its current row first, then every status change and
   * progress report, ending with its final row. Throws 404 before yielding anything.
   */
  async watch(executionId: string, signal: AbortSignal): Promise<AsyncIterable<ExecutionChange>> {
    const pending: ExecutionChange[] = [];
    let wake: (() => void) | null = null;
    const unsubscribe = this.events.onChange(executionId, (change) => {
      pending.push(change);
      wake?.();
    });
    let current: PluginExecutionEntity;
    try {
      current = await this.get(executionId);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    signal.addEventListener('abort', () => wake?.(), { once: true });
    const events = this.events;
    void events.whenClosed().then(() => wake?.());
    return (async function* () {
      try {
        yield { type: 'status', execution: current } as ExecutionChange;
        let finished = !UNFINISHED_EXECUTION_STATUSES.includes(current.status);
        while (!finished && !signal.aborted && !events.closed) {
          if (pending.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
          while (pending.length > 0) {
            const change = pending.shift()!;
            yield change;
            if (change.type === 'status' && !UNFINISHED_EXECUTION_STATUSES.includes(change.execution.status)) {
              finished = true;
              break;
            }
          }
        }
      } finally {
        unsubscribe();
      }
    })();
  }

  async get(id: string): Promise<PluginExecutionEntity> {
    const execution = await this.committedExecutions.findOneBy({ id });
    if (!execution) throw new NotFoundError('execution-not-found', 'execution', id);
    return execution;
  }

  async listLogs(executionId: string): Promise<PluginExecutionLogEntity[]> {
    await this.get(executionId);
    return this.committedLogs.find({ where: { execution_id: executionId }, order: { id: 'ASC' }, take: MAX_LOG_LINES });
  }

  async listForInstance(instanceId: string, query: ListExecutionsQuery): Promise<Page<PluginExecutionEntity>> {
    await this.instances.get(instanceId);
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const builder = this.committedExecutions.createQueryBuilder('e').where('e.instance_id = :instanceId', { instanceId });
    if (query.status) builder.andWhere('e.status = :status', { status: query.status });
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      builder.andWhere('(e.created_at < :createdAt OR (e.created_at = :createdAt AND e.id < :id))', { createdAt: after.createdAt, id: after.id });
    }
    const rows = await builder.orderBy('e.created_at', 'DESC').addOrderBy('e.id', 'DESC').take(limit + 1).getMany();
    return toPage(rows, limit, (row) => ({ createdAt: row.created_at, id: row.id }), (row) => row);
  }

  /** The final attempt of a chain, or the chain's latest row if the server starts shutting down first. */
  private async untilSettledOrShutdown(rootId: string, settled = this.events.waitSettled(rootId)): Promise<PluginExecutionEntity> {
    const outcome = await Promise.race([settled, this.events.whenClosed().then(() => null)]);
    if (outcome) return outcome;
    const lookup = this.executions.findOne({ where: [{ id: rootId }, { retry_of: rootId }], order: { attempt: 'DESC' } });
    this.shutdownAnswers.add(lookup);
    const latest = await lookup.finally(() => this.shutdownAnswers.delete(lookup));
    // A run still executing here is recorded (interrupted at worst) before the server closes: wait for that.
    if (latest && this.inFlight.has(latest.id)) return settled;
    return latest ?? this.get(rootId);
  }

  private async findByIdempotencyKey(instanceId: string, key: string | undefined): Promise<PluginExecutionEntity | null> {
    if (!key) return null;
    return this.executions.findOne({ where: { instance_id: instanceId, idempotency_key: key, created_at: MoreThan(nowEpochSeconds() - IDEMPOTENCY_WINDOW_S) } });
  }

  /** The final attempt of the chain `execution` belongs to, waiting for it when the chain is still going. */
  private async settledOf(execution: PluginExecutionEntity): Promise<PluginExecutionEntity> {
    const rootId = execution.retry_of ?? execution.id;
    const waiting = this.untilSettledOrShutdown(rootId);
    const latest = await this.executions.findOne({ where: [{ id: rootId }, { retry_of: rootId }], order: { attempt: 'DESC' } });
    if (latest && !UNFINISHED_EXECUTION_STATUSES.includes(latest.status)) {
      const retryPending = await this.executions.exist({ where: { retry_of: rootId, status: In(UNFINISHED_EXECUTION_STATUSES) } });
      if (!retryPending) return latest;
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
    let started: { execution: PluginExecutionEntity; instance: PluginInstanceEntity } | null = null;
    try {
      const known = slot && !idempotencyKey ? this.runnable.get(instanceId) : undefined;
      if (known) started = await this.startKnown(known, trigger, options.principal.keyId);
      // Not known, or changed since: read it.
      started ??= await this.transactions.run(async (manager) => {
        const instance = await manager.findOneBy(PluginInstanceEntity, { id: instanceId });
        if (!instance) throw new NotFoundError('instance-not-found', 'instance', instanceId);
        if (this.shuttingDown) throw new DomainError('service-unavailable', 'the server is shutting down and takes no new runs');
        if (!instance.enabled) throw new ConflictError('instance-disabled', `instance '${instance.name}' is disabled; enable it to run it`);
        if (!this.templates.get(instance.template_id)) {
          throw new ConflictError('template-unavailable', `template '${instance.template_id}' is not loaded in this server; see GET /api/plugins/load-errors`);
        }
        if (idempotencyKey) {
          // A key older than the window may be used again: forget it on the old run. Only there: a run
          // within the window holds its key (a racing request with the same key then fails on the index
          // and gets that run), and nulling it even briefly would hide it from the others' lookups.
          await manager.update(
            PluginExecutionEntity,
            { instance_id: instance.id, idempotency_key: idempotencyKey, created_at: LessThanOrEqual(nowEpochSeconds() - IDEMPOTENCY_WINDOW_S) },
            { idempotency_key: null },
          );
        }
        const execution = this.newAttempt(manager, instance, trigger, 1, null, idempotencyKey, null, options.principal.keyId, slot !== null);
        // The partial unique index refuses a second unfinished run of the instance.
        await this.insertExecution(manager, execution);
        return { execution, instance };
      }, { singleWrite: !idempotencyKey });
    } catch (error) {
      if (!isUniqueViolation(error)) {
        if (!(error instanceof DomainError)) this.historyCounts.forget(instanceId);
        throw error;
      }
      // Another run holds the instance; the index had the last word.
      const running = await this.executions.findOne({ where: { instance_id: instanceId, status: In(UNFINISHED_EXECUTION_STATUSES) }, select: { id: true } });
      const instance = await this.instances.get(instanceId);
      throw this.alreadyRunning(instance, running?.id);
    }
    if (slot) {
      this.remember(started.instance, started.execution.config_version);
      this.events.changed(started.execution.id, { type: 'status', execution: started.execution });
      // Waiting for the outcome starts before the run does.
      const settled = this.untilSettledOrShutdown(started.execution.id);
      void this.startRun(started.execution, started.instance)
        .catch((error: Error) => this.logger.error(`run ${started.execution.id} failed: ${error.stack ?? error.message}`))
        .finally(() => slot.release());
      return { execution: started.execution, settled };
    }
    return { execution: started.execution, settled: null };
  }

  /**
   * Starts a run of an instance known from an earlier read, in one statement that checks the instance is
   * still enabled and unchanged; null when it is not (the caller then reads it).
   */
  private async startKnown(
    known: { instance: PluginInstanceEntity; version: number },
    trigger: ExecutionTrigger,
    triggeredBy: string | null,
  ): Promise<{ execution: PluginExecutionEntity; instance: PluginInstanceEntity } | null> {
    const { instance } = known;
    if (!this.templates.get(instance.template_id)) return null;
    return this.transactions.run(
      async (manager) => {
        // The version as of now, inside the transaction: a run finished in between may have moved it on.
        const version = known.version;
        if (this.shuttingDown) return null;
        const execution = this.newAttempt(manager, instance, trigger, 1, null, null, null, triggeredBy, true);
        execution.config_version = version;
        const inserted = await START_KNOWN.execute(manager, {
          id: execution.id,
          trigger: JSON.stringify(trigger),
          createdAt: execution.created_at,
          triggeredBy,
          instanceId: instance.id,
          version,
        });
        if (!inserted) {
          this.runnable.delete(instance.id);
          return null;
        }
        this.historyCounts.added(instance.id);
        return { execution, instance };
      },
      { singleWrite: true },
    );
  }

  /** Remembers an instance at `version` for `startKnown`, the oldest forgotten past RUNNABLE_CACHE_SIZE. */
  private remember(instance: PluginInstanceEntity, version: number): void {
    this.runnable.delete(instance.id);
    this.runnable.set(instance.id, { instance, version });
    if (this.runnable.size > RUNNABLE_CACHE_SIZE) this.runnable.delete(this.runnable.keys().next().value!);
  }

  /** Inserts a new execution row (no read-back: every column is set here). */
  private async insertExecution(manager: EntityManager, execution: PluginExecutionEntity): Promise<void> {
    await this.inserter.insert(manager, execution);
    this.historyCounts.added(execution.instance_id);
  }

  private newAttempt(
    manager: EntityManager,
    instance: PluginInstanceEntity,
    trigger: ExecutionTrigger,
    attempt: number,
    retryOf: string | null,
    idempotencyKey: string | null,
    notBefore: number | null,
    triggeredBy: string | null,
    running = false,
  ): PluginExecutionEntity {
    const createdAt = nowEpochSeconds();
    return manager.create(PluginExecutionEntity, {
      id: randomUUID(),
      instance_id: instance.id,
      template_id: instance.template_id,
      status: running ? 'running' : 'queued',
      trigger,
      attempt,
      config_version: instance.version,
      created_at: createdAt,
      started_at: running ? createdAt : null,
      finished_at: null,
      duration_ms: null,
      progress: null,
      result: null,
      error: null,
      retry_of: retryOf,
      idempotency_key: idempotencyKey,
      not_before: notBefore,
      triggered_by: triggeredBy,
    });
  }

  private alreadyRunning(instance: PluginInstanceEntity, executionId: string | undefined): ConflictError {
    return new ConflictError('execution-in-progress', `instance '${instance.name}' already has a run in progress`, {
      extensions: executionId ? { execution_id: executionId } : {},
      location: executionId ? `/api/plugins/executions/${executionId}` : undefined,
    });
  }

  /** The queue's worker: claims a queued row, runs it, records the outcome. */
  private async runQueued(executionId: string): Promise<void> {
    const claimed = await this.transactions.run(async (manager) => {
      const execution = await manager.findOneBy(PluginExecutionEntity, { id: executionId });
      if (!execution || execution.status !== 'queued') return null;
      const instance = await manager.findOneBy(PluginInstanceEntity, { id: execution.instance_id });
      if (!instance) return null;
      const startedAt = nowEpochSeconds();
      // Conditional: whoever else may pick up queued rows, only one claim succeeds.
      const claim = await manager.update(PluginExecutionEntity, { id: executionId, status: 'queued' }, { status: 'running', started_at: startedAt, config_version: instance.version });
      if (claim.affected === 0) return null;
      Object.assign(execution, { status: 'running', started_at: startedAt, config_version: instance.version });
      return { execution, instance };
    }, { singleWrite: true });
    if (!claimed) return;
    this.events.changed(claimed.execution.id, { type: 'status', execution: claimed.execution });
    await this.startRun(claimed.execution, claimed.instance);
  }

  /** Runs a claimed (running) execution and records its outcome; in flight from the first, synchronous step. */
  private async startRun(execution: PluginExecutionEntity, instance: PluginInstanceEntity): Promise<void> {
    const template = this.templates.get(instance.template_id);

    let abandon: (outcome: RunOutcome) => void = () => undefined;
    const abandoned = new Promise<RunOutcome>((resolve) => (abandon = resolve));
    const run: InFlightRun = { controller: new AbortController(), latestProgress: null, stopOutcome: null, abandon, timers: [], closed: false, logs: [], logCount: 0, recorded: abandoned, scrub: SecretScrubber.NONE };
    this.inFlight.set(execution.id, run);
    const timeoutMs = executionPolicyOf(instance).timeout_ms ?? template?.timeoutMs ?? null;
    if (timeoutMs) {
      run.timers.push(
        setTimeout(() => {
          const error = { type: 'timeout', message: `the run exceeded its timeout of ${timeoutMs} ms` };
          this.stop(run, { status: 'timed_out', result: null, error }, Object.assign(new Error(error.message), { name: 'TimeoutError' }));
        }, timeoutMs),
      );
    }
    run.recorded = (async () => {
      let config: Record<string, unknown> | null = null;
      let unreadable: Error | null = null;
      try {
        // Secrets are decrypted here, only to hand the config to the handler.
        const opened = this.secrets.open(instance.id, instance.config);
        run.scrub = this.secrets.scrubberFor(opened, template?.configSchema.secrets ?? []);
        config = opened.config;
      } catch (error) {
        unreadable = error instanceof SecretUnreadableError ? error : new Error(`the stored config cannot be read: ${(error as Error).message}`);
      }
      const handled = unreadable
        ? Promise.resolve<RunOutcome>({ status: 'failed', result: null, error: { type: 'config_invalid', message: unreadable.message } })
        : template
          ? this.runHandler(execution, instance, config!, template, run)
          : Promise.resolve<RunOutcome>({ status: 'failed', result: null, error: { type: 'template_unavailable', message: `template '${instance.template_id}' is not loaded` } });
      let outcome: RunOutcome;
      try {
        outcome = await Promise.race([handled, abandoned]);
      } catch (error) {
        // A failure of the engine itself (not the handler) still ends the run, so nobody waits forever.
        outcome = { status: 'failed', result: null, error: { type: 'internal_error', message: `the run could not complete: ${(error as Error).message}` } };
      }
      run.closed = true;
      run.timers.forEach(clearTimeout);
      await this.flushLogs(execution.id, run).catch((error: Error) => this.logger.warn(`logs of ${execution.id} not stored: ${error.message}`));
      // A run told to stop ends as it was told, whatever the handler did after its signal aborted.
      return this.finish(execution.id, run.scrub.value(run.stopOutcome ?? outcome), run.latestProgress, !run.stopOutcome || run.stopOutcome.status === 'timed_out', execution);
    })();
    try {
      await run.recorded;
    } finally {
      this.inFlight.delete(execution.id);
    }
  }

  /** Aborts the handler's signal and gives it CANCEL_GRACE_MS to stop before the run is abandoned. */
  private stop(run: InFlightRun, outcome: RunOutcome, reason: Error): void {
    if (run.stopOutcome) return;
    run.stopOutcome = outcome;
    run.controller.abort(reason);
    run.timers.push(setTimeout(() => run.abandon(outcome), this.settings.cancelGraceMs));
  }

  private async runHandler(execution: PluginExecutionEntity, instance: PluginInstanceEntity, config: Record<string, unknown>, template: RegisteredTemplate, run: InFlightRun): Promise<RunOutcome> {
    const validation = await this.templates.validateConfig(template, config);
    if (!validation.valid) {
      return {
        status: 'failed',
        result: null,
        error: {
          type: 'config_invalid',
          message: `the stored config is no longer valid for template '${template.id}' ${template.version}: ${validation.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
          errors: validation.errors,
        },
      };
    }
    try {
      return classifyResult(await template.run(validation.config, this.contextFor(execution, instance, run)));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { status: 'failed', result: null, error: { type: 'handler_error', message } };
    }
  }

  private contextFor(execution: PluginExecutionEntity, instance: PluginInstanceEntity, run: InFlightRun): ExecutionContext {
    const logger = new Logger(`run:${instance.template_id}`);
    let lastProgressWrite = 0;
    let flushTimer: NodeJS.Timeout | null = null;
    return {
      executionId: execution.id,
      instance: { id: instance.id, name: instance.name, template_id: instance.template_id },
      signal: run.controller.signal,
      trigger: execution.trigger,
      progress: (progress: ExecutionProgress) => {
        if (run.closed) return;
        const stored = run.scrub.value(sanitiseProgress(progress));
        run.latestProgress = stored;
        this.events.changed(execution.id, { type: 'progress', progress: stored });
        const now = Date.now();
        if (now - lastProgressWrite < PROGRESS_WRITE_INTERVAL_MS) return;
        lastProgressWrite = now;
        // Best effort: a lost progress update is superseded by the next one and by the final row.
        void this.transactions
          .run((manager) => manager.update(PluginExecutionEntity, { id: execution.id, status: 'running' }, { progress: stored }), { singleWrite: true })
          .catch((error: Error) => logger.warn(`progress not stored: ${error.message}`));
      },
      log: (level: LogLevel, message: string) => {
        const text = run.scrub.text(String(message));
        const line = `[${execution.id}] ${text}`;
        if (level === 'error') logger.error(line);
        else if (level === 'warn') logger.warn(line);
        else if (level === 'debug') logger.debug(line);
        else logger.log(line);
        if (run.closed || ++run.logCount > MAX_LOG_LINES) return;
        const storedLevel = ['debug', 'info', 'warn', 'error'].includes(level) ? level : 'info';
        run.logs.push({ at: nowEpochSeconds(), level: storedLevel, message: text.length > MAX_LOG_MESSAGE ? `${text.slice(0, MAX_LOG_MESSAGE)}…` : text });
        // Lines are written in small batches rather than one transaction each.
        flushTimer ??= setTimeout(() => {
          flushTimer = null;
          void this.flushLogs(execution.id, run).catch((error: Error) => logger.warn(`logs not stored: ${error.message}`));
        }, LOG_FLUSH_INTERVAL_MS);
      },
    };
  }

  private async flushLogs(executionId: string, run: InFlightRun): Promise<void> {
    if (run.logs.length === 0) return;
    const lines = run.logs.splice(0, run.logs.length);
    await this.transactions.run((manager) => manager.insert(PluginExecutionLogEntity, lines.map((line) => ({ execution_id: executionId, ...line }))), { singleWrite: true });
  }

  /**
   * Records an attempt's outcome; a finished run is never rewritten. A failed or timed-out attempt
   * with attempts left queues the next one; otherwise the chain settles and the instance records it.
   * `known` is the row as this process started it (a run in flight here): it is finished with one
   * conditional UPDATE instead of being read first.
   */
  private async finish(id: string, outcome: RunOutcome, progress: ExecutionProgress | null, mayRetry: boolean, known: PluginExecutionEntity | null = null): Promise<PluginExecutionEntity> {
    let result: { execution: PluginExecutionEntity | null; retry: PluginExecutionEntity | null; final: boolean };
    try {
      // Unrefusable: the finished row leaves the one-unfinished-run index, so a retry row cannot clash on it, and
      // nothing else written here is covered by a unique index.
      result = await this.transactions.run(async (manager) => {
        let current = known;
        const finishedAt = nowEpochSeconds();
        if (!current) {
          current = await manager.findOneBy(PluginExecutionEntity, { id });
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
        const updated = await FINISH.execute(manager, {
          id,
          status: changes.status,
          result: jsonText.to(changes.result),
          error: jsonText.to(changes.error),
          progress: jsonText.to(progress),
          finishedAt,
          durationMs: changes.duration_ms,
        });
        if (!updated) {
          // Finished meanwhile (a cancel of a queued row, say): the first outcome stands.
          return { execution: await manager.findOneBy(PluginExecutionEntity, { id }), retry: null, final: false };
        }
        // A copy: the row as it was is still queued for event-stream watchers (the 'running' event).
        const execution: PluginExecutionEntity = Object.assign(Object.create(PluginExecutionEntity.prototype) as PluginExecutionEntity, current, changes);

        if (mayRetry && !this.shuttingDown && FINAL_STATUSES_RETRIED.includes(outcome.status)) {
          // Only a retry needs the instance's current policy; successes never read it.
          const instance = await manager.findOneBy(PluginInstanceEntity, { id: execution.instance_id });
          if (instance && instance.enabled && execution.attempt < executionPolicyOf(instance).max_attempts) {
            const nextAttempt = execution.attempt + 1;
            const notBefore = finishedAt + retryDelayMs(executionPolicyOf(instance).backoff_ms, nextAttempt) / 1000;
            const next = this.newAttempt(manager, instance, { type: 'retry', payload: { previous_execution_id: execution.id } }, nextAttempt, execution.retry_of ?? execution.id, null, notBefore, execution.triggered_by);
            await this.insertExecution(manager, next);
            return { execution, retry: next, final: false };
          }
        }
        if (outcome.status !== 'cancelled') {
          await this.instances.applyRunOutcome(manager, execution.instance_id, {
            finishedAt,
            lastResult: outcome.status === 'succeeded' ? (outcome.result ?? {}) : (outcome.result ?? { status: 'error', error: outcome.error }),
          });
          // Recording the run bumped the instance's version: a remembered copy of the version the run
          // started from is current again (if anything else changed it meanwhile, the next start reads it).
          const remembered = this.runnable.get(execution.instance_id);
          if (remembered && remembered.version === execution.config_version) remembered.version++;
        }
        return { execution, retry: null, final: true };
      }, { unrefusable: true });
    } catch (error) {
      // A retry row counted in a transaction that did not commit: count the instance again.
      if (known) this.historyCounts.forget(known.instance_id);
      throw error;
    }
    const { execution, retry, final } = result;
    if (!execution) throw new NotFoundError('execution-not-found', 'execution', id);
    this.events.changed(execution.id, { type: 'status', execution });
    if (retry) this.queue.enqueue(retry.id, retry.not_before);
    if (final) {
      this.events.settled(execution.retry_of ?? execution.id, execution);
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
  private async pruneHistory(instanceId: string): Promise<void> {
    const limit = this.settings.executionHistoryLimit;
    await this.transactions.run(async (manager) => {
      const known = this.historyCounts.snapshot(instanceId);
      let count = known.count ?? (await manager.count(PluginExecutionEntity, { where: { instance_id: instanceId } }));
      if (count > limit) {
        const oldestKept = await manager
          .createQueryBuilder(PluginExecutionEntity, 'e')
          .select(['e.id', 'e.created_at'])
          .where('e.instance_id = :instanceId', { instanceId })
          .orderBy('e.created_at', 'DESC')
          .addOrderBy('e.id', 'DESC')
          .offset(limit - 1)
          .limit(1)
          .getOne();
        const deleted = oldestKept
          ? await manager
              .createQueryBuilder()
              .delete()
              .from(PluginExecutionEntity)
              .where('instance_id = :instanceId', { instanceId })
              .andWhere('status NOT IN (:...unfinished)', { unfinished: UNFINISHED_EXECUTION_STATUSES })
              .andWhere('(created_at < :createdAt OR (created_at = :createdAt AND id < :id))', { createdAt: oldestKept.created_at, id: oldestKept.id })
              .execute()
          : null;
        count -= deleted?.affected ?? 0;
        // Nothing to delete although the count said so: it was off; read it again.
        if (!deleted?.affected) count = await manager.count(PluginExecutionEntity, { where: { instance_id: instanceId } });
      }
      this.historyCounts.settle(instanceId, count, known.mark);
    });
  }
}

function sanitiseProgress(progress: ExecutionProgress): ExecutionProgress {
  const current = Number(progress?.current);
  const total = progress?.total === undefined ? undefined : Number(progress.total);
  return {
    current: Number.isFinite(current) ? current : 0,
    ...(total !== undefined && Number.isFinite(total) ? { total } : {}),
    ...(typeof progress?.message === 'string' ? { message: progress.message.slice(0, 500) } : {}),
  };
}

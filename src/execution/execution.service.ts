import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, QueryFailedError, Repository } from 'typeorm';
import { ConflictError, NotFoundError } from '../common/domain-errors';
import { DEFAULT_PAGE_LIMIT, decodeCursor, Page, toPage } from '../common/pagination';
import { nowEpochSeconds } from '../common/time';
import { Settings } from '../config/settings';
import { TransactionService } from '../database/transaction.service';
import { InstancesService } from '../instances/instances.service';
import { PluginInstanceEntity } from '../instances/plugin-instance.entity';
import { ExecutionContext, ExecutionProgress, ExecutionTrigger, LogLevel } from '../sdk/types';
import { RegisteredTemplate, TemplateRegistryService } from '../templates/template-registry.service';
import { ExecutionError, ExecutionStatus, PluginExecutionEntity, UNFINISHED_EXECUTION_STATUSES } from './plugin-execution.entity';

interface RunOutcome {
  status: Extract<ExecutionStatus, 'succeeded' | 'failed' | 'interrupted'>;
  result: Record<string, unknown> | null;
  error: ExecutionError | null;
}

export interface ListExecutionsQuery {
  status?: ExecutionStatus;
  limit?: number;
  cursor?: string;
}

const PROGRESS_WRITE_INTERVAL_MS = 1000;

/** A run this process is executing: its abort switch, its latest progress, and a way to stop waiting for it. */
interface InFlightRun {
  controller: AbortController;
  done: Promise<RunOutcome>;
  latestProgress: ExecutionProgress | null;
  abandon(outcome: RunOutcome): void;
  /** Settles once the outcome is recorded. */
  recorded: Promise<unknown>;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isUniqueViolation = (error: unknown): boolean =>
  error instanceof QueryFailedError && (/UNIQUE constraint failed/i.test(error.message) || (error.driverError as { code?: string })?.code === '23505');

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

/**
 * Runs instance handlers and records every run. Runs are synchronous to the request for now; one
 * unfinished run per instance is enforced by a partial unique index in the database.
 */
@Injectable()
export class ExecutionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ExecutionService.name);
  private readonly inFlight = new Map<string, InFlightRun>();

  constructor(
    @InjectRepository(PluginExecutionEntity) private readonly executions: Repository<PluginExecutionEntity>,
    private readonly transactions: TransactionService,
    private readonly instances: InstancesService,
    private readonly templates: TemplateRegistryService,
    private readonly settings: Settings,
  ) {}

  /** Runs left unfinished by a process that died cannot still be running: mark them interrupted. */
  async onApplicationBootstrap(): Promise<void> {
    const stale = await this.executions.find({ where: { status: In(UNFINISHED_EXECUTION_STATUSES) }, select: { id: true } });
    for (const { id } of stale) {
      await this.finish(id, { status: 'interrupted', result: null, error: { type: 'interrupted', message: 'the server stopped while this run was in progress' } });
    }
    if (stale.length > 0) this.logger.warn(`marked ${stale.length} run(s) left unfinished by a previous process as interrupted`);
  }

  /** On shutdown: signal running handlers, give them the grace period, then record them as interrupted. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.inFlight.size === 0) return;
    this.logger.warn(`shutting down with ${this.inFlight.size} run(s) in progress; waiting up to ${this.settings.shutdownGraceMs} ms`);
    for (const { controller } of this.inFlight.values()) controller.abort(new Error('server shutting down'));
    const settled = Promise.allSettled([...this.inFlight.values()].map(({ done }) => done));
    await Promise.race([settled, delay(this.settings.shutdownGraceMs)]);
    // Handlers still going ignored their signal: record them interrupted; a late result is discarded.
    for (const run of this.inFlight.values()) {
      run.abandon({ status: 'interrupted', result: null, error: { type: 'interrupted', message: 'the server shut down before the run finished' } });
    }
    await Promise.allSettled([...this.inFlight.values()].map(({ recorded }) => recorded));
  }

  async execute(instanceId: string, trigger: ExecutionTrigger): Promise<PluginExecutionEntity> {
    const instance = await this.instances.get(instanceId);
    if (!instance.enabled) throw new ConflictError('instance-disabled', `instance '${instance.name}' is disabled; enable it to run it`);
    const template = this.templates.get(instance.template_id);
    if (!template) {
      throw new ConflictError('template-unavailable', `template '${instance.template_id}' is not loaded in this server; see GET /api/plugins/load-errors`);
    }
    const execution = await this.start(instance, trigger);
    let abandon: (outcome: RunOutcome) => void = () => undefined;
    const abandoned = new Promise<RunOutcome>((resolve) => (abandon = resolve));
    const run: InFlightRun = { controller: new AbortController(), done: abandoned, latestProgress: null, abandon, recorded: abandoned };
    this.inFlight.set(execution.id, run);
    run.done = Promise.race([this.run(execution, instance, template, run), abandoned]);
    run.recorded = run.done.then((outcome) => this.finish(execution.id, outcome, run.latestProgress));
    try {
      return (await run.recorded) as PluginExecutionEntity;
    } finally {
      this.inFlight.delete(execution.id);
    }
  }

  async get(id: string): Promise<PluginExecutionEntity> {
    const execution = await this.executions.findOneBy({ id });
    if (!execution) throw new NotFoundError('execution-not-found', 'execution', id);
    return execution;
  }

  async listForInstance(instanceId: string, query: ListExecutionsQuery): Promise<Page<PluginExecutionEntity>> {
    await this.instances.get(instanceId);
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const builder = this.executions.createQueryBuilder('e').where('e.instance_id = :instanceId', { instanceId });
    if (query.status) builder.andWhere('e.status = :status', { status: query.status });
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      builder.andWhere('(e.created_at < :createdAt OR (e.created_at = :createdAt AND e.id < :id))', { createdAt: after.createdAt, id: after.id });
    }
    const rows = await builder.orderBy('e.created_at', 'DESC').addOrderBy('e.id', 'DESC').take(limit + 1).getMany();
    return toPage(rows, limit, (row) => ({ createdAt: row.created_at, id: row.id }), (row) => row);
  }

  private async start(instance: PluginInstanceEntity, trigger: ExecutionTrigger): Promise<PluginExecutionEntity> {
    try {
      return await this.transactions.run(async (manager) => {
        const running = await manager.findOne(PluginExecutionEntity, {
          where: { instance_id: instance.id, status: In(UNFINISHED_EXECUTION_STATUSES) },
          select: { id: true },
        });
        if (running) throw this.alreadyRunning(instance, running.id);
        const now = nowEpochSeconds();
        return manager.save(
          manager.create(PluginExecutionEntity, {
            id: randomUUID(),
            instance_id: instance.id,
            template_id: instance.template_id,
            status: 'running',
            trigger,
            attempt: 1,
            config_version: instance.version,
            created_at: now,
            started_at: now,
            finished_at: null,
            duration_ms: null,
            progress: null,
            result: null,
            error: null,
          }),
        );
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Another process started a run between our check and insert; the index had the last word.
      const running = await this.executions.findOne({ where: { instance_id: instance.id, status: In(UNFINISHED_EXECUTION_STATUSES) }, select: { id: true } });
      throw this.alreadyRunning(instance, running?.id);
    }
  }

  private alreadyRunning(instance: PluginInstanceEntity, executionId: string | undefined): ConflictError {
    return new ConflictError('execution-in-progress', `instance '${instance.name}' already has a run in progress`, {
      extensions: executionId ? { execution_id: executionId } : {},
      location: executionId ? `/api/plugins/executions/${executionId}` : undefined,
    });
  }

  private async run(execution: PluginExecutionEntity, instance: PluginInstanceEntity, template: RegisteredTemplate, state: InFlightRun): Promise<RunOutcome> {
    const validation = await this.templates.validateConfig(template, instance.config);
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
      const returned = await template.run(validation.config, this.contextFor(execution, instance, state));
      return classifyResult(returned);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { status: 'failed', result: null, error: { type: 'handler_error', message } };
    }
  }

  private contextFor(execution: PluginExecutionEntity, instance: PluginInstanceEntity, state: InFlightRun): ExecutionContext {
    const logger = new Logger(`run:${instance.template_id}`);
    let lastProgressWrite = 0;
    return {
      executionId: execution.id,
      instance: { id: instance.id, name: instance.name, template_id: instance.template_id },
      signal: state.controller.signal,
      trigger: execution.trigger,
      progress: (progress: ExecutionProgress) => {
        const stored = sanitiseProgress(progress);
        state.latestProgress = stored;
        const now = Date.now();
        if (now - lastProgressWrite < PROGRESS_WRITE_INTERVAL_MS) return;
        lastProgressWrite = now;
        // Best effort: a lost progress update is superseded by the next one and by the final row.
        void this.transactions
          .run((manager) => manager.update(PluginExecutionEntity, { id: execution.id, status: 'running' }, { progress: stored }))
          .catch((error: Error) => logger.warn(`progress not stored: ${error.message}`));
      },
      log: (level: LogLevel, message: string) => {
        const line = `[${execution.id}] ${String(message)}`;
        if (level === 'error') logger.error(line);
        else if (level === 'warn') logger.warn(line);
        else if (level === 'debug') logger.debug(line);
        else logger.log(line);
      },
    };
  }

  /** Records the outcome on the run and on its instance in one transaction; a finished run is never rewritten. */
  private finish(id: string, outcome: RunOutcome, progress: ExecutionProgress | null = null): Promise<PluginExecutionEntity> {
    return this.transactions.run(async (manager) => {
      const execution = await manager.findOneByOrFail(PluginExecutionEntity, { id });
      if (!UNFINISHED_EXECUTION_STATUSES.includes(execution.status)) return execution;
      const finishedAt = nowEpochSeconds();
      execution.status = outcome.status;
      execution.result = outcome.result;
      execution.error = outcome.error;
      if (progress) execution.progress = progress;
      execution.finished_at = finishedAt;
      execution.duration_ms = execution.started_at === null ? null : Math.max(0, Math.round((finishedAt - execution.started_at) * 1000));
      await manager.save(execution);
      await this.instances.applyRunOutcome(manager, execution.instance_id, {
        finishedAt,
        lastResult: outcome.status === 'succeeded' ? (outcome.result ?? {}) : (outcome.result ?? { status: 'error', error: outcome.error }),
      });
      return execution;
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

import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, LessThanOrEqual, MoreThan, Repository } from 'typeorm';
import { KeysetQuery, keysetPage, Page } from '../common/pagination';
import { nowEpochSeconds } from '../common/time';
import { READER_CONNECTION } from '../database/database.options';
import { EntityStatements } from '../database/entity-statements';
import { jsonText } from '../database/json.transformer';
import { NamedSql } from '../database/named-sql';
import { InstanceActivity } from '../instances/instance-activity';
import { PluginInstanceEntity } from '../instances/plugin-instance.entity';
import { ExecutionProgress, ExecutionTrigger, TRIGGER_TYPES, TriggerType } from '../sdk/types';
import { EXECUTION_STATUSES, ExecutionStatus, PluginExecutionEntity, PluginExecutionLogEntity, UNFINISHED_EXECUTION_STATUSES } from './plugin-execution.entity';
import { RunOutcome } from './run-outcome';

/**
 * Inserts a first attempt as running, but only while the instance is still enabled and at the version the
 * caller knows (every write to an instance bumps its version): one statement instead of a read and an insert.
 * The one statement outside instance.repository.ts that reads `plugin_instances`, as the condition of this
 * insert: it is the fast path of a synchronous execute (npm run bench, case execute).
 * The casts type the parameters for PostgreSQL; SQLite takes them as column affinities.
 */
const START_KNOWN = new NamedSql(`INSERT INTO plugin_executions (id, instance_id, template_id, status, "trigger", trigger_type, attempt, config_version, created_at, started_at, triggered_by)
  SELECT CAST(:id AS TEXT), id, template_id, 'running', CAST(:trigger AS TEXT), CAST(:triggerType AS TEXT), 1, version, CAST(:createdAt AS DOUBLE PRECISION), CAST(:createdAt AS DOUBLE PRECISION), CAST(:triggeredBy AS TEXT)
  FROM plugin_instances WHERE id = :instanceId AND version = :version AND enabled = 1 AND config_error IS NULL`);

/** Records an attempt's outcome unless it has one already; a null progress keeps the stored one. */
const FINISH = new NamedSql(`UPDATE plugin_executions
  SET status = :status, result = :result, error = :error, progress = COALESCE(CAST(:progress AS TEXT), progress),
    finished_at = CAST(:finishedAt AS DOUBLE PRECISION), duration_ms = CAST(:durationMs AS INTEGER)
  WHERE id = :id AND status IN (${UNFINISHED_EXECUTION_STATUSES.map((status) => `'${status}'`).join(', ')})`);

export interface ListExecutionsQuery extends KeysetQuery {
  status?: ExecutionStatus;
  trigger?: TriggerType;
  config_version?: number;
}

/** Runs counted by status and by what started them. */
export interface ExecutionCounts {
  total: number;
  by_status: Record<ExecutionStatus, number>;
  by_trigger: Record<TriggerType, number>;
}

/** What a new attempt row carries beyond its instance. */
export interface NewAttempt {
  trigger: ExecutionTrigger;
  attempt: number;
  retryOf: string | null;
  idempotencyKey: string | null;
  notBefore: number | null;
  triggeredBy: string | null;
  /** Inserted as running (started at once) rather than queued. */
  running: boolean;
  /** The schedule slot (epoch seconds) the run is for; unique per instance. */
  scheduledFor?: number | null;
  /** The past version it runs (execute?version=N); `instance` is then that version's content. */
  pinnedVersion?: number | null;
}

/** A log line as stored. */
export interface StoredLogLine {
  at: number;
  level: string;
  message: string;
}

/**
 * The one place that reads and writes `plugin_executions` and `plugin_execution_logs`: admission, claim,
 * finish, idempotency, keyset pages and pruning. API reads go through the committed-only reader connection.
 */
@Injectable()
export class ExecutionRepository implements InstanceActivity {
  private readonly inserter: EntityStatements<PluginExecutionEntity>;

  constructor(
    @InjectRepository(PluginExecutionEntity) private readonly executions: Repository<PluginExecutionEntity>,
    /** Committed rows only, for what the API answers with (see READER_CONNECTION). */
    @InjectRepository(PluginExecutionEntity, READER_CONNECTION) private readonly committedExecutions: Repository<PluginExecutionEntity>,
    @InjectRepository(PluginExecutionLogEntity, READER_CONNECTION) private readonly committedLogs: Repository<PluginExecutionLogEntity>,
  ) {
    this.inserter = new EntityStatements(executions.manager.connection, PluginExecutionEntity);
  }

  /** A new attempt of `instance` (not yet inserted): queued, or running when it starts at once. */
  newAttempt(instance: PluginInstanceEntity, attempt: NewAttempt): PluginExecutionEntity {
    const createdAt = nowEpochSeconds();
    return Object.assign(new PluginExecutionEntity(), {
      id: randomUUID(),
      instance_id: instance.id,
      template_id: instance.template_id,
      status: attempt.running ? 'running' : 'queued',
      trigger: attempt.trigger,
      trigger_type: attempt.trigger.type,
      attempt: attempt.attempt,
      config_version: instance.version,
      created_at: createdAt,
      started_at: attempt.running ? createdAt : null,
      finished_at: null,
      duration_ms: null,
      progress: null,
      result: null,
      error: null,
      retry_of: attempt.retryOf,
      idempotency_key: attempt.idempotencyKey,
      not_before: attempt.notBefore,
      triggered_by: attempt.triggeredBy,
      scheduled_for: attempt.scheduledFor ?? null,
      pinned_version: attempt.pinnedVersion ?? null,
    } satisfies Partial<PluginExecutionEntity>);
  }

  /** Inserts a new row (no read-back: every column is set). The partial unique index refuses a second unfinished run. */
  insert(manager: EntityManager, execution: PluginExecutionEntity): Promise<void> {
    return this.inserter.insert(manager, execution);
  }

  /** Inserts a new row unless the instance has an unfinished run (the partial unique index): false then, and nothing is written. */
  insertUnlessBusy(manager: EntityManager, execution: PluginExecutionEntity): Promise<boolean> {
    return this.inserter.insertUnlessConflict(manager, execution);
  }

  /** START_KNOWN: true when the row went in (the instance was still enabled, at `version` and without a config error). */
  async insertStartedIfCurrent(manager: EntityManager, execution: PluginExecutionEntity, version: number): Promise<boolean> {
    const inserted = await START_KNOWN.execute(manager, {
      id: execution.id,
      trigger: JSON.stringify(execution.trigger),
      triggerType: execution.trigger_type,
      createdAt: execution.created_at,
      triggeredBy: execution.triggered_by,
      instanceId: execution.instance_id,
      version,
    });
    return inserted > 0;
  }

  /** A key older than the idempotency window may be used again: forget it on the old run (only there). */
  async forgetExpiredIdempotencyKey(manager: EntityManager, instanceId: string, key: string, windowSeconds: number): Promise<void> {
    await manager.update(
      PluginExecutionEntity,
      { instance_id: instanceId, idempotency_key: key, created_at: LessThanOrEqual(nowEpochSeconds() - windowSeconds) },
      { idempotency_key: null },
    );
  }

  findByIdempotencyKey(instanceId: string, key: string, windowSeconds: number): Promise<PluginExecutionEntity | null> {
    return this.executions.findOne({ where: { instance_id: instanceId, idempotency_key: key, created_at: MoreThan(nowEpochSeconds() - windowSeconds) } });
  }

  /** InstanceActivity: the id of the instance's queued or running run, or null. */
  async unfinishedRunOf(manager: EntityManager, instanceId: string): Promise<string | null> {
    const running = await manager.findOne(PluginExecutionEntity, { where: { instance_id: instanceId, status: In(UNFINISHED_EXECUTION_STATUSES) }, select: { id: true } });
    return running?.id ?? null;
  }

  /** The same, outside any transaction (after admission lost the race on the unique index). */
  unfinishedRunOfInstance(instanceId: string): Promise<string | null> {
    return this.unfinishedRunOf(this.executions.manager, instanceId);
  }

  /** Every queued or running row, oldest first: what a previous process left (boot recovery). */
  findUnfinished(): Promise<PluginExecutionEntity[]> {
    return this.executions.find({ where: { status: In(UNFINISHED_EXECUTION_STATUSES) }, order: { created_at: 'ASC' } });
  }

  /** The latest attempt of the chain started by `rootId`. */
  latestOfChain(rootId: string): Promise<PluginExecutionEntity | null> {
    return this.executions.findOne({ where: [{ id: rootId }, { retry_of: rootId }], order: { attempt: 'DESC' } });
  }

  /** Whether a retry of the chain is still queued or running. */
  hasUnfinishedRetry(rootId: string): Promise<boolean> {
    return this.executions.exists({ where: { retry_of: rootId, status: In(UNFINISHED_EXECUTION_STATUSES) } });
  }

  findCommitted(id: string): Promise<PluginExecutionEntity | null> {
    return this.committedExecutions.findOneBy({ id });
  }

  findInTransaction(manager: EntityManager, id: string): Promise<PluginExecutionEntity | null> {
    return manager.findOneBy(PluginExecutionEntity, { id });
  }

  /** An instance's runs, newest first, by keyset (committed rows). */
  pageForInstance(instanceId: string, query: ListExecutionsQuery): Promise<Page<PluginExecutionEntity>> {
    const builder = this.committedExecutions.createQueryBuilder('e').where('e.instance_id = :instanceId', { instanceId });
    if (query.status) builder.andWhere('e.status = :status', { status: query.status });
    if (query.trigger) builder.andWhere('e.trigger_type = :trigger', { trigger: query.trigger });
    if (query.config_version !== undefined) builder.andWhere('e.config_version = :configVersion', { configVersion: query.config_version });
    return keysetPage(builder, 'e', query);
  }

  /** Every committed run, counted by status and by trigger type (zeros included). */
  async countByStatusAndTrigger(): Promise<ExecutionCounts> {
    const rows: { status: ExecutionStatus; trigger_type: TriggerType; count: string | number }[] = await this.committedExecutions
      .createQueryBuilder('e')
      .select('e.status', 'status')
      .addSelect('e.trigger_type', 'trigger_type')
      .addSelect('COUNT(*)', 'count')
      .groupBy('e.status')
      .addGroupBy('e.trigger_type')
      .getRawMany();
    const counts: ExecutionCounts = {
      total: 0,
      by_status: Object.fromEntries(EXECUTION_STATUSES.map((status) => [status, 0])) as Record<ExecutionStatus, number>,
      by_trigger: Object.fromEntries(TRIGGER_TYPES.map((type) => [type, 0])) as Record<TriggerType, number>,
    };
    for (const row of rows) {
      const count = Number(row.count);
      counts.total += count;
      counts.by_status[row.status] = (counts.by_status[row.status] ?? 0) + count;
      counts.by_trigger[row.trigger_type] = (counts.by_trigger[row.trigger_type] ?? 0) + count;
    }
    return counts;
  }

  /** Queued -> running, conditionally: whoever else may pick up queued rows, only one claim succeeds. */
  async claim(manager: EntityManager, id: string, startedAt: number, configVersion: number): Promise<boolean> {
    const claim = await manager.update(PluginExecutionEntity, { id, status: 'queued' }, { status: 'running', started_at: startedAt, config_version: configVersion });
    return (claim.affected ?? 0) > 0;
  }

  /** Best-effort progress of a running row. */
  async saveProgress(manager: EntityManager, id: string, progress: ExecutionProgress): Promise<void> {
    await manager.update(PluginExecutionEntity, { id, status: 'running' }, { progress });
  }

  async insertLogs(manager: EntityManager, executionId: string, lines: StoredLogLine[]): Promise<void> {
    await manager.insert(PluginExecutionLogEntity, lines.map((line) => ({ execution_id: executionId, ...line })));
  }

  listCommittedLogs(executionId: string, max: number): Promise<PluginExecutionLogEntity[]> {
    return this.committedLogs.find({ where: { execution_id: executionId }, order: { id: 'ASC' }, take: max });
  }

  /** FINISH: records the outcome unless the row already has one; false when it had. */
  async finish(manager: EntityManager, id: string, outcome: RunOutcome, progress: ExecutionProgress | null, finishedAt: number, durationMs: number | null): Promise<boolean> {
    const updated = await FINISH.execute(manager, {
      id,
      status: outcome.status,
      result: jsonText.to(outcome.result),
      error: jsonText.to(outcome.error),
      progress: jsonText.to(progress),
      finishedAt,
      durationMs,
    });
    return updated > 0;
  }

  countForInstance(manager: EntityManager, instanceId: string): Promise<number> {
    return manager.count(PluginExecutionEntity, { where: { instance_id: instanceId } });
  }

  /** Deletes the finished runs older than the instance's newest `keep`; returns how many went. */
  async pruneOlderThanNewest(manager: EntityManager, instanceId: string, keep: number): Promise<number> {
    const oldestKept = await manager
      .createQueryBuilder(PluginExecutionEntity, 'e')
      .select(['e.id', 'e.created_at'])
      .where('e.instance_id = :instanceId', { instanceId })
      .orderBy('e.created_at', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .offset(keep - 1)
      .limit(1)
      .getOne();
    if (!oldestKept) return 0;
    const deleted = await manager
      .createQueryBuilder()
      .delete()
      .from(PluginExecutionEntity)
      .where('instance_id = :instanceId', { instanceId })
      .andWhere('status NOT IN (:...unfinished)', { unfinished: UNFINISHED_EXECUTION_STATUSES })
      .andWhere('(created_at < :createdAt OR (created_at = :createdAt AND id < :id))', { createdAt: oldestKept.created_at, id: oldestKept.id })
      .execute();
    return deleted.affected ?? 0;
  }
}

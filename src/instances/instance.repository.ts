import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, EntityManager, In, IsNull, Not, Repository, SelectQueryBuilder } from 'typeorm';
import { KeysetQuery, keysetPage, Page } from '../common/pagination';
import { READER_CONNECTION } from '../database/database.options';
import { EntityStatements } from '../database/entity-statements';
import { booleanInteger, jsonText } from '../database/json.transformer';
import { NamedSql } from '../database/named-sql';
import { TemplateUsage } from '../templates/template-usage';
import { ConfigError } from './config-error';
import { InstanceStatus, nameKeyOf, PluginInstanceEntity } from './plugin-instance.entity';
import { ScheduleState } from './schedule';

/**
 * A run's outcome on its instance, without reading the row first (runs finish often); a deleted instance matches
 * nothing. Not a change of the instance's definition: its version (and history) stays.
 */
const APPLY_RUN_OUTCOME = new NamedSql(`UPDATE plugin_instances
  SET last_run = CAST(:finishedAt AS DOUBLE PRECISION), last_result = :lastResult, updated_at = CAST(:finishedAt AS DOUBLE PRECISION),
    consecutive_failures = CASE WHEN CAST(:failed AS INTEGER) = 1 THEN consecutive_failures + 1 ELSE 0 END,
    status = CASE WHEN config_error IS NOT NULL THEN 'error' WHEN enabled = 1 THEN CAST(:statusIfEnabled AS TEXT) ELSE 'inactive' END
  WHERE id = :id`);

/** What a finishing run needs of its instance to count its failure streak (not the config: runs finish often). */
const READ_STREAK = new NamedSql(`SELECT name, enabled, consecutive_failures, execution_policy FROM plugin_instances WHERE id = :id`);

export type InstanceStreak = Pick<PluginInstanceEntity, 'name' | 'enabled' | 'consecutive_failures' | 'execution_policy'>;

/** Records (or clears) why the config cannot be migrated, only if the definition is still the one judged. Not a new version: the config is unchanged. */
const SAVE_CONFIG_ERROR = new NamedSql(`UPDATE plugin_instances SET config_error = :configError, status = CAST(:status AS TEXT)
  WHERE id = :id AND version = :version`);

/** What a graph node or an error message shows of an instance. */
export type InstanceSummary = Pick<PluginInstanceEntity, 'id' | 'name' | 'template_id' | 'status'>;

/** Ids per IN (...) list: well under SQLite's and PostgreSQL's limits on parameters. */
const IDS_PER_QUERY = 500;

/** The scheduler's bookkeeping on a due instance, if its next slot is still the one handled (a fixed statement: a tick writes thousands). */
const SAVE_SCHEDULE_PROGRESS = new NamedSql(`UPDATE plugin_instances SET next_run_at = CAST(:nextRunAt AS DOUBLE PRECISION), schedule_state = :state
  WHERE id = :id AND next_run_at = CAST(:handled AS DOUBLE PRECISION)`);
/** The same for a schedule without a next slot yet (planned at boot). */
const SAVE_SCHEDULE_PROGRESS_UNPLANNED = new NamedSql(`UPDATE plugin_instances SET next_run_at = CAST(:nextRunAt AS DOUBLE PRECISION), schedule_state = :state
  WHERE id = :id AND next_run_at IS NULL AND CAST(:handled AS DOUBLE PRECISION) IS NULL`);

export interface InstanceFilter extends KeysetQuery {
  template_id?: string;
  enabled?: boolean;
  status?: InstanceStatus;
  /** Part of the name, compared as names are (trimmed, case-insensitive). */
  q?: string;
}

/**
 * The one place that reads and writes `plugin_instances`. API reads go through the committed-only reader
 * connection (READER_CONNECTION); writes take the caller's transaction manager.
 */
@Injectable()
export class InstanceRepository implements TemplateUsage {
  private readonly reader: EntityStatements<PluginInstanceEntity>;
  private readonly inserter: EntityStatements<PluginInstanceEntity>;

  constructor(
    @InjectRepository(PluginInstanceEntity) private readonly instances: Repository<PluginInstanceEntity>,
    @InjectRepository(PluginInstanceEntity, READER_CONNECTION) private readonly committed: Repository<PluginInstanceEntity>,
  ) {
    this.reader = new EntityStatements(committed.manager.connection, PluginInstanceEntity);
    this.inserter = new EntityStatements(instances.manager.connection, PluginInstanceEntity);
  }

  /** A committed instance, or null. */
  findCommitted(id: string): Promise<PluginInstanceEntity | null> {
    return this.reader.findById(id);
  }

  /** The instance as the caller's transaction sees it (update, and the engine's admission, claim and retry), by the fixed by-id statement. */
  findInTransaction(manager: EntityManager, id: string): Promise<PluginInstanceEntity | null> {
    return this.reader.findById(id, manager);
  }

  /** Committed instances, newest first, by keyset. */
  list(filter: InstanceFilter): Promise<Page<PluginInstanceEntity>> {
    return keysetPage(this.filtered(filter), 'i', filter);
  }

  /** How many committed instances match the filter, whatever the cursor (a list's `include_total`). */
  async countMatching(filter: InstanceFilter): Promise<number> {
    // COUNT(*) rather than getCount()'s COUNT(DISTINCT id): one table, no joins, so no duplicates to remove.
    const row = await this.filtered(filter).select('COUNT(*)', 'count').getRawOne<{ count: string | number }>();
    return Number(row?.count ?? 0);
  }

  /** The list's filters; each equality filter has an index (template, status) or is cheap beside one. */
  private filtered(filter: InstanceFilter): SelectQueryBuilder<PluginInstanceEntity> {
    const builder = this.committed.createQueryBuilder('i');
    if (filter.template_id !== undefined) builder.andWhere('i.template_id = :templateId', { templateId: filter.template_id });
    if (filter.enabled !== undefined) builder.andWhere('i.enabled = :enabled', { enabled: filter.enabled ? 1 : 0 });
    if (filter.status !== undefined) builder.andWhere('i.status = :status', { status: filter.status });
    if (filter.q) {
      const pattern = `%${nameKeyOf(filter.q).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      builder.andWhere(`i.name_key LIKE :pattern ESCAPE '\\'`, { pattern });
    }
    return builder;
  }

  async countByStatus(): Promise<Partial<Record<InstanceStatus, number>>> {
    const rows: { status: InstanceStatus; count: string | number }[] = await this.instances
      .createQueryBuilder('i')
      .select('i.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .groupBy('i.status')
      .getRawMany();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }

  /** Instances per template id: instance stats and the template list's instance_count. */
  async countByTemplate(): Promise<Record<string, number>> {
    const rows: { template_id: string; count: string | number }[] = await this.committed
      .createQueryBuilder('i')
      .select('i.template_id', 'template_id')
      .addSelect('COUNT(*)', 'count')
      .groupBy('i.template_id')
      .orderBy('i.template_id')
      .getRawMany();
    return Object.fromEntries(rows.map((row) => [row.template_id, Number(row.count)]));
  }

  countForTemplate(templateId: string): Promise<number> {
    return this.committed.countBy({ template_id: templateId });
  }

  /** Another instance of the template, for single-instance templates (inside the creating transaction). */
  findAnyOfTemplate(manager: EntityManager, templateId: string): Promise<Pick<PluginInstanceEntity, 'id' | 'name'> | null> {
    return manager.findOne(PluginInstanceEntity, { where: { template_id: templateId }, select: { id: true, name: true } });
  }

  /** Id, name, template and status of the instances that exist among `ids` (committed, or as the caller's transaction sees them). */
  async summariesOf(ids: string[], manager: EntityManager = this.committed.manager): Promise<InstanceSummary[]> {
    const summaries: InstanceSummary[] = [];
    for (let start = 0; start < ids.length; start += IDS_PER_QUERY) {
      summaries.push(
        ...(await manager.find(PluginInstanceEntity, { where: { id: In(ids.slice(start, start + IDS_PER_QUERY)) }, select: { id: true, name: true, template_id: true, status: true } })),
      );
    }
    return summaries;
  }

  /** The committed holder of a name, compared as names are. */
  findIdByName(name: string): Promise<Pick<PluginInstanceEntity, 'id'> | null> {
    return this.committed.findOne({ where: { name_key: nameKeyOf(name) }, select: { id: true } });
  }

  /** The holder of a name, compared as names are, as the caller's transaction sees it (provisioning matches by name). */
  findByName(manager: EntityManager, name: string): Promise<PluginInstanceEntity | null> {
    return manager.findOne(PluginInstanceEntity, { where: { name_key: nameKeyOf(name) } });
  }

  /** Every instance a provisioning file declared, as the caller's transaction sees them. */
  findProvisioned(manager: EntityManager): Promise<Pick<PluginInstanceEntity, 'id' | 'name' | 'provisioned_from'>[]> {
    return manager.find(PluginInstanceEntity, { where: { provisioned_from: Not(IsNull()) }, select: { id: true, name: true, provisioned_from: true }, order: { name_key: 'ASC' } });
  }

  /** Which file declares the instance (null: none, the API may change it again); not a change of its definition, so the version stays. */
  async setProvisionedFrom(manager: EntityManager, id: string, file: string | null): Promise<void> {
    await manager.update(PluginInstanceEntity, { id }, { provisioned_from: file });
  }

  /** A bare INSERT (no SELECT before, no read-back): the unique name index decides on the name. */
  insert(manager: EntityManager, instance: PluginInstanceEntity): Promise<void> {
    return this.inserter.insert(manager, instance);
  }

  async save(manager: EntityManager, instance: PluginInstanceEntity): Promise<void> {
    await manager.save(instance);
  }

  /** Deletes the row; its runs go with it (plugin_executions.instance_id is ON DELETE CASCADE). */
  async delete(manager: EntityManager, id: string): Promise<void> {
    await manager.delete(PluginInstanceEntity, { id });
  }

  /** The failure streak and what decides on it, inside the caller's transaction; null when the instance is gone. */
  async streakOf(manager: EntityManager, id: string): Promise<InstanceStreak | null> {
    const [row] = await READ_STREAK.rows<{ name: string; enabled: unknown; consecutive_failures: number | string; execution_policy: string | null }>(manager, { id });
    if (!row) return null;
    return {
      name: row.name,
      enabled: booleanInteger.from(row.enabled) as boolean,
      consecutive_failures: Number(row.consecutive_failures),
      execution_policy: jsonText.from(row.execution_policy) as InstanceStreak['execution_policy'],
    };
  }

  /** Records a finished run, inside the caller's transaction. */
  async applyRunOutcome(manager: EntityManager, id: string, outcome: { finishedAt: number; lastResult: Record<string, unknown>; failed: boolean; statusIfEnabled: InstanceStatus }): Promise<void> {
    await APPLY_RUN_OUTCOME.execute(manager, { id, finishedAt: outcome.finishedAt, lastResult: jsonText.to(outcome.lastResult), failed: outcome.failed ? 1 : 0, statusIfEnabled: outcome.statusIfEnabled });
  }

  /** Enabled instances whose next slot is due at `now` (epoch seconds), soonest first: the scheduler's tick. */
  findDue(now: number, limit: number): Promise<PluginInstanceEntity[]> {
    return this.instances.createQueryBuilder('i').where('i.enabled = 1').andWhere('i.next_run_at <= :now', { now }).orderBy('i.next_run_at', 'ASC').addOrderBy('i.id', 'ASC').take(limit).getMany();
  }

  /** Committed instances with a next slot at or before `until`, soonest first (GET /api/plugins/schedule). */
  findUpcoming(until: number, limit: number): Promise<PluginInstanceEntity[]> {
    return this.committed.createQueryBuilder('i').where('i.enabled = 1').andWhere('i.next_run_at <= :until', { until }).orderBy('i.next_run_at', 'ASC').addOrderBy('i.id', 'ASC').take(limit).getMany();
  }

  /** Instances with a schedule but no next slot (the scheduler's boot pass plans them); the others are not read at boot. */
  findScheduledWithoutNextRun(): Promise<PluginInstanceEntity[]> {
    return this.instances.find({ where: { schedule: Not(IsNull()), next_run_at: IsNull() } });
  }

  /**
   * The scheduler's bookkeeping: the next slot and what it did, only if the next slot is still the one it
   * handled (another process may have moved it on). Not a change of the instance: the version stays.
   */
  async saveScheduleProgress(manager: EntityManager, id: string, handled: number | null, nextRunAt: number | null, state: ScheduleState): Promise<boolean> {
    const statement = handled === null ? SAVE_SCHEDULE_PROGRESS_UNPLANNED : SAVE_SCHEDULE_PROGRESS;
    return (await statement.execute(manager, { id, handled, nextRunAt, state: jsonText.to(state) })) > 0;
  }

  /** Rows that may hold a secret: of the given templates, or with a sealed envelope anywhere in their config. */
  findSecretCandidates(secretTemplateIds: string[]): Promise<PluginInstanceEntity[]> {
    const candidates = this.instances.createQueryBuilder('i').where('i.config LIKE :envelope', { envelope: '%"$secret"%' });
    if (secretTemplateIds.length > 0) candidates.orWhere('i.template_id IN (:...secretTemplateIds)', { secretTemplateIds });
    return candidates.getMany();
  }

  /**
   * Rows the boot's config migration looks at: of a loaded template but saved under another version of it, or
   * with a config error (a later boot may fix it). Rows of the current version, the common case, are not read.
   */
  findMigrationCandidates(templates: { id: string; version: string }[]): Promise<PluginInstanceEntity[]> {
    const candidates = this.instances.createQueryBuilder('i').where('i.config_error IS NOT NULL');
    templates.forEach((template, index) =>
      candidates.orWhere(new Brackets((where) => where.where(`i.template_id = :id${index}`, { [`id${index}`]: template.id }).andWhere(`i.template_version <> :version${index}`, { [`version${index}`]: template.version }))),
    );
    return candidates.orderBy('i.created_at', 'ASC').addOrderBy('i.id', 'ASC').getMany();
  }

  /** Sets or clears the config error (and the status that goes with it) if the row is still at `version`; false when it moved on. */
  async saveConfigError(manager: EntityManager, id: string, version: number, configError: ConfigError | null, status: InstanceStatus): Promise<boolean> {
    return (await SAVE_CONFIG_ERROR.execute(manager, { id, version, configError: jsonText.to(configError), status })) > 0;
  }

  /** Saves a config sealed again at boot, keeping the version (what clients see does not change). */
  async saveResealed(instance: PluginInstanceEntity): Promise<void> {
    await this.instances.save(instance);
  }

  /** On SQLite, rebuilds the file so replaced plaintext does not linger in free pages or the write-ahead log. */
  async compactAfterReseal(): Promise<string[]> {
    if (this.instances.manager.connection.options.type !== 'sqlite') return [];
    const failures: string[] = [];
    await this.instances.query('VACUUM').catch((error: Error) => failures.push(`VACUUM after sealing failed: ${error.message}`));
    await this.instances.query('PRAGMA wal_checkpoint(TRUNCATE)').catch((error: Error) => failures.push(`WAL checkpoint failed: ${error.message}`));
    return failures;
  }
}

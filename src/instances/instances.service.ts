import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { ConfigInvalidError, ConflictError, NotFoundError, PreconditionFailedError, UnknownTemplateError, ValidationFailedError } from '../common/domain-errors';
import { etagForVersion, ifMatchSatisfied } from '../common/etag';
import { DEFAULT_PAGE_LIMIT, decodeCursor, Page, toPage } from '../common/pagination';
import { nowEpochSeconds } from '../common/time';
import { Principal } from '../auth/principal';
import { READER_CONNECTION } from '../database/database.options';
import { EntityStatements } from '../database/entity-statements';
import { jsonText } from '../database/json.transformer';
import { NamedSql } from '../database/named-sql';
import { TransactionService } from '../database/transaction.service';
import { isUniqueViolation } from '../database/unique-violation';
import { PluginExecutionEntity, UNFINISHED_EXECUTION_STATUSES } from '../execution/plugin-execution.entity';
import { mergeSecrets, placeholderErrors } from '../secrets/secret-config';
import { configPointer, deleteValueAt, secretPathsIn, valueAt } from '../secrets/secret-paths';
import { isSecretEnvelope } from '../secrets/secret-cipher';
import { SecretsService } from '../secrets/secrets.service';
import { RegisteredTemplate, TemplateRegistryService } from '../templates/template-registry.service';
import { countInstancesByTemplate } from './instance-counts';
import { CreateInstanceDto, ListInstancesQueryDto, UpdateInstanceDto } from './dto/instance-requests.dto';
import { INSTANCE_STATUSES, InstanceStatus, nameKeyOf, PluginInstanceEntity } from './plugin-instance.entity';

/** The fields a partial update sets (omitted ones keep their value; null is a value). */
const definedFields = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;

/** A run's outcome on its instance, without reading the row first (runs finish often); a deleted instance matches nothing. */
const APPLY_RUN_OUTCOME = new NamedSql(`UPDATE plugin_instances
  SET last_run = CAST(:finishedAt AS DOUBLE PRECISION), last_result = :lastResult, updated_at = CAST(:finishedAt AS DOUBLE PRECISION),
    status = CASE WHEN enabled = 1 THEN CAST(:statusIfEnabled AS TEXT) ELSE 'inactive' END, version = version + 1
  WHERE id = :id`);

/** The status an instance shows: inactive when disabled, else what its last run implies. */
export function impliedStatus(instance: Pick<PluginInstanceEntity, 'enabled' | 'last_run' | 'last_result'>): InstanceStatus {
  if (!instance.enabled) return 'inactive';
  if (instance.last_run === null) return 'pending';
  return instance.last_result?.status === 'error' ? 'error' : 'active';
}

export interface InstanceStats {
  total: number;
  by_status: Record<InstanceStatus, number>;
  by_template: Record<string, number>;
}

export interface RunOutcome {
  finishedAt: number;
  lastResult: Record<string, unknown>;
}

@Injectable()
export class InstancesService implements OnApplicationBootstrap {
  private readonly logger = new Logger(InstancesService.name);

  constructor(
    @InjectRepository(PluginInstanceEntity) private readonly instances: Repository<PluginInstanceEntity>,
    /** Committed rows only: what API reads answer with (see READER_CONNECTION). */
    @InjectRepository(PluginInstanceEntity, READER_CONNECTION) private readonly committed: Repository<PluginInstanceEntity>,
    private readonly transactions: TransactionService,
    private readonly templates: TemplateRegistryService,
    private readonly secrets: SecretsService,
  ) {
    this.reader = new EntityStatements(committed.manager.connection, PluginInstanceEntity);
    this.inserter = new EntityStatements(instances.manager.connection, PluginInstanceEntity);
  }

  private readonly reader: EntityStatements<PluginInstanceEntity>;
  private readonly inserter: EntityStatements<PluginInstanceEntity>;

  /** Once plugins are loaded, secrets still stored in plaintext are sealed (before any request is served). */
  async onApplicationBootstrap(): Promise<void> {
    await this.sealStoredSecrets();
  }

  /**
   * The boot sweep: a seed database adopted in place, or a template that newly marks a field secret,
   * leaves plaintext secrets; SECRET_KEY_PREVIOUS leaves envelopes under the old key. Both are sealed
   * again with the current key. The row's version is kept: what clients see does not change.
   */
  async sealStoredSecrets(): Promise<void> {
    let sealed = 0;
    // Only rows that can hold a secret: of a template with secret fields, or with an envelope in their config.
    const secretTemplates = this.templates.list().filter((template) => template.configSchema.secrets.length > 0).map((template) => template.id);
    const candidates = this.instances.createQueryBuilder('i').where('i.config LIKE :envelope', { envelope: '%"$secret"%' });
    if (secretTemplates.length > 0) candidates.orWhere('i.template_id IN (:...secretTemplates)', { secretTemplates });
    for (const instance of await candidates.getMany()) {
      const template = this.templates.get(instance.template_id);
      const patterns = template?.configSchema.secrets ?? [];
      const plaintext = secretPathsIn(instance.config, patterns).filter((path) => {
        const value = valueAt(instance.config, path);
        return value !== null && !isSecretEnvelope(value);
      });
      const opened = this.secrets.open(instance.id, instance.config, 'lenient');
      if (opened.unreadable.length > 0) {
        this.logger.error(`instance ${instance.id}: ${opened.unreadable.map((e) => e.message).join('; ')}; its runs fail until the right key is set`);
        continue;
      }
      if (plaintext.length === 0 && opened.rotated === 0) continue;
      instance.config = this.secrets.seal(instance.id, opened.config, patterns, opened.sealedPaths);
      await this.instances.save(instance);
      sealed++;
    }
    if (sealed === 0) return;
    this.logger.warn(`sealed the secrets of ${sealed} instance(s) stored in plaintext or under the previous key`);
    if (this.instances.manager.connection.options.type === 'sqlite') {
      // Rebuild the file so the replaced plaintext does not linger in free pages or the write-ahead log.
      await this.instances.query('VACUUM').catch((error: Error) => this.logger.warn(`VACUUM after sealing failed: ${error.message}`));
      await this.instances.query('PRAGMA wal_checkpoint(TRUNCATE)').catch((error: Error) => this.logger.warn(`WAL checkpoint failed: ${error.message}`));
    }
  }

  async list(query: ListInstancesQueryDto): Promise<Page<PluginInstanceEntity>> {
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const builder = this.committed.createQueryBuilder('i');
    if (query.template_id !== undefined) builder.andWhere('i.template_id = :templateId', { templateId: query.template_id });
    if (query.enabled !== undefined) builder.andWhere('i.enabled = :enabled', { enabled: query.enabled ? 1 : 0 });
    if (query.status !== undefined) builder.andWhere('i.status = :status', { status: query.status });
    if (query.q) {
      const pattern = `%${nameKeyOf(query.q).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      builder.andWhere(`i.name_key LIKE :pattern ESCAPE '\\'`, { pattern });
    }
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      builder.andWhere('(i.created_at < :createdAt OR (i.created_at = :createdAt AND i.id < :id))', { createdAt: after.createdAt, id: after.id });
    }
    const rows = await builder.orderBy('i.created_at', 'DESC').addOrderBy('i.id', 'DESC').take(limit + 1).getMany();
    return toPage(rows, limit, (row) => ({ createdAt: row.created_at, id: row.id }), (row) => row);
  }

  async stats(): Promise<InstanceStats> {
    const byStatusRows: { status: InstanceStatus; count: string | number }[] = await this.instances
      .createQueryBuilder('i')
      .select('i.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .groupBy('i.status')
      .getRawMany();
    const byTemplate = await countInstancesByTemplate(this.committed);
    const by_status = Object.fromEntries(INSTANCE_STATUSES.map((status) => [status, 0])) as Record<InstanceStatus, number>;
    let total = 0;
    for (const row of byStatusRows) {
      by_status[row.status] = Number(row.count);
      total += Number(row.count);
    }
    return { total, by_status, by_template: byTemplate };
  }

  async get(id: string): Promise<PluginInstanceEntity> {
    const instance = await this.reader.findById(id);
    if (!instance) throw new NotFoundError('instance-not-found', 'instance', id);
    return instance;
  }

  async create(request: CreateInstanceDto, principal: Principal): Promise<PluginInstanceEntity> {
    const template = this.templates.get(request.template_id);
    if (!template) throw new UnknownTemplateError(request.template_id);
    const config = request.config ?? {};
    const placeholders = placeholderErrors(config, template.configSchema.secrets, false);
    if (placeholders.length > 0) throw new ConfigInvalidError(template.id, placeholders);
    await this.assertConfigValid(request.template_id, config);

    const id = randomUUID();
    const now = nowEpochSeconds();
    const enabled = request.enabled ?? true;
    const instance = this.instances.create({
      id,
      name: request.name,
      name_key: nameKeyOf(request.name),
      template_id: template.id,
      config: this.secrets.seal(id, config, template.configSchema.secrets),
      enabled,
      status: enabled ? 'pending' : 'inactive',
      last_run: null,
      last_result: null,
      created_at: now,
      updated_at: now,
      version: 1,
      execution_policy: request.execution_policy ? definedFields(request.execution_policy) : null,
      created_by: principal.keyId,
    });
    return this.withNameConflictMapped(request.name, () =>
      this.transactions.run(async (manager) => {
        if (!template.supportsMultipleInstances) {
          await this.transactions.lock(manager, `single-instance:${template.id}`);
          const existing = await manager.findOne(PluginInstanceEntity, { where: { template_id: template.id }, select: { id: true, name: true } });
          if (existing) {
            throw new ConflictError('single-instance-template', `template '${template.id}' allows one instance and '${existing.name}' exists`, {
              extensions: { instance_id: existing.id },
              location: `/api/plugins/instances/${existing.id}`,
            });
          }
        }
        // A bare INSERT: save() would SELECT the id first, and insert() reads the row back on SQLite. The unique index decides on the name.
        await this.inserter.insert(manager, instance);
        return instance;
      }),
    );
  }

  async update(id: string, request: UpdateInstanceDto, ifMatch: string | undefined): Promise<PluginInstanceEntity> {
    if (request.name === undefined && request.config === undefined && request.enabled === undefined && request.execution_policy === undefined) {
      throw new ValidationFailedError('send at least one of name, config, enabled, execution_policy', [{ path: '', message: 'no field to update' }]);
    }
    return this.withNameConflictMapped(request.name ?? '', () =>
      this.transactions.run(async (manager) => {
        const instance = await this.reader.findById(id, manager);
        if (!instance) throw new NotFoundError('instance-not-found', 'instance', id);
        const etag = etagForVersion(instance.version);
        if (ifMatch !== undefined && !ifMatchSatisfied(ifMatch, etag)) throw new PreconditionFailedError(etag);

        if (request.config !== undefined) {
          const template = this.templates.get(instance.template_id);
          if (!template) {
            throw new ConflictError('template-unavailable', `template '${instance.template_id}' is not loaded, so the config cannot be validated`);
          }
          instance.config = await this.replacedConfig(template, instance, request.config);
        }
        if (request.name !== undefined) {
          instance.name = request.name;
          instance.name_key = nameKeyOf(request.name);
        }
        if (request.enabled !== undefined) instance.enabled = request.enabled;
        if (request.execution_policy !== undefined) instance.execution_policy = { ...instance.execution_policy, ...definedFields(request.execution_policy) };
        instance.status = impliedStatus(instance);
        instance.updated_at = nowEpochSeconds();
        instance.version += 1;
        await manager.save(instance);
        return instance;
      }),
    );
  }

  async delete(id: string): Promise<void> {
    await this.transactions.run(async (manager) => {
      const instance = await manager.findOne(PluginInstanceEntity, { where: { id }, select: { id: true } });
      if (!instance) throw new NotFoundError('instance-not-found', 'instance', id);
      const running = await manager
        .createQueryBuilder(PluginExecutionEntity, 'e')
        .select(['e.id'])
        .where('e.instance_id = :id AND e.status IN (:...statuses)', { id, statuses: UNFINISHED_EXECUTION_STATUSES })
        .getOne();
      if (running) {
        throw new ConflictError('instance-running', `instance '${id}' has a run in progress; cancel it or wait`, {
          extensions: { execution_id: running.id },
          location: `/api/plugins/executions/${running.id}`,
        });
      }
      await manager.delete(PluginExecutionEntity, { instance_id: id });
      await manager.delete(PluginInstanceEntity, { id });
    });
  }

  /** Records a finished run on its instance, inside the caller's transaction. */
  async applyRunOutcome(manager: EntityManager, instanceId: string, outcome: RunOutcome): Promise<void> {
    const statusIfEnabled = impliedStatus({ enabled: true, last_run: outcome.finishedAt, last_result: outcome.lastResult });
    await APPLY_RUN_OUTCOME.execute(manager, { id: instanceId, finishedAt: outcome.finishedAt, lastResult: jsonText.to(outcome.lastResult), statusIfEnabled });
  }

  /**
   * The config a PUT stores: the request's, with the stored secrets it sent as the mask or left out
   * merged back in (see mergeSecrets), validated with real values, then sealed again.
   */
  private async replacedConfig(template: RegisteredTemplate, instance: PluginInstanceEntity, incoming: Record<string, unknown>): Promise<Record<string, unknown>> {
    const patterns = template.configSchema.secrets;
    const placeholders = placeholderErrors(incoming, patterns, true);
    if (placeholders.length > 0) throw new ConfigInvalidError(template.id, placeholders);
    const stored = this.secrets.open(instance.id, instance.config, 'lenient').config;
    const merged = mergeSecrets(incoming, stored, patterns);
    if (merged.errors.length > 0) throw new ConfigInvalidError(template.id, merged.errors);
    let validation = await this.templates.validateConfig(template, merged.config);
    // A kept secret the new config has no place for (auth switched from bearer to basic) is dropped, not an error.
    const misplaced = merged.carried.filter((path) => validation.errors.some((error) => error.path === configPointer(path)));
    if (misplaced.length > 0) {
      for (const path of misplaced) deleteValueAt(merged.config, path);
      validation = await this.templates.validateConfig(template, merged.config);
    }
    if (!validation.valid) throw new ConfigInvalidError(template.id, validation.errors);
    return this.secrets.seal(instance.id, merged.config, patterns);
  }

  private async assertConfigValid(templateId: string, config: Record<string, unknown>): Promise<void> {
    const template = this.templates.get(templateId);
    if (!template) throw new UnknownTemplateError(templateId);
    const validation = await this.templates.validateConfig(template, config);
    if (!validation.valid) throw new ConfigInvalidError(templateId, validation.errors);
  }

  private nameTaken(name: string, existingId?: string): ConflictError {
    return new ConflictError('name-taken', `an instance named '${name.trim()}' already exists (names compare case-insensitively)`, {
      extensions: existingId ? { instance_id: existingId } : {},
      location: existingId ? `/api/plugins/instances/${existingId}` : undefined,
    });
  }

  /** The unique index is the word on names: a clash becomes a 409 naming the instance that has the name. */
  private async withNameConflictMapped<T>(name: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!isUniqueViolation(error, { index: 'uq_plugin_instances_name_key', column: 'name_key' })) throw error;
      const holder = await this.committed.findOne({ where: { name_key: nameKeyOf(name) }, select: { id: true } });
      throw this.nameTaken(name, holder?.id);
    }
  }
}

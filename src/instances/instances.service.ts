import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ConfigInvalidError, ConflictError, NotFoundError, PreconditionFailedError, ValidationFailedError } from '../common/domain-errors';
import { Clock } from '../common/clock';
import { etagForVersion, ifMatchSatisfied } from '../common/etag';
import { Page } from '../common/pagination';
import { nowEpochSeconds } from '../common/time';
import { Principal } from '../auth/principal';
import { TransactionService } from '../database/transaction.service';
import { isUniqueViolation } from '../database/unique-violation';
import { placeholderErrors } from '../secrets/secret-config';
import { SecretsService } from '../secrets/secrets.service';
import { RegisteredTemplate, TemplateRegistryService } from '../templates/template-registry.service';
import { CreateInstanceDto, ListInstancesQueryDto, UpdateInstanceDto } from './dto/instance-requests.dto';
import { InstanceActivity } from './instance-activity';
import { InstanceDependenciesService } from './instance-dependencies.service';
import { StoredSecretsSweep } from './stored-secrets.sweep';
import { ConfigReplacement } from './config-replacement';
import { ConfigMigrationService } from './config-migration.service';
import { changedByOf, InstanceHistoryService } from './instance-history.service';
import { ChangeKind } from './plugin-instance-version.entity';
import { InstanceRepository } from './instance.repository';
import { ExecutionPolicy, executionPolicyOf, impliedStatus, INSTANCE_STATUSES, InstanceStatus, nameKeyOf, PluginInstanceEntity } from './plugin-instance.entity';
import { normaliseSchedule, Schedule, ScheduleInput, ScheduleState, ScheduleTimes } from './schedule';

/** The fields a partial update sets (omitted ones keep their value; null is a value). */
const definedFields = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;

export interface InstanceStats {
  total: number;
  by_status: Record<InstanceStatus, number>;
  by_template: Record<string, number>;
}

/** What a write sets (left out: kept); configs arrive sealed, with the template version they are valid for. */
export interface DefinitionChange {
  name?: string;
  config?: { sealed: Record<string, unknown>; templateVersion: string };
  enabled?: boolean;
  execution_policy?: Partial<ExecutionPolicy> | null;
  schedule?: Schedule | null;
  depends_on?: string[];
  /** A rollback: the version whose content this is, recorded on the new version as `restored_from`. */
  restored_from?: number;
}

/** A write made by provisioning: in the apply's transaction, recorded as its file, past the read-only guard. */
export interface ProvisioningWrite {
  manager: EntityManager;
  /** The file, relative to PROVISIONING_PATH: the instance's provisioned_from and the version's changed_by. */
  file: string;
}

export interface RunOutcome {
  finishedAt: number;
  lastResult: Record<string, unknown>;
  /** Failed, timed out or interrupted (a cancelled run is not recorded on its instance at all). */
  failed: boolean;
  /** Read the instance's streak even for a success (someone announces recoveries); a failure always reads it. */
  readStreak: boolean;
}

/** The instance's failure streak after a run, what notifications and auto-disable decide by. */
export interface RunStreak {
  name: string;
  consecutive_failures: number;
  /** The streak this run ended (a success after failures) or continued. */
  previous_failures: number;
  /** The `disable_after_failures` limit this run reached, which disabled the instance; null: not disabled by it. */
  auto_disabled_after: number | null;
}

@Injectable()
export class InstancesService implements OnApplicationBootstrap {
  private readonly logger = new Logger(InstancesService.name);

  constructor(
    private readonly instances: InstanceRepository,
    private readonly activity: InstanceActivity,
    private readonly transactions: TransactionService,
    private readonly templates: TemplateRegistryService,
    private readonly secrets: SecretsService,
    private readonly clock: Clock,
    private readonly dependencies: InstanceDependenciesService,
    private readonly history: InstanceHistoryService,
    private readonly configMigrations: ConfigMigrationService,
    private readonly storedSecrets: StoredSecretsSweep,
    private readonly configReplacement: ConfigReplacement,
  ) {}

  /**
   * Once plugins are loaded, before any request is served: secrets still stored in plaintext are sealed, then
   * configs saved under another version of their template are migrated (one after the other: both rewrite configs).
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.storedSecrets.sealStoredSecrets();
    await this.configMigrations.migrateStored();
  }

  /** A page of instances; with `include_total`, also how many match the filters (one COUNT, only then). */
  async list(query: ListInstancesQueryDto): Promise<Page<PluginInstanceEntity> & { total?: number }> {
    if (!query.include_total) return this.instances.list(query);
    const [page, total] = await Promise.all([this.instances.list(query), this.instances.countMatching(query)]);
    return { ...page, total };
  }

  async stats(): Promise<InstanceStats> {
    const [byStatus, byTemplate] = await Promise.all([this.instances.countByStatus(), this.instances.countByTemplate()]);
    const by_status = Object.fromEntries(INSTANCE_STATUSES.map((status) => [status, byStatus[status] ?? 0])) as Record<InstanceStatus, number>;
    const total = Object.values(byStatus).reduce((sum, count) => sum + (count ?? 0), 0);
    return { total, by_status, by_template: byTemplate };
  }

  async get(id: string): Promise<PluginInstanceEntity> {
    const instance = await this.instances.findCommitted(id);
    if (!instance) throw new NotFoundError('instance-not-found', 'instance', id);
    return instance;
  }

  /** The instance as the caller's transaction sees it, or null (the engine's admission, claim and retry). */
  findInTransaction(manager: EntityManager, id: string): Promise<PluginInstanceEntity | null> {
    return this.instances.findInTransaction(manager, id);
  }

  async create(request: CreateInstanceDto, principal: Principal, provisioning?: ProvisioningWrite): Promise<PluginInstanceEntity> {
    const schedule = request.schedule ? this.validSchedule(request.schedule) : null;
    const template = this.templates.require(request.template_id, 'create');
    const config = request.config ?? {};
    const placeholders = placeholderErrors(config, template.configSchema.secrets, false);
    if (placeholders.length > 0) throw new ConfigInvalidError(template.id, placeholders);
    await this.assertConfigValid(template, config);

    const id = randomUUID();
    const now = nowEpochSeconds();
    const enabled = request.enabled ?? true;
    const instance = Object.assign(new PluginInstanceEntity(), {
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
      schedule,
      schedule_state: null,
      next_run_at: null as number | null,
      depends_on: null as string[] | null,
      template_version: template.version,
      config_error: null,
      provisioned_from: provisioning?.file ?? null,
      consecutive_failures: 0,
    });
    instance.next_run_at = this.nextRunOf(instance);
    return this.withNameConflictMapped(request.name, () =>
      this.writing(provisioning, async (manager) => {
        if (!template.supportsMultipleInstances) {
          await this.transactions.lock(manager, `single-instance:${template.id}`);
          const existing = await this.instances.findAnyOfTemplate(manager, template.id);
          if (existing) {
            throw new ConflictError('single-instance-template', `template '${template.id}' allows one instance and '${existing.name}' exists`, {
              extensions: { instance_id: existing.id },
              location: `/api/plugins/instances/${existing.id}`,
            });
          }
        }
        const dependsOn = request.depends_on?.length ? await this.dependencies.checked(manager, id, request.depends_on) : [];
        instance.depends_on = dependsOn.length > 0 ? dependsOn : null;
        // A bare INSERT: save() would SELECT the id first, and insert() reads the row back on SQLite. The unique index decides on the name.
        await this.instances.insert(manager, instance);
        if (dependsOn.length > 0) await this.dependencies.save(manager, id, dependsOn);
        await this.history.record(manager, instance, provisioning ? 'provisioning' : 'create', provisioning?.file ?? changedByOf(principal), now);
        return instance;
      }),
    );
  }

  async update(id: string, request: UpdateInstanceDto, ifMatch: string | undefined, principal: Principal): Promise<PluginInstanceEntity> {
    if (Object.values(definedFields(request)).length === 0) {
      throw new ValidationFailedError('send at least one of name, config, enabled, execution_policy, schedule, depends_on', [{ path: '', message: 'no field to update' }]);
    }
    const schedule = request.schedule ? this.validSchedule(request.schedule) : request.schedule;
    return this.withNameConflictMapped(request.name ?? '', () =>
      this.transactions.run(async (manager) => {
        const instance = await this.currentFor(manager, id, ifMatch);
        const template = request.config === undefined ? undefined : this.templates.require(instance.template_id, 'update');
        const config = template && { sealed: await this.replacedConfig(template, instance, request.config!), templateVersion: template.version };
        const executionPolicy = request.execution_policy === undefined ? undefined : { ...instance.execution_policy, ...definedFields(request.execution_policy) };
        return this.applyChange(manager, instance, { ...definedFields({ name: request.name, config, enabled: request.enabled, execution_policy: executionPolicy, depends_on: request.depends_on }), ...(schedule !== undefined ? { schedule } : {}) }, 'update', changedByOf(principal));
      }),
    );
  }

  /**
   * Makes the instance what version `version` was (name, config with its secrets, enabled, policy, schedule,
   * dependencies) as a NEW version: history is never rewritten. The content is checked as an update's is
   * (config against the template as loaded now, name free, dependencies known and without a cycle).
   */
  async rollback(id: string, version: number, ifMatch: string | undefined, principal: Principal): Promise<PluginInstanceEntity> {
    const target = await this.history.get(id, version);
    return this.withNameConflictMapped(target.name, () =>
      this.transactions.run(async (manager) => {
        const instance = await this.currentFor(manager, id, ifMatch);
        const template = this.templates.require(target.template_id, 'update');
        // Checked as it is, or migrated first when it was saved under another template version.
        const config = await this.configMigrations.configForRollback(template, id, target);
        const change: DefinitionChange = {
          name: target.name,
          config: { sealed: config, templateVersion: template.version },
          enabled: target.enabled,
          execution_policy: target.execution_policy,
          schedule: target.schedule,
          depends_on: target.depends_on ?? [],
          restored_from: target.version,
        };
        return this.applyChange(manager, instance, change, 'rollback', changedByOf(principal));
      }),
    );
  }

  /**
   * Deletes the instance and, by the foreign keys' ON DELETE CASCADE, its run history and its own dependency
   * edges; refused while a run is unfinished or while others depend on it, and (unless provisioning deletes
   * it) while a provisioning file declares it.
   */
  async delete(id: string, provisioning?: ProvisioningWrite): Promise<void> {
    await this.writing(provisioning, async (manager) => {
      const instance = await this.instances.findInTransaction(manager, id);
      if (!instance) throw new NotFoundError('instance-not-found', 'instance', id);
      if (!provisioning) this.assertNotProvisioned(instance);
      await this.dependencies.assertNoDependents(manager, id);
      const running = await this.activity.unfinishedRunOf(manager, id);
      if (running) {
        throw new ConflictError('instance-running', `instance '${id}' has a run in progress; cancel it or wait`, {
          extensions: { execution_id: running },
          location: `/api/plugins/executions/${running}`,
        });
      }
      await this.instances.delete(manager, id);
    });
  }

  /**
   * The instance as version `version` defined it (config and policy of that version, the rest as it is now), for
   * a run of a past version (execute?version=N); null when that version is not kept (never written, or pruned).
   */
  async atVersion(manager: EntityManager, instance: PluginInstanceEntity, version: number): Promise<PluginInstanceEntity | null> {
    if (version === instance.version) return instance;
    const past = await this.history.find(instance.id, version, manager);
    if (!past) return null;
    return Object.assign(Object.create(PluginInstanceEntity.prototype) as PluginInstanceEntity, instance, { config: past.config, template_version: past.template_version, execution_policy: past.execution_policy, version });
  }

  /**
   * Records a finished run on its instance, inside the caller's transaction, and counts its failure streak. A failure
   * that makes the streak a multiple of `execution_policy.disable_after_failures` disables the instance as a new version (change_kind
   * `auto_disable`, by `system`). Null when the streak was not read (a success nobody asked about) or the instance is gone.
   */
  async applyRunOutcome(manager: EntityManager, instanceId: string, outcome: RunOutcome): Promise<RunStreak | null> {
    const statusIfEnabled = impliedStatus({ enabled: true, last_run: outcome.finishedAt, last_result: outcome.lastResult });
    // Runs of one instance finish one at a time (one unfinished run each), so the streak read here is the one the update moves on.
    const before = outcome.failed || outcome.readStreak ? await this.instances.streakOf(manager, instanceId) : null;
    await this.instances.applyRunOutcome(manager, instanceId, { finishedAt: outcome.finishedAt, lastResult: outcome.lastResult, failed: outcome.failed, statusIfEnabled });
    if (!before) return null;
    const streak = outcome.failed ? before.consecutive_failures + 1 : 0;
    const limit = executionPolicyOf(before).disable_after_failures;
    let autoDisabledAfter: number | null = null;
    // Every `limit` failures in a row: an instance enabled again that keeps failing gets `limit` more runs.
    if (outcome.failed && before.enabled && limit !== null && streak % limit === 0) {
      const current = await this.instances.findInTransaction(manager, instanceId);
      if (current) {
        await this.applyChange(manager, current, { enabled: false }, 'auto_disable', 'system');
        autoDisabledAfter = limit;
        this.logger.warn(`instance '${before.name}' (${instanceId}) disabled after ${streak} failed runs in a row (execution_policy.disable_after_failures: ${limit})`);
      }
    }
    return { name: before.name, consecutive_failures: streak, previous_failures: before.consecutive_failures, auto_disabled_after: autoDisabledAfter };
  }

  /** Enabled instances whose slot is due at `now` (epoch seconds): the scheduler's tick. */
  findDueForSchedule(now: number, limit: number): Promise<PluginInstanceEntity[]> {
    return this.instances.findDue(now, limit);
  }

  /** Enabled instances whose next slot is at or before `until`, soonest first. */
  findUpcoming(until: number, limit: number): Promise<PluginInstanceEntity[]> {
    return this.instances.findUpcoming(until, limit);
  }

  findScheduledWithoutNextRun(): Promise<PluginInstanceEntity[]> {
    return this.instances.findScheduledWithoutNextRun();
  }

  /** The scheduler's bookkeeping, only if the next slot is still `handled`; false when another process moved it. */
  saveScheduleProgress(id: string, handled: number | null, nextRunAt: number | null, state: ScheduleState, manager?: EntityManager): Promise<boolean> {
    if (manager) return this.instances.saveScheduleProgress(manager, id, handled, nextRunAt, state);
    // A unit of the shared commit like every other write (on SQLite, a bare UPDATE would land in whatever batch is open).
    return this.transactions.run((own) => this.instances.saveScheduleProgress(own, id, handled, nextRunAt, state), { singleWrite: true });
  }

  /** The first slot after now, or null when the instance, or its schedule, is disabled or there is none. */
  nextRunOf(instance: Pick<PluginInstanceEntity, 'enabled' | 'schedule'>, after = this.clock.nowSeconds()): number | null {
    if (!instance.enabled || !instance.schedule?.enabled) return null;
    return ScheduleTimes.of(instance.schedule).nextAfter(after);
  }

  /** The instance inside the writing transaction, after the read-only and If-Match checks. */
  private async currentFor(manager: EntityManager, id: string, ifMatch: string | undefined): Promise<PluginInstanceEntity> {
    const instance = await this.instances.findInTransaction(manager, id);
    if (!instance) throw new NotFoundError('instance-not-found', 'instance', id);
    this.assertNotProvisioned(instance);
    const etag = etagForVersion(instance.version);
    if (ifMatch !== undefined && !ifMatchSatisfied(ifMatch, etag)) throw new PreconditionFailedError(etag);
    return instance;
  }

  /** Writes a change of the definition as the next version, with its history row, in the caller's transaction (update, rollback, provisioning). */
  async applyChange(manager: EntityManager, instance: PluginInstanceEntity, change: DefinitionChange, kind: ChangeKind, changedBy: string): Promise<PluginInstanceEntity> {
    if (change.config !== undefined) {
      // Saved under the loaded template version: whatever kept it from migrating is fixed by this.
      instance.config = change.config.sealed;
      instance.template_version = change.config.templateVersion;
      instance.config_error = null;
    }
    if (change.name !== undefined) {
      instance.name = change.name;
      instance.name_key = nameKeyOf(change.name);
    }
    const wasEnabled = instance.enabled;
    if (change.enabled !== undefined) instance.enabled = change.enabled;
    if (change.schedule !== undefined) instance.schedule = change.schedule;
    // The next slot is planned again only when what decides it changed, so a due slot is not lost to a rename.
    if (change.schedule !== undefined || instance.enabled !== wasEnabled) instance.next_run_at = this.nextRunOf(instance);
    if (change.execution_policy !== undefined) instance.execution_policy = change.execution_policy;
    const dependsOn = change.depends_on === undefined ? undefined : await this.dependencies.checked(manager, instance.id, change.depends_on);
    if (dependsOn !== undefined) instance.depends_on = dependsOn.length > 0 ? dependsOn : null;
    instance.status = impliedStatus(instance);
    instance.updated_at = nowEpochSeconds();
    instance.version += 1;
    await this.instances.save(manager, instance);
    if (dependsOn !== undefined) await this.dependencies.save(manager, instance.id, dependsOn);
    await this.history.record(manager, instance, kind, changedBy, instance.updated_at, change.restored_from ?? null);
    return instance;
  }

  /** A write in its own transaction, or in the one provisioning applies a set of files in. */
  private writing<T>(provisioning: ProvisioningWrite | undefined, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return provisioning ? work(provisioning.manager) : this.transactions.run(work);
  }

  /** An instance a provisioning file declares changes through that file only (running it is allowed). */
  private assertNotProvisioned(instance: PluginInstanceEntity): void {
    if (!instance.provisioned_from) return;
    const detail = `instance '${instance.name}' is provisioned from the file '${instance.provisioned_from}' (PROVISIONING_PATH): change it there and reload provisioning`;
    throw new ConflictError('provisioned', detail, { extensions: { provisioned_from: instance.provisioned_from } });
  }

  private validSchedule(input: ScheduleInput): Schedule {
    const checked = normaliseSchedule(input);
    if (!checked.schedule) throw new ValidationFailedError('schedule is not valid', checked.errors);
    return checked.schedule;
  }

  /** The config a PUT stores (see ConfigReplacement: kept secrets merged in, cleared ones dropped), validated, then sealed again. */
  private async replacedConfig(template: RegisteredTemplate, instance: PluginInstanceEntity, incoming: Record<string, unknown>): Promise<Record<string, unknown>> {
    const replaced = await this.configReplacement.replace(template, instance, incoming);
    if (!replaced.validation.valid) throw new ConfigInvalidError(template.id, replaced.validation.errors);
    return this.secrets.seal(instance.id, replaced.config, template.configSchema.secrets);
  }

  private async assertConfigValid(template: RegisteredTemplate, config: Record<string, unknown>): Promise<void> {
    const validation = await this.templates.validateConfig(template, config);
    if (!validation.valid) throw new ConfigInvalidError(template.id, validation.errors);
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
      const holder = await this.instances.findIdByName(name);
      throw this.nameTaken(name, holder?.id);
    }
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { ConfigInvalidError, ConflictError, FieldError } from '../common/domain-errors';
import { isPlainObject } from '../common/json';
import { nowEpochSeconds } from '../common/time';
import { TransactionService } from '../database/transaction.service';
import { OpenedConfig, SecretsService } from '../secrets/secrets.service';
import { RegisteredTemplate, TemplateRegistryService } from '../templates/template-registry.service';
import { compareTemplateVersions, TemplateVersionError } from '../templates/template-version';
import { ConfigError, ConfigErrorType } from './config-error';
import { InstanceHistoryService } from './instance-history.service';
import { InstanceRepository } from './instance.repository';
import { PluginInstanceVersionEntity } from './plugin-instance-version.entity';
import { impliedStatus, PluginInstanceEntity } from './plugin-instance.entity';

/** A config that cannot be brought to the loaded template's version, and why (what an instance's config_error holds). */
export class ConfigMigrationFailure extends Error {
  constructor(readonly configError: ConfigError) {
    super(configError.message);
    this.name = 'ConfigMigrationFailure';
  }
}

/** Equal precedence (build metadata aside); false for a malformed version, which upgrade() reports. */
function sameVersion(a: string, b: string): boolean {
  try {
    return a === b || compareTemplateVersions(a, b) === 0;
  } catch {
    return false;
  }
}

const describeErrors = (errors: FieldError[]) => errors.map((error) => `${error.path} ${error.message}`).join('; ');

/**
 * Template config migration: brings configs saved under an older version of their template to the loaded
 * version through the template's `migrate` (if it has one), validated as a PUT's config is. At boot every stored
 * instance of an older (or newer) template version is judged: migrated ones are saved as a new version
 * (change_kind `migration`, by `system`); the others keep their config and get a config_error, which makes them
 * `error` and refuses their runs until fixed. Rollbacks to, and runs of, a past version saved under an older
 * template version are migrated the same way.
 */
@Injectable()
export class ConfigMigrationService {
  private readonly logger = new Logger(ConfigMigrationService.name);

  constructor(
    private readonly instances: InstanceRepository,
    private readonly templates: TemplateRegistryService,
    private readonly secrets: SecretsService,
    private readonly transactions: TransactionService,
    private readonly history: InstanceHistoryService,
  ) {}

  /** The boot sweep (after plugins are loaded and secrets sealed, before requests are served). */
  async migrateStored(): Promise<void> {
    const loaded = this.templates.list().map(({ id, version }) => ({ id, version }));
    const counts = { migrated: 0, failed: 0, cleared: 0 };
    for (const instance of await this.instances.findMigrationCandidates(loaded)) {
      // Not loaded: its runs are refused as template-unavailable; it is judged when its plugin is back.
      const template = this.templates.get(instance.template_id);
      if (!template) continue;
      const outcome = await this.migrateStoredInstance(instance, template);
      if (outcome) counts[outcome]++;
    }
    if (counts.migrated + counts.failed + counts.cleared === 0) return;
    const message = `template config migration: ${counts.migrated} instance(s) migrated, ${counts.failed} could not be (status error, see their config_error), ${counts.cleared} config error(s) cleared`;
    if (counts.failed > 0) this.logger.error(message);
    else this.logger.log(message);
  }

  /**
   * The opened config (secrets in plaintext), saved under `fromVersion` of the template, as a config for the
   * loaded version: itself when the versions are equal, else what the template's `migrate` makes of it (itself
   * without one), validated against the schema and the template's own checks. Not sealed, no defaults applied.
   * Throws ConfigMigrationFailure.
   */
  async upgrade(template: RegisteredTemplate, opened: OpenedConfig, fromVersion: string): Promise<Record<string, unknown>> {
    if (fromVersion === template.version) return opened.config;
    const fail = (type: ConfigErrorType, message: string, errors: FieldError[] = []): never => {
      throw new ConfigMigrationFailure({ type, message, from_version: fromVersion, to_version: template.version, errors });
    };
    let order: number;
    try {
      order = compareTemplateVersions(fromVersion, template.version);
    } catch (error) {
      if (!(error instanceof TemplateVersionError)) throw error;
      return fail('config-migration-failed', `the stored template version ${error.message}`);
    }
    if (order === 0) return opened.config;
    if (order > 0) {
      return fail('template-version-newer', `its config was saved under version ${fromVersion} of template '${template.id}', newer than the loaded ${template.version}; load that version of the plugin again, or save a config valid for ${template.version}`);
    }
    if (opened.unreadable.length > 0) {
      return fail('config-migration-failed', `its config cannot be migrated from ${fromVersion} to ${template.version}: ${opened.unreadable.map((error) => error.message).join('; ')}`);
    }
    const scrubber = this.secrets.scrubberFor(opened, template.configSchema.secrets);
    let migrated: unknown = opened.config;
    if (template.migrate) {
      try {
        // A copy: a migrate that changes its argument in place must not change what the caller holds.
        migrated = await template.migrate(structuredClone(opened.config), fromVersion);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return fail('config-migration-failed', `template '${template.id}' could not migrate its config from ${fromVersion} to ${template.version}: ${scrubber.text(reason)}`);
      }
      if (!isPlainObject(migrated)) {
        return fail('config-migration-failed', `migrate() of template '${template.id}' returned ${Array.isArray(migrated) ? 'an array' : migrated === null ? 'null' : typeof migrated}, not a config object`);
      }
    }
    const validation = await this.templates.validateConfig(template, migrated);
    if (!validation.valid) {
      const what = template.migrate ? `the config migrated from ${fromVersion} to ${template.version} is not valid` : `template '${template.id}' went from ${fromVersion} to ${template.version} without a migrate function, and the stored config is not valid for ${template.version}`;
      return fail('config-migration-failed', `${what}: ${describeErrors(validation.errors)}`, validation.errors);
    }
    return migrated as Record<string, unknown>;
  }

  /**
   * The sealed config a rollback to `target` stores: its own when it was saved under the loaded template version
   * (checked as before: 400 config-invalid), else migrated from its template version (409 when it cannot be).
   */
  async configForRollback(template: RegisteredTemplate, instanceId: string, target: PluginInstanceVersionEntity): Promise<Record<string, unknown>> {
    const opened = this.secrets.open(instanceId, target.config, 'lenient');
    if (target.template_version === template.version) {
      // Sealed secrets are kept as sealed (bound to this instance); the check sees their values.
      const validation = await this.templates.validateConfig(template, opened.config);
      if (!validation.valid) throw new ConfigInvalidError(template.id, validation.errors);
      return target.config;
    }
    try {
      return this.secrets.seal(instanceId, await this.upgrade(template, opened, target.template_version), template.configSchema.secrets, opened.sealedPaths);
    } catch (error) {
      if (!(error instanceof ConfigMigrationFailure)) throw error;
      const { type, message, from_version, to_version } = error.configError;
      throw new ConflictError(type, `version ${target.version} cannot be rolled back to: ${message}`, { extensions: { instance_id: instanceId, from_version, to_version } });
    }
  }

  /** Judges one stored instance; what happened to it, or null when it changed meanwhile (left to that change). */
  private async migrateStoredInstance(instance: PluginInstanceEntity, template: RegisteredTemplate): Promise<'migrated' | 'failed' | 'cleared' | null> {
    if (sameVersion(instance.template_version, template.version)) {
      // The loaded code matches the config again (a config error of an earlier boot: the plugin was downgraded, then restored).
      if (!instance.config_error) return null;
      const status = impliedStatus({ ...instance, config_error: null });
      const cleared = await this.transactions.run((manager) => this.instances.saveConfigError(manager, instance.id, instance.version, null, status), { singleWrite: true });
      return cleared ? 'cleared' : null;
    }
    const opened = this.secrets.open(instance.id, instance.config, 'lenient');
    let config: Record<string, unknown>;
    try {
      config = await this.upgrade(template, opened, instance.template_version);
    } catch (error) {
      if (!(error instanceof ConfigMigrationFailure)) throw error;
      this.logger.error(`instance ${instance.id} ('${instance.name}'): ${error.message}; it is in error and does not run until fixed`);
      const saved = await this.transactions.run((manager) => this.instances.saveConfigError(manager, instance.id, instance.version, error.configError, 'error'), { singleWrite: true });
      return saved ? 'failed' : null;
    }
    const sealed = this.secrets.seal(instance.id, config, template.configSchema.secrets, opened.sealedPaths);
    const saved = await this.transactions.run(async (manager) => {
      const current = await this.instances.findInTransaction(manager, instance.id);
      if (!current || current.version !== instance.version) return false;
      Object.assign(current, { config: sealed, template_version: template.version, config_error: null, updated_at: nowEpochSeconds(), version: current.version + 1 });
      current.status = impliedStatus(current);
      await this.instances.save(manager, current);
      await this.history.record(manager, current, 'migration', 'system', current.updated_at);
      return true;
    });
    if (saved) this.logger.log(`instance ${instance.id} ('${instance.name}'): config migrated from ${instance.template_version} to ${template.version} of template '${template.id}'`);
    return saved ? 'migrated' : null;
  }
}

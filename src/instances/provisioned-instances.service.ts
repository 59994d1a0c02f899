import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Principal } from '../auth/principal';
import { ConfigInvalidError } from '../common/domain-errors';
import { sameJson } from '../common/json';
import { placeholderErrors } from '../secrets/secret-config';
import { SecretsService } from '../secrets/secrets.service';
import { TemplateRegistryService } from '../templates/template-registry.service';
import { InstanceRepository } from './instance.repository';
import { DefinitionChange, InstancesService } from './instances.service';
import { ExecutionPolicy, PluginInstanceEntity } from './plugin-instance.entity';
import { Schedule } from './schedule';

/** Provisioning creates instances as nobody in particular (created_by null). */
const PROVISIONING_PRINCIPAL: Principal = Object.freeze({ keyId: null, keyName: 'provisioning', scopes: [], via: 'auth-none' as const });

/** An instance as a provisioning file declares it: its whole definition (left out means the default), depends_on as ids. */
export interface InstanceDeclaration {
  name: string;
  template_id: string;
  /** In plaintext: sealed here. */
  config: Record<string, unknown>;
  enabled: boolean;
  execution_policy: Partial<ExecutionPolicy> | null;
  /** Normalised (normaliseSchedule), as stored. */
  schedule: Schedule | null;
  /** Without repeats, in the order declared. */
  depends_on: string[];
}

export type DeclarationOutcome = 'created' | 'updated' | 'unchanged';

/**
 * The instances module's side of provisioning: finds instances by name and writes what files declare, in the
 * caller's transaction, through InstancesService (the same checks, sealing and history as API writes, past the
 * read-only guard that keeps the API off provisioned instances).
 */
@Injectable()
export class ProvisionedInstancesService {
  constructor(
    private readonly instances: InstancesService,
    private readonly repository: InstanceRepository,
    private readonly templates: TemplateRegistryService,
    private readonly secrets: SecretsService,
  ) {}

  /** The instance holding this name (compared as names are), as the caller's transaction sees it. */
  findByName(manager: EntityManager, name: string): Promise<PluginInstanceEntity | null> {
    return this.repository.findByName(manager, name);
  }

  findProvisioned(manager: EntityManager): Promise<Pick<PluginInstanceEntity, 'id' | 'name' | 'provisioned_from'>[]> {
    return this.repository.findProvisioned(manager);
  }

  /**
   * Makes `existing` (null: none has the name yet) what `file` declares. A new instance is created; an existing
   * one gets a new version (change_kind `provisioning`, changed_by the file) only when its definition differs,
   * secrets compared by value. Either way it is provisioned from `file` afterwards. The caller checked that an
   * existing instance has the declared template.
   */
  async declare(manager: EntityManager, existing: PluginInstanceEntity | null, declared: InstanceDeclaration, file: string): Promise<{ instance: PluginInstanceEntity; outcome: DeclarationOutcome }> {
    const write = { manager, file };
    if (!existing) {
      const created = await this.instances.create({ ...declared, execution_policy: declared.execution_policy ?? undefined }, PROVISIONING_PRINCIPAL, write);
      return { instance: created, outcome: 'created' };
    }

    const template = this.templates.require(existing.template_id, 'update');
    const patterns = template.configSchema.secrets;
    const placeholders = placeholderErrors(declared.config, patterns, false);
    if (placeholders.length > 0) throw new ConfigInvalidError(template.id, placeholders);
    const validation = await this.templates.validateConfig(template, declared.config);
    if (!validation.valid) throw new ConfigInvalidError(template.id, validation.errors);

    const change: DefinitionChange = {};
    if (existing.name !== declared.name) change.name = declared.name;
    const stored = this.secrets.open(existing.id, existing.config, 'lenient');
    // Also when the stored config is under another template version or could not be migrated: the declared one is for the loaded template.
    const configStale = existing.template_version !== template.version || existing.config_error !== null;
    if (stored.unreadable.length > 0 || configStale || !sameJson(stored.config, declared.config)) {
      change.config = { sealed: this.secrets.seal(existing.id, declared.config, patterns), templateVersion: template.version };
    }
    if (existing.enabled !== declared.enabled) change.enabled = declared.enabled;
    if (!sameJson(existing.execution_policy ?? null, declared.execution_policy)) change.execution_policy = declared.execution_policy;
    if (!sameJson(existing.schedule ?? null, declared.schedule)) change.schedule = declared.schedule;
    if (!sameJson(existing.depends_on ?? [], declared.depends_on)) change.depends_on = declared.depends_on;

    if (Object.keys(change).length === 0) {
      // Moved to another file (or adopted from the API) without a change of its definition: no new version.
      if (existing.provisioned_from !== file) await this.repository.setProvisionedFrom(manager, existing.id, file);
      existing.provisioned_from = file;
      return { instance: existing, outcome: 'unchanged' };
    }
    existing.provisioned_from = file;
    return { instance: await this.instances.applyChange(manager, existing, change, 'provisioning', file), outcome: 'updated' };
  }

  /** Deletes it as InstancesService.delete does (refused while it runs or others depend on it), whichever file declared it. */
  remove(manager: EntityManager, id: string, file: string): Promise<void> {
    return this.instances.delete(id, { manager, file });
  }

  /** No file declares it any more: it stays as it is, and the API may change it again. */
  release(manager: EntityManager, id: string): Promise<void> {
    return this.repository.setProvisionedFrom(manager, id, null);
  }
}

import { Injectable } from '@nestjs/common';
import { compare, Operation } from 'fast-json-patch';
import { EntityManager } from 'typeorm';
import { Principal } from '../auth/principal';
import { DomainError, NotFoundError } from '../common/domain-errors';
import { InstanceRepository } from './instance.repository';
import { Page } from '../common/pagination';
import { Settings } from '../config/settings';
import { setValueAt, valueAt } from '../secrets/secret-paths';
import { SECRET_MASK } from '../secrets/secret-scrubber';
import { SecretsService } from '../secrets/secrets.service';
import { ChangeKind, PluginInstanceVersionEntity } from './plugin-instance-version.entity';
import { executionPolicyOf, PluginInstanceEntity } from './plugin-instance.entity';
import { VersionRepository } from './version.repository';

/** Who a change is recorded as: the API key's name, else how the caller came in. */
export function changedByOf(principal: Principal): string {
  if (principal.keyName) return principal.keyName;
  return principal.via === 'auth-none' ? 'anonymous' : 'loopback';
}

/** What a version says an instance is: the fields a diff compares, secrets still sealed. */
export type VersionDocument = Pick<PluginInstanceVersionEntity, 'name' | 'template_id' | 'config' | 'template_version' | 'enabled' | 'schedule' | 'depends_on'> & {
  execution_policy: ReturnType<typeof executionPolicyOf>;
};

const documentOf = (version: PluginInstanceVersionEntity): VersionDocument => ({
  name: version.name,
  template_id: version.template_id,
  config: version.config,
  template_version: version.template_version,
  enabled: version.enabled,
  execution_policy: executionPolicyOf(version),
  schedule: version.schedule ?? null,
  depends_on: version.depends_on ?? [],
});

/** Stands for a secret whose value differs from the other side's, until the patch is masked. */
const CHANGED_SECRET = `${SECRET_MASK} (changed)`;

/**
 * The history of each instance's definition: a version row for every change (written in the change's own
 * transaction, pruned to INSTANCE_HISTORY_LIMIT), listed, read and compared as JSON Patch. Rollback is a
 * change like any other, made by InstancesService.
 */
@Injectable()
export class InstanceHistoryService {
  constructor(
    private readonly versions: VersionRepository,
    private readonly secrets: SecretsService,
    private readonly settings: Settings,
    private readonly instances: InstanceRepository,
  ) {}

  /**
   * Records the instance as it is now, at its current version (a rollback's with `restoredFrom`, the version it
   * restored), and drops versions past the limit (0: history is off).
   */
  async record(manager: EntityManager, instance: PluginInstanceEntity, kind: ChangeKind, changedBy: string, at: number, restoredFrom: number | null = null): Promise<void> {
    const keep = this.settings.instanceHistoryLimit;
    if (keep === 0) return;
    await this.versions.record(manager, instance, kind, changedBy, at, restoredFrom);
    if (instance.version > keep) await this.versions.prune(manager, instance.id, instance.version, keep);
  }

  list(instanceId: string, query: { limit?: number; cursor?: string }): Promise<Page<PluginInstanceVersionEntity>> {
    return this.versions.page(instanceId, query);
  }

  /** Versions that may hold a secret: of the given templates, or with a sealed envelope in their config (the boot's sealing sweep). */
  findSecretCandidates(secretTemplateIds: string[]): Promise<PluginInstanceVersionEntity[]> {
    return this.versions.findSecretCandidates(secretTemplateIds);
  }

  /** A version's config sealed again at boot (under the current key); its content is unchanged. */
  saveResealed(version: PluginInstanceVersionEntity, config: Record<string, unknown>): Promise<void> {
    return this.versions.saveResealed(version, config);
  }

  /** One version, or null. */
  find(instanceId: string, version: number, manager?: EntityManager): Promise<PluginInstanceVersionEntity | null> {
    return this.versions.find(instanceId, version, manager);
  }

  /** One version (404 `version-not-found` when it never existed or was pruned). */
  async get(instanceId: string, version: number, manager?: EntityManager): Promise<PluginInstanceVersionEntity> {
    const found = await this.versions.find(instanceId, version, manager);
    if (!found && !(await this.instances.findCommitted(instanceId))) throw new NotFoundError('instance-not-found', 'instance', instanceId);
    if (!found) throw new DomainError('version-not-found', `instance '${instanceId}' has no version ${version}: it was never written, or is older than the newest INSTANCE_HISTORY_LIMIT kept`);
    return found;
  }

  /**
   * The RFC 6902 JSON Patch that turns version `from` into version `to`. A secret shows as added, removed or
   * replaced by the mask when its value differs (compared decrypted: sealing again changes the envelope,
   * not the value), never with its value.
   */
  async diff(instanceId: string, from: number, to: number): Promise<Operation[]> {
    const [before, after] = await Promise.all([this.get(instanceId, from), this.get(instanceId, to)]);
    const opened = [before, after].map((version) => this.secrets.open(instanceId, version.config, 'lenient'));
    const documents = [documentOf(before), documentOf(after)];
    // Each secret becomes the mask on both sides, or CHANGED_SECRET on the `to` side when its value differs.
    for (const [side, other] of [
      [0, 1],
      [1, 0],
    ] as const) {
      const masked = structuredClone(documents[side].config);
      for (const path of opened[side].sealedPaths) {
        const differs = JSON.stringify(valueAt(opened[side].config, path)) !== JSON.stringify(valueAt(opened[other].config, path));
        setValueAt(masked, path, side === 1 && differs ? CHANGED_SECRET : SECRET_MASK);
      }
      documents[side] = { ...documents[side], config: masked };
    }
    return compare(documents[0], documents[1]).map((operation) =>
      'value' in operation && operation.value === CHANGED_SECRET ? { ...operation, value: SECRET_MASK } : operation,
    );
  }
}

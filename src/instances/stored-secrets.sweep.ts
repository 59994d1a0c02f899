import { Injectable, Logger } from '@nestjs/common';
import { isSecretEnvelope } from '../secrets/secret-cipher';
import { secretPathsIn, valueAt } from '../secrets/secret-paths';
import { SecretsService } from '../secrets/secrets.service';
import { TemplateRegistryService } from '../templates/template-registry.service';
import { InstanceHistoryService } from './instance-history.service';
import { InstanceRepository } from './instance.repository';

/** Seals, at boot, every stored secret that is not sealed under the current key: in instances and in their history. */
@Injectable()
export class StoredSecretsSweep {
  private readonly logger = new Logger(StoredSecretsSweep.name);

  constructor(
    private readonly instances: InstanceRepository,
    private readonly history: InstanceHistoryService,
    private readonly templates: TemplateRegistryService,
    private readonly secrets: SecretsService,
  ) {}

  /**
   * The boot sweep: a seed database adopted in place, or a template that newly marks a field secret,
   * leaves plaintext secrets; SECRET_KEY_PREVIOUS leaves envelopes under the old key. Both are sealed
   * again with the current key. The row's version is kept: what clients see does not change.
   */
  async sealStoredSecrets(): Promise<void> {
    let sealed = 0;
    // Only rows that can hold a secret: of a template with secret fields, or with an envelope in their config.
    const secretTemplates = this.templates.list().filter((template) => template.configSchema.secrets.length > 0).map((template) => template.id);
    for (const instance of await this.instances.findSecretCandidates(secretTemplates)) {
      const resealed = this.resealed(instance.id, instance.template_id, instance.config, `instance ${instance.id}`);
      if (!resealed) continue;
      instance.config = resealed;
      await this.instances.saveResealed(instance);
      sealed++;
    }
    // Their history too: a version keeps the config it had (a seed's plaintext, a secret under the previous key).
    let versions = 0;
    for (const version of await this.history.findSecretCandidates(secretTemplates)) {
      const resealed = this.resealed(version.instance_id, version.template_id, version.config, `version ${version.version} of instance ${version.instance_id}`);
      if (!resealed) continue;
      await this.history.saveResealed(version, resealed);
      versions++;
    }
    if (sealed === 0 && versions === 0) return;
    this.logger.warn(`sealed the secrets of ${sealed} instance(s) and ${versions} version(s) stored in plaintext or under the previous key`);
    // Rebuild the file so the replaced plaintext does not linger (SQLite).
    for (const failure of await this.instances.compactAfterReseal()) this.logger.warn(failure);
  }

  /** The config with every secret sealed under the current key, or null when it already is (or cannot be read: logged). */
  private resealed(instanceId: string, templateId: string, config: Record<string, unknown>, what: string): Record<string, unknown> | null {
    const patterns = this.templates.get(templateId)?.configSchema.secrets ?? [];
    const plaintext = secretPathsIn(config, patterns).filter((path) => {
      const value = valueAt(config, path);
      return value !== null && !isSecretEnvelope(value);
    });
    const opened = this.secrets.open(instanceId, config, 'lenient');
    if (opened.unreadable.length > 0) {
      this.logger.error(`${what}: ${opened.unreadable.map((e) => e.message).join('; ')}; it cannot be run or rolled back to until the right key is set`);
      return null;
    }
    if (plaintext.length === 0 && opened.rotated === 0) return null;
    return this.secrets.seal(instanceId, opened.config, patterns, opened.sealedPaths);
  }

}

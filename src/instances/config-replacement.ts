import { Injectable } from '@nestjs/common';
import { DomainError, FieldError } from '../common/domain-errors';
import { mergeSecrets, placeholderErrors } from '../secrets/secret-config';
import { configPointer, deleteValueAt } from '../secrets/secret-paths';
import { SecretsService } from '../secrets/secrets.service';
import { ConfigValidation } from '../templates/config-schema.service';
import { InstanceConfigCheck } from '../templates/instance-config-check';
import { RegisteredTemplate, TemplateRegistryService } from '../templates/template-registry.service';
import { InstanceRepository } from './instance.repository';
import { PluginInstanceEntity } from './plugin-instance.entity';

export interface ReplacedConfig {
  /** What a PUT stores, secrets still in plaintext (the caller seals it): the request's config, kept secrets merged in, cleared ones dropped. */
  config: Record<string, unknown>;
  /** The verdict on it, as POST /validate answers it (`config` there with the schema's defaults applied). */
  validation: ConfigValidation;
}

const REQUIRED = 'is required';
const CANNOT_CLEAR = 'is required and cannot be cleared: send a new value, or leave it out (or send the mask) to keep the stored one';

/**
 * The one way a config replaces an instance's stored one, shared by PUT (which stores it) and by validate with
 * `instance_id` (which only answers): a secret sent as the mask or left out keeps its stored value, null clears it
 * (its key is dropped before the schema sees it), then the result is validated with real values.
 */
@Injectable()
export class ConfigReplacement implements InstanceConfigCheck {
  constructor(
    private readonly templates: TemplateRegistryService,
    private readonly secrets: SecretsService,
    private readonly instances: InstanceRepository,
  ) {}

  async replace(template: RegisteredTemplate, instance: PluginInstanceEntity, incoming: Record<string, unknown>): Promise<ReplacedConfig> {
    const patterns = template.configSchema.secrets;
    const refused = (errors: FieldError[]): ReplacedConfig => ({ config: incoming, validation: { valid: false, errors, config: incoming } });
    const placeholders = placeholderErrors(incoming, patterns, true);
    if (placeholders.length > 0) return refused(placeholders);
    const stored = this.secrets.open(instance.id, instance.config, 'lenient').config;
    const merged = mergeSecrets(incoming, stored, patterns);
    if (merged.errors.length > 0) return refused(merged.errors);
    let validation = await this.templates.validateConfig(template, merged.config);
    // A kept secret the new config has no place for (auth switched from bearer to basic) is dropped, not an error.
    const misplaced = merged.carried.filter((path) => validation.errors.some((error) => error.path === configPointer(path)));
    if (misplaced.length > 0) {
      for (const path of misplaced) deleteValueAt(merged.config, path);
      validation = await this.templates.validateConfig(template, merged.config);
    }
    // A secret the schema requires cannot be cleared: say so where the schema only says "is required".
    const cleared = new Set(merged.cleared.map(configPointer));
    if (cleared.size > 0) validation = { ...validation, errors: validation.errors.map((error) => (cleared.has(error.path) && error.message === REQUIRED ? { ...error, message: CANNOT_CLEAR } : error)) };
    return { config: merged.config, validation };
  }

  async validateForInstance(template: RegisteredTemplate, instanceId: string, config: Record<string, unknown>): Promise<ConfigValidation> {
    const instance = await this.instances.findCommitted(instanceId);
    if (!instance) {
      throw new DomainError('instance-not-found', `instance '${instanceId}' does not exist`, { errors: [{ path: '/instance_id', message: 'no instance has this id' }] });
    }
    if (instance.template_id !== template.id) {
      throw new DomainError('instance-template-mismatch', `instance '${instanceId}' is an instance of template '${instance.template_id}', not '${template.id}'`, {
        errors: [{ path: '/instance_id', message: `is an instance of template '${instance.template_id}'` }],
        extensions: { instance_id: instanceId },
      });
    }
    return (await this.replace(template, instance, config)).validation;
  }
}

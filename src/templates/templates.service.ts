import { Injectable } from '@nestjs/common';
import { TemplateCategory } from '../sdk/types';
import { maskConfig } from '../secrets/secret-config';
import { ConfigValidation } from './config-schema.service';
import { InstanceConfigCheck } from './instance-config-check';
import { PluginLoadError } from './plugin-loader';
import { RegisteredTemplate, TemplateRegistryService } from './template-registry.service';
import { TemplateUsage } from './template-usage';

export interface TemplateWithCount {
  template: RegisteredTemplate;
  instanceCount: number;
}

/** Read side of the template catalogue for the HTTP API. */
@Injectable()
export class TemplatesService {
  constructor(
    private readonly registry: TemplateRegistryService,
    private readonly usage: TemplateUsage,
    private readonly instanceConfigs: InstanceConfigCheck,
  ) {}

  async list(category?: TemplateCategory): Promise<TemplateWithCount[]> {
    const counts = await this.usage.countByTemplate();
    return this.registry
      .list()
      .filter((template) => category === undefined || template.category === category)
      .map((template) => ({ template, instanceCount: counts[template.id] ?? 0 }));
  }

  async get(id: string): Promise<TemplateWithCount> {
    const template = this.registry.require(id);
    return { template, instanceCount: await this.usage.countForTemplate(id) };
  }

  /** The verdict (for a PUT to `instanceId` when given), with the echoed config's secrets masked. */
  async validateConfig(id: string, config: Record<string, unknown>, instanceId?: string): Promise<ConfigValidation & { secret_fields: string[] }> {
    const template = this.registry.require(id);
    const validation = instanceId === undefined ? await this.registry.validateConfig(template, config) : await this.instanceConfigs.validateForInstance(template, instanceId, config);
    return { ...validation, ...maskConfig(validation.config, template.configSchema.secrets) };
  }

  loadErrors(): PluginLoadError[] {
    return this.registry.loadErrors();
  }
}

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { NotFoundError } from '../common/domain-errors';
import { countInstancesByTemplate } from '../instances/instance-counts';
import { PluginInstanceEntity } from '../instances/plugin-instance.entity';
import { TemplateCategory } from '../sdk/types';
import { maskConfig } from '../secrets/secret-config';
import { ConfigValidation } from './config-schema.service';
import { PluginLoadError } from './plugin-loader';
import { RegisteredTemplate, TemplateRegistryService } from './template-registry.service';
import { READER_CONNECTION } from '../database/database.options';

export interface TemplateWithCount {
  template: RegisteredTemplate;
  instanceCount: number;
}

/** Read side of the template catalogue for the HTTP API. */
@Injectable()
export class TemplatesService {
  constructor(
    private readonly registry: TemplateRegistryService,
    @InjectRepository(PluginInstanceEntity, READER_CONNECTION) private readonly instances: Repository<PluginInstanceEntity>,
  ) {}

  async list(category?: TemplateCategory): Promise<TemplateWithCount[]> {
    const counts = await countInstancesByTemplate(this.instances);
    return this.registry
      .list()
      .filter((template) => category === undefined || template.category === category)
      .map((template) => ({ template, instanceCount: counts[template.id] ?? 0 }));
  }

  async get(id: string): Promise<TemplateWithCount> {
    const template = this.require(id);
    return { template, instanceCount: await this.instances.countBy({ template_id: id }) };
  }

  /** The verdict, with the echoed config's secrets masked. */
  async validateConfig(id: string, config: Record<string, unknown>): Promise<ConfigValidation & { secret_fields: string[] }> {
    const template = this.require(id);
    const validation = await this.registry.validateConfig(template, config);
    return { ...validation, ...maskConfig(validation.config, template.configSchema.secrets) };
  }

  loadErrors(): PluginLoadError[] {
    return this.registry.loadErrors();
  }

  private require(id: string): RegisteredTemplate {
    const template = this.registry.get(id);
    if (!template) throw new NotFoundError('template-not-found', 'template', id);
    return template;
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { TemplateMissingError, TemplateUse } from '../common/domain-errors';
import { secretPathsIn, valueAt } from '../secrets/secret-paths';
import { SecretScrubber, secretStrings } from '../secrets/secret-scrubber';
import { ConfigIssue, ExecutionContext, PluginResult, TemplateCategory } from '../sdk/types';
import { CompiledConfigSchema, ConfigSchemaService, ConfigValidation } from './config-schema.service';
import { PluginLoadError } from './plugin-loader';

/** A template as the rest of the service sees it, whichever style its plugin was written in. */
export interface RegisteredTemplate {
  id: string;
  name: string;
  description: string;
  category: TemplateCategory;
  version: string;
  supportsMultipleInstances: boolean;
  configSchema: CompiledConfigSchema;
  /** Default run timeout in ms, or null for none. */
  timeoutMs: number | null;
  source: string;
  run(config: Record<string, unknown>, ctx: ExecutionContext): Promise<PluginResult>;
  /** The plugin's own checks beyond the schema, if it has any. */
  check?(config: Record<string, unknown>): Promise<ConfigIssue[]>;
  /** The plugin's migration of a config saved under an older `fromVersion` to this version, if it has one. */
  migrate?(config: Record<string, unknown>, fromVersion: string): Promise<unknown>;
}

export class PluginsStrictError extends Error {
  constructor(errors: PluginLoadError[]) {
    super(`PLUGINS_STRICT=true and ${errors.length} plugin(s) failed to load:\n${errors.map((e) => `  - ${e.source}: ${e.error}`).join('\n')}`);
    this.name = 'PluginsStrictError';
  }
}

/** The loaded templates by id (filled by TemplateExplorer at module init), and the plugins that failed to load. */
@Injectable()
export class TemplateRegistryService {
  private readonly logger = new Logger(TemplateRegistryService.name);
  private readonly templates = new Map<string, RegisteredTemplate>();
  private readonly errors: PluginLoadError[] = [];

  constructor(private readonly configSchemas: ConfigSchemaService) {}

  add(template: RegisteredTemplate): void {
    this.templates.set(template.id, template);
  }

  recordLoadErrors(errors: PluginLoadError[]): void {
    this.errors.push(...errors);
  }

  /** The template, or undefined where a missing one is not an error (a boot sweep, a run that records it). */
  get(id: string): RegisteredTemplate | undefined {
    return this.templates.get(id);
  }

  /** The template, or the one error for a missing template, reported as `use` asks (see TemplateMissingError). */
  require(id: string, use: TemplateUse = 'lookup'): RegisteredTemplate {
    const template = this.templates.get(id);
    if (!template) throw new TemplateMissingError(id, use);
    return template;
  }

  list(): RegisteredTemplate[] {
    return [...this.templates.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * Validates a config against the template's schema and then the template's own checks; the result
   * carries a defaults-applied copy. Paths are JSON Pointers under /config. Messages never carry the
   * config's secret values: they are scrubbed.
   */
  async validateConfig(template: RegisteredTemplate, config: unknown): Promise<ConfigValidation> {
    const scrubber = new SecretScrubber(secretPathsIn(config, template.configSchema.secrets).flatMap((path) => secretStrings(valueAt(config, path))));
    const validation = this.configSchemas.validate(template.configSchema, config);
    if (!validation.valid || !template.check) return { ...validation, errors: scrubber.value(validation.errors) };
    let issues: ConfigIssue[];
    try {
      issues = await template.check(validation.config);
    } catch (error) {
      // A plugin bug must not turn a client's request into a 5xx: report it as a config problem.
      this.logger.error(scrubber.text(`template '${template.id}' validate() threw: ${(error as Error)?.message}`));
      issues = [{ path: '', message: `template '${template.id}' could not check this config: ${(error as Error)?.message ?? String(error)}` }];
    }
    const errors = (Array.isArray(issues) ? issues : []).map((issue) => ({ path: `/config${issue.path ?? ''}`, message: String(issue.message) }));
    return { valid: errors.length === 0, errors: scrubber.value(errors), config: validation.config };
  }

  loadErrors(): PluginLoadError[] {
    return [...this.errors];
  }
}

import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Settings } from '../config/settings';
import { PluginTemplate } from '../sdk/plugin-template.decorator';
import { secretPathsIn, valueAt } from '../secrets/secret-paths';
import { SecretScrubber, secretStrings } from '../secrets/secret-scrubber';
import { ConfigIssue, ExecutionContext, PluginHandler, PluginResult, TEMPLATE_CATEGORIES, TemplateCategory } from '../sdk/types';
import { CompiledConfigSchema, ConfigSchemaService, ConfigValidation } from './config-schema.service';
import { LOADED_PLUGINS, LoadedPlugins, PluginLoadError } from './plugin-loader';

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
}

interface TemplateCandidate {
  id: unknown;
  name: unknown;
  description: unknown;
  category: unknown;
  version: unknown;
  supportsMultipleInstances?: unknown;
  configSchema: unknown;
  timeoutMs?: unknown;
  source: string;
  run: RegisteredTemplate['run'];
  check?: RegisteredTemplate['check'];
}

export class PluginsStrictError extends Error {
  constructor(errors: PluginLoadError[]) {
    super(`PLUGINS_STRICT=true and ${errors.length} plugin(s) failed to load:\n${errors.map((e) => `  - ${e.source}: ${e.error}`).join('\n')}`);
    this.name = 'PluginsStrictError';
  }
}

const TEMPLATE_ID = /^[a-z][a-z0-9_]*$/;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * Holds every loaded template. Class-style templates are found through DiscoveryService by the
 * @PluginTemplate metadata key; function-style ones come from the loader's registerPlugin calls.
 */
@Injectable()
export class TemplateRegistryService implements OnModuleInit {
  private readonly logger = new Logger(TemplateRegistryService.name);
  private readonly templates = new Map<string, RegisteredTemplate>();
  private readonly errors: PluginLoadError[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly configSchemas: ConfigSchemaService,
    @Inject(LOADED_PLUGINS) private readonly loaded: LoadedPlugins,
    private readonly settings: Settings,
  ) {}

  onModuleInit(): void {
    this.errors.push(...this.loaded.errors);
    const wrappers = this.discovery.getProviders({ metadataKey: PluginTemplate.KEY });
    const provided = new Set(wrappers.map((wrapper) => wrapper.metatype));
    for (const declared of this.loaded.declaredTemplateClasses) {
      if (!provided.has(declared)) {
        this.errors.push({ source: this.loaded.sources.get(declared) ?? declared.name, error: `@PluginTemplate class ${declared.name} is exported but the plugin's module does not provide it` });
      }
    }
    for (const wrapper of wrappers) {
      const options = this.discovery.getMetadataByDecorator(PluginTemplate, wrapper);
      const handler = wrapper.instance as PluginHandler | undefined;
      const source = this.loaded.sources.get(wrapper.metatype) ?? String(wrapper.name);
      if (!options || !handler || typeof handler.execute !== 'function') {
        this.errors.push({ source, error: `@PluginTemplate class ${String(wrapper.name)} has no execute(config, ctx) method` });
        continue;
      }
      this.register({
        ...options,
        source,
        run: async (config, ctx) => handler.execute(config, ctx),
        check: typeof handler.validate === 'function' ? async (config) => handler.validate!(config) : undefined,
      });
    }
    for (const { definition, source } of this.loaded.functionTemplates) {
      const handler = definition.handler;
      if (typeof handler !== 'function') {
        this.errors.push({ source, error: `template '${String(definition.id)}' has no handler function` });
        continue;
      }
      this.register({
        id: definition.id,
        name: definition.name,
        description: definition.description ?? '',
        category: definition.category,
        version: definition.version ?? '1.0.0',
        supportsMultipleInstances: definition.supports_multiple_instances,
        configSchema: definition.config_schema,
        timeoutMs: definition.timeout_ms,
        source,
        run: async (config, ctx) => handler(config, ctx),
        check: typeof definition.validate === 'function' ? async (config) => definition.validate!(config) : undefined,
      });
    }
    for (const error of this.errors) this.logger.error(`plugin failed to load: ${error.source}: ${error.error}`);
    if (this.settings.pluginsStrict && this.errors.length > 0) throw new PluginsStrictError(this.errors);
    this.logger.log(`loaded ${this.templates.size} template(s): ${[...this.templates.keys()].sort().join(', ') || 'none'}`);
  }

  private register(candidate: TemplateCandidate): void {
    const problem = this.problemWith(candidate);
    if (problem) {
      this.errors.push({ source: candidate.source, error: `template '${String(candidate.id)}': ${problem}` });
      return;
    }
    let configSchema: CompiledConfigSchema;
    try {
      configSchema = this.configSchemas.compile(candidate.configSchema);
    } catch (error) {
      this.errors.push({ source: candidate.source, error: `template '${String(candidate.id)}': config_schema does not compile: ${(error as Error).message}` });
      return;
    }
    this.templates.set(candidate.id as string, {
      id: candidate.id as string,
      name: candidate.name as string,
      description: candidate.description as string,
      category: candidate.category as TemplateCategory,
      version: candidate.version as string,
      supportsMultipleInstances: candidate.supportsMultipleInstances !== false,
      configSchema,
      timeoutMs: (candidate.timeoutMs as number | undefined) ?? null,
      source: candidate.source,
      run: candidate.run,
      check: candidate.check,
    });
  }

  private problemWith(candidate: TemplateCandidate): string | null {
    if (typeof candidate.id !== 'string' || !TEMPLATE_ID.test(candidate.id)) return `id must match ${TEMPLATE_ID.source}`;
    const existing = this.templates.get(candidate.id);
    if (existing) return `duplicate template id, already registered by ${existing.source}`;
    if (typeof candidate.name !== 'string' || candidate.name.trim() === '') return 'name must be a non-empty string';
    if (typeof candidate.description !== 'string') return 'description must be a string';
    if (!TEMPLATE_CATEGORIES.includes(candidate.category as TemplateCategory)) return `category must be one of ${TEMPLATE_CATEGORIES.join(', ')}`;
    if (typeof candidate.version !== 'string' || !SEMVER.test(candidate.version)) return 'version must be a semantic version such as 1.0.0';
    if (candidate.supportsMultipleInstances !== undefined && typeof candidate.supportsMultipleInstances !== 'boolean') return 'supports_multiple_instances must be a boolean';
    if (candidate.timeoutMs !== undefined && !(Number.isInteger(candidate.timeoutMs) && (candidate.timeoutMs as number) > 0)) return 'timeout must be a positive whole number of milliseconds';
    return null;
  }

  get(id: string): RegisteredTemplate | undefined {
    return this.templates.get(id);
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

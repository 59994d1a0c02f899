import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Settings } from '../config/settings';
import { PluginTemplate } from '../sdk/plugin-template.decorator';
import { PluginHandler, TEMPLATE_CATEGORIES, TemplateCategory } from '../sdk/types';
import { CompiledConfigSchema, ConfigSchemaService } from './config-schema.service';
import { LOADED_PLUGINS, LoadedPlugins, PluginLoadError } from './plugin-loader';
import { PluginsStrictError, RegisteredTemplate, TemplateRegistryService } from './template-registry.service';

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
  migrate?: unknown;
}

const TEMPLATE_ID = /^[a-z][a-z0-9_]*$/;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * Finds the templates, as @nestjs/schedule's and @nestjs/bullmq's explorers find their handlers: class-style
 * templates through DiscoveryService by the @PluginTemplate metadata key, function-style ones from the
 * loader's registerPlugin calls. Each is checked and compiled, then handed to the registry; every refusal
 * becomes a load error.
 */
@Injectable()
export class TemplateExplorer implements OnModuleInit {
  private readonly logger = new Logger(TemplateExplorer.name);
  private readonly errors: PluginLoadError[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly configSchemas: ConfigSchemaService,
    private readonly registry: TemplateRegistryService,
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
      const source = this.loaded.sources.get(wrapper.metatype) ?? String(wrapper.name);
      // A handler runs outside any request, so it must be one shared instance (as @nestjs/bullmq's explorer insists for processors).
      if (!wrapper.isDependencyTreeStatic()) {
        const error = `@PluginTemplate class ${String(wrapper.name)} is request-scoped (itself or through a dependency); template handlers must be singletons`;
        this.logger.warn(`${source}: ${error}`);
        this.errors.push({ source, error });
        continue;
      }
      const handler = wrapper.instance as PluginHandler | undefined;
      if (!options || !handler || typeof handler.execute !== 'function') {
        this.errors.push({ source, error: `@PluginTemplate class ${String(wrapper.name)} has no execute(config, ctx) method` });
        continue;
      }
      this.register({
        ...options,
        source,
        run: async (config, ctx) => handler.execute(config, ctx),
        check: typeof handler.validate === 'function' ? async (config) => handler.validate!(config) : undefined,
        migrate: typeof handler.migrate === 'function' ? async (config: Record<string, unknown>, fromVersion: string) => handler.migrate!(config, fromVersion) : undefined,
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
        migrate: definition.migrate === undefined ? undefined : typeof definition.migrate === 'function' ? async (config: Record<string, unknown>, fromVersion: string) => definition.migrate!(config, fromVersion) : definition.migrate,
      });
    }
    for (const error of this.errors) this.logger.error(`plugin failed to load: ${error.source}: ${error.error}`);
    this.registry.recordLoadErrors(this.errors);
    if (this.settings.pluginsStrict && this.errors.length > 0) throw new PluginsStrictError(this.errors);
    this.logger.log(`loaded ${this.registry.list().length} template(s): ${this.registry.list().map((template) => template.id).join(', ') || 'none'}`);
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
    this.registry.add({
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
      migrate: candidate.migrate as RegisteredTemplate['migrate'],
    });
  }

  private problemWith(candidate: TemplateCandidate): string | null {
    if (typeof candidate.id !== 'string' || !TEMPLATE_ID.test(candidate.id)) return `id must match ${TEMPLATE_ID.source}`;
    const existing = this.registry.get(candidate.id);
    if (existing) return `duplicate template id, already registered by ${existing.source}`;
    if (typeof candidate.name !== 'string' || candidate.name.trim() === '') return 'name must be a non-empty string';
    if (typeof candidate.description !== 'string') return 'description must be a string';
    if (!TEMPLATE_CATEGORIES.includes(candidate.category as TemplateCategory)) return `category must be one of ${TEMPLATE_CATEGORIES.join(', ')}`;
    if (typeof candidate.version !== 'string' || !SEMVER.test(candidate.version)) return 'version must be a semantic version such as 1.0.0';
    if (candidate.supportsMultipleInstances !== undefined && typeof candidate.supportsMultipleInstances !== 'boolean') return 'supports_multiple_instances must be a boolean';
    if (candidate.migrate !== undefined && typeof candidate.migrate !== 'function') return 'migrate must be a function (config, fromVersion)';
    if (candidate.timeoutMs !== undefined && !(Number.isInteger(candidate.timeoutMs) && (candidate.timeoutMs as number) > 0)) return 'timeout must be a positive whole number of milliseconds';
    return null;
  }
}

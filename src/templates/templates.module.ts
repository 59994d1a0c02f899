import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Settings } from '../config/settings';
import { ConfigSchemaService } from './config-schema.service';
import { BUNDLED_PLUGIN_ROOT, LOADED_PLUGINS, loadPlugins } from './plugin-loader';
import { TemplateExplorer } from './template-explorer';
import { PluginsStrictError, TemplateRegistryService } from './template-registry.service';
import { TemplatesController } from './templates.controller';
import { TemplatesService } from './templates.service';

/**
 * Loads plugins from disk before the module graph is built, so their @PluginTemplate classes become
 * providers (with DI) and their Nest modules are imported. Global: the registry is used everywhere.
 * instance_count comes through TemplateUsage, and validate with `instance_id` through InstanceConfigCheck, both bound by the instances module.
 */
@Module({})
export class TemplatesModule {
  static async forRoot(settings: Settings): Promise<DynamicModule> {
    const loaded = await loadPlugins([BUNDLED_PLUGIN_ROOT, ...settings.pluginPaths]);
    if (settings.pluginsStrict && loaded.errors.length > 0) throw new PluginsStrictError(loaded.errors);
    return {
      module: TemplatesModule,
      global: true,
      imports: [DiscoveryModule, ...loaded.pluginModules],
      controllers: [TemplatesController],
      providers: [{ provide: LOADED_PLUGINS, useValue: loaded }, ConfigSchemaService, TemplateRegistryService, TemplateExplorer, TemplatesService, ...loaded.templateClasses],
      exports: [TemplateRegistryService],
    };
  }
}

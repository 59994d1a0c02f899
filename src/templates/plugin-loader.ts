import * as fs from 'node:fs';
import * as path from 'node:path';
import { Type } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants';
import { PluginTemplate } from '../sdk/plugin-template.decorator';
import { FunctionTemplateDefinition, PluginRegistrationContext, RegisterPlugin } from '../sdk/types';

export interface PluginLoadError {
  /** The plugin folder or file that failed. */
  source: string;
  error: string;
}

export interface FunctionTemplateRegistration {
  definition: FunctionTemplateDefinition;
  source: string;
}

/** What the loader found on disk, before Nest builds the module graph. */
export interface LoadedPlugins {
  /** @PluginTemplate classes to register as providers. */
  templateClasses: Type[];
  /** Every exported @PluginTemplate class, whoever provides it. */
  declaredTemplateClasses: Type[];
  /** Nest modules exported by plugins that bring providers of their own. */
  pluginModules: Type[];
  functionTemplates: FunctionTemplateRegistration[];
  /** Where each class or definition came from, for error messages. */
  sources: Map<unknown, string>;
  errors: PluginLoadError[];
}

export const LOADED_PLUGINS = Symbol('LOADED_PLUGINS');

/** The plugins shipped with the service: `plugins/` beside `src/` (the build output's copy when running from dist). */
export const BUNDLED_PLUGIN_ROOT = path.resolve(__dirname, '..', '..', 'plugins');

const isNestModule = (value: unknown): value is Type =>
  typeof value === 'function' && Object.values(MODULE_METADATA).some((key) => Reflect.hasOwnMetadata(key, value));

const isTemplateClass = (value: unknown): value is Type =>
  typeof value === 'function' && Reflect.hasOwnMetadata(PluginTemplate.KEY, value);

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function resolveIndex(folder: string): string | null {
  try {
    // require.resolve picks index.js from a build, or index.ts under ts-jest.
    return require.resolve(folder);
  } catch {
    return null;
  }
}

/**
 * Scans `<root>/<plugin>/index` for each root, imports it, and sorts its exports into template classes,
 * Nest modules and function-style registrations. A plugin that throws is recorded, never fatal here.
 */
export async function loadPlugins(roots: string[]): Promise<LoadedPlugins> {
  const loaded: LoadedPlugins = { templateClasses: [], declaredTemplateClasses: [], pluginModules: [], functionTemplates: [], sources: new Map(), errors: [] };
  for (const root of roots) {
    let folders: string[];
    try {
      folders = fs
        .readdirSync(root, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && !entry.name.startsWith('_'))
        .map((entry) => path.join(root, entry.name))
        .sort();
    } catch (error) {
      loaded.errors.push({ source: root, error: `plugin root is not readable: ${describe(error)}` });
      continue;
    }
    for (const folder of folders) {
      await loadFolder(folder, loaded);
    }
  }
  return loaded;
}

async function loadFolder(folder: string, loaded: LoadedPlugins): Promise<void> {
  const indexFile = resolveIndex(folder);
  if (!indexFile) {
    loaded.errors.push({ source: folder, error: 'no index file (index.js) in plugin folder' });
    return;
  }
  let exports: Record<string, unknown>;
  try {
    exports = require(indexFile) as Record<string, unknown>;
  } catch (error) {
    loaded.errors.push({ source: indexFile, error: `import failed: ${describe(error)}` });
    return;
  }

  const modules = Object.values(exports).filter(isNestModule);
  const classes = Object.values(exports).filter(isTemplateClass);
  for (const moduleClass of modules) {
    loaded.pluginModules.push(moduleClass);
    loaded.sources.set(moduleClass, indexFile);
  }
  // A plugin that exports a module provides its template classes itself; otherwise we register them.
  for (const templateClass of classes) {
    loaded.sources.set(templateClass, indexFile);
    loaded.declaredTemplateClasses.push(templateClass);
    if (modules.length === 0) loaded.templateClasses.push(templateClass);
  }

  const registerPlugin = exports.registerPlugin;
  if (typeof registerPlugin === 'function') {
    const definitions: FunctionTemplateDefinition[] = [];
    const context: PluginRegistrationContext = { templates: { register: (definition) => void definitions.push(definition) } };
    try {
      await (registerPlugin as RegisterPlugin)(context);
    } catch (error) {
      loaded.errors.push({ source: indexFile, error: `registerPlugin failed: ${describe(error)}` });
      return;
    }
    for (const definition of definitions) {
      loaded.functionTemplates.push({ definition, source: indexFile });
    }
  }

  if (modules.length === 0 && classes.length === 0 && typeof registerPlugin !== 'function') {
    loaded.errors.push({ source: indexFile, error: 'exports no @PluginTemplate class, Nest module or registerPlugin function' });
  }
}

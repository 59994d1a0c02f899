import { DiscoveryService } from '@nestjs/core';
import { PluginTemplateOptions } from './types';

/**
 * Marks a class as a plugin template. The class becomes a Nest provider (so constructor injection works)
 * and TemplateRegistryService finds it through DiscoveryService by this decorator's metadata key.
 */
export const PluginTemplate = DiscoveryService.createDecorator<PluginTemplateOptions>();

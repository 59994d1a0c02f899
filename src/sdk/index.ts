export { PluginTemplate } from './plugin-template.decorator';
export * from './types';

/**
 * A typed client for the Plugin Instance Framework API: the types in schema.d.ts are generated from
 * openapi/openapi.json by openapi-typescript (`npm run openapi`); requests go through openapi-fetch.
 *
 *   const api = createPluginClient('http://127.0.0.1:3000', { headers: { authorization: `Bearer ${token}` } });
 *   const { data, error } = await api.GET('/api/plugins/templates', { params: { query: { category: 'data_import' } } });
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

export type { components, operations, paths };
export type Template = components['schemas']['TemplateDto'];
export type Instance = components['schemas']['InstanceDto'];
export type Execution = components['schemas']['ExecutionDto'];
export type Problem = components['schemas']['ProblemDto'];
export type ApiKey = components['schemas']['ApiKeyDto'];
export type PluginClient = Client<paths>;

export function createPluginClient(baseUrl: string, options: Omit<ClientOptions, 'baseUrl'> = {}): PluginClient {
  return createClient<paths>({ baseUrl, ...options });
}

/** Everything a plugin sees. Plugins import only from `src/sdk`. */

export const TEMPLATE_CATEGORIES = ['data_import', 'api_fetcher', 'file_importer', 'exporter', 'transformer'] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];

/** A JSON Schema (draft-07 / 2019-09 keywords as ajv understands them) describing a template's config. */
export type JsonSchema = Record<string, unknown>;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What a handler returns on success: a JSON object. `{ status: 'error' }` marks a failed run. */
export type PluginResult = Record<string, unknown>;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ExecutionProgress {
  current: number;
  total?: number;
  message?: string;
}

/** What started a run: an API call, a retry of a failed attempt, a schedule slot, or a webhook delivery. */
export type ExecutionTrigger = ManualTrigger | RetryTrigger | ScheduleTrigger | WebhookTrigger | UpstreamTrigger;

/** What can start a run: the `type` of ExecutionTrigger, including the kinds later trigger sources add. */
export const TRIGGER_TYPES = ['manual', 'schedule', 'webhook', 'upstream', 'retry'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export interface ManualTrigger {
  type: 'manual';
  payload?: Record<string, unknown>;
}

export interface RetryTrigger {
  type: 'retry';
  /** `previous_execution_id`: the attempt this one retries. */
  payload?: Record<string, unknown>;
  /**
   * What started the first attempt (a webhook delivery with its payload, a schedule slot, the upstream runs), so
   * that a retry handles the same input; absent on runs recorded before it was kept.
   */
  original?: Exclude<ExecutionTrigger, RetryTrigger>;
}

export interface ScheduleTrigger {
  type: 'schedule';
  /** The slot this run is for (ISO 8601, UTC); a catch-up run after downtime carries the missed slot. */
  scheduled_for: string;
  payload?: Record<string, unknown>;
}

export interface WebhookTrigger {
  type: 'webhook';
  /** The webhook (of this instance) the delivery came through. */
  webhook_id: string;
  /**
   * The delivered body: the parsed JSON value (application/json), an object of fields (form; a repeated field
   * becomes an array), the text itself (text/plain), or null for an empty body.
   */
  payload: JsonValue;
}

export interface UpstreamTrigger {
  type: 'upstream';
  /**
   * The successful runs of the instance's upstreams (its `depends_on`, in that order) that started this one:
   * for each upstream, its latest success since this instance's previous upstream-triggered run.
   */
  execution_ids: string[];
}

/** Handed to every run: who is running, a cancellation signal, and ways to report back. */
export interface ExecutionContext {
  readonly executionId: string;
  readonly instance: { readonly id: string; readonly name: string; readonly template_id: string };
  /** Aborts when the run must stop (cancel, timeout, server shutdown): long handlers should pass it on or check it. */
  readonly signal: AbortSignal;
  readonly trigger: ExecutionTrigger;
  progress(progress: ExecutionProgress): void;
  log(level: LogLevel, message: string): void;
}

/** A problem with a config that JSON Schema cannot express; `path` is a JSON Pointer inside the config. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** The class-style plugin contract. */
export interface PluginHandler<Config = Record<string, unknown>> {
  execute(config: Config, ctx: ExecutionContext): Promise<PluginResult> | PluginResult;
  /**
   * Optional checks beyond the schema (paths inside their roots, table names, read-only SQL). Runs
   * after the schema passed, when an instance is created or updated, on validate, and before each run.
   */
  validate?(config: Config): ConfigIssue[] | Promise<ConfigIssue[]>;
  /**
   * Optional: turns a config saved under an older version of this template (`fromVersion`, e.g. `1.0.0`) into
   * one for the current version. Called once per stored instance at boot (and for an older version being rolled
   * back to, or run by execute?version=N), with secrets opened; what it returns is validated like a PUT's config
   * and saved as a new version. Throw (with a message a user can act on) when a config cannot be migrated.
   */
  migrate?(config: Record<string, unknown>, fromVersion: string): MigratedConfig<Config> | Promise<MigratedConfig<Config>>;
}

/** What a template's `migrate` returns: the config for its current version. */
export type MigratedConfig<Config = Record<string, unknown>> = Config | Record<string, unknown>;

export interface PluginTemplateOptions {
  /** Stable id, `^[a-z][a-z0-9_]*$`; instances refer to it. */
  id: string;
  name: string;
  description: string;
  category: TemplateCategory;
  /** Semantic version of the template, e.g. `1.0.0`. */
  version: string;
  /** false: at most one instance of this template may exist. Default true. */
  supportsMultipleInstances?: boolean;
  configSchema: JsonSchema;
  /** Default run timeout in ms; instances may override it with execution_policy.timeout_ms. */
  timeoutMs?: number;
}

/** The seed's function style: `registerPlugin(ctx)` calls `ctx.templates.register(...)`. */
export interface FunctionTemplateDefinition {
  id: string;
  name: string;
  description?: string;
  category: TemplateCategory;
  version?: string;
  supports_multiple_instances?: boolean;
  config_schema: JsonSchema;
  /** Default run timeout in ms. */
  timeout_ms?: number;
  handler: (config: Record<string, unknown>, ctx: ExecutionContext) => Promise<PluginResult> | PluginResult;
  validate?: (config: Record<string, unknown>) => ConfigIssue[] | Promise<ConfigIssue[]>;
  /** As PluginHandler.migrate: the config saved under `fromVersion`, made fit for this `version`. */
  migrate?: (config: Record<string, unknown>, fromVersion: string) => MigratedConfig | Promise<MigratedConfig>;
}

export interface PluginRegistrationContext {
  templates: { register(definition: FunctionTemplateDefinition): void };
}

export type RegisterPlugin = (ctx: PluginRegistrationContext) => void | Promise<void>;

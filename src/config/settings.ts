import * as fs from 'node:fs';
import * as path from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';
import { parseAllowEntry } from '../outbound-http/address-policy';
import { parseSecretKey } from '../secrets/secret-key';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_FORMATS = ['pretty', 'json'] as const;
export const AUTH_MODES = ['keys', 'none'] as const;

const toBoolean = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  return value; // left as a string so validation reports it
};
const toInteger = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  return /^-?\d+$/.test(String(value).trim()) ? Number(value) : value;
};
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** Raw environment variables, validated once at boot. Decorators apply bottom-up: the type check sits last so it is reported first. */
class EnvironmentVariables {
  @IsOptional() @IsString() @MinLength(1) @Transform(emptyToUndefined)
  HOST?: string;

  @IsOptional() @Max(65535) @Min(0) @IsInt() @Transform(toInteger)
  PORT?: number;

  @IsOptional() @IsString() @Transform(emptyToUndefined)
  DATA_DIR?: string;

  @IsOptional() @Matches(/^(sqlite:|postgres:\/\/|postgresql:\/\/|file:|\/|\.)/, {
    message: 'DATABASE_URL must be a postgres:// URL, a sqlite: URL or a file path',
  })
  @Transform(emptyToUndefined)
  DATABASE_URL?: string;

  @IsOptional() @Matches(/^(sqlite:|postgres:\/\/|postgresql:\/\/|file:|\/|\.)/, {
    message: 'DATA_STORE_URL must be a postgres:// URL, a sqlite: URL or a file path',
  })
  @Transform(emptyToUndefined)
  DATA_STORE_URL?: string;

  @IsOptional() @IsString() @Transform(emptyToUndefined)
  PLUGIN_PATHS?: string;

  @IsOptional() @IsString() @Transform(emptyToUndefined)
  IMPORT_ROOTS?: string;

  @IsOptional() @IsString() @MinLength(1) @Transform(emptyToUndefined)
  EXPORT_ROOT?: string;

  @IsOptional() @IsBoolean({ message: 'PLUGINS_STRICT must be true or false' }) @Transform(toBoolean)
  PLUGINS_STRICT?: boolean;

  @IsOptional() @IsIn(LOG_LEVELS) @Transform(emptyToUndefined)
  LOG_LEVEL?: (typeof LOG_LEVELS)[number];

  @IsOptional() @IsIn(LOG_FORMATS) @Transform(emptyToUndefined)
  LOG_FORMAT?: (typeof LOG_FORMATS)[number];

  @IsOptional() @Max(64 * 1024 * 1024) @Min(1024) @IsInt() @Transform(toInteger)
  BODY_LIMIT_BYTES?: number;

  @IsOptional() @Max(1000) @Min(1) @IsInt() @Transform(toInteger)
  JSON_MAX_DEPTH?: number;

  @IsOptional() @Max(1_000_000) @Min(0) @IsInt() @Transform(toInteger)
  RATE_LIMIT_MAX?: number;

  @IsOptional() @Max(86_400_000) @Min(1000) @IsInt() @Transform(toInteger)
  RATE_LIMIT_WINDOW_MS?: number;

  @IsOptional() @IsString() @Transform(emptyToUndefined)
  CORS_ORIGINS?: string;

  @IsOptional() @IsString() @Transform(emptyToUndefined)
  FETCH_ALLOW_HOSTS?: string;

  @IsOptional() @IsBoolean({ message: 'FETCH_ALLOW_PRIVATE must be true or false' }) @Transform(toBoolean)
  FETCH_ALLOW_PRIVATE?: boolean;

  @IsOptional() @Max(600_000) @Min(0) @IsInt() @Transform(toInteger)
  SHUTDOWN_GRACE_MS?: number;

  @IsOptional() @Max(64) @Min(1) @IsInt() @Transform(toInteger)
  EXECUTION_CONCURRENCY?: number;

  @IsOptional() @Max(600_000) @Min(0) @IsInt() @Transform(toInteger)
  CANCEL_GRACE_MS?: number;

  @IsOptional() @Max(1_000_000) @Min(1) @IsInt() @Transform(toInteger)
  EXECUTION_HISTORY_LIMIT?: number;

  @IsOptional() @Max(1_000_000) @Min(0) @IsInt() @Transform(toInteger)
  INSTANCE_HISTORY_LIMIT?: number;

  @IsOptional() @Max(60_000) @Min(100) @IsInt() @Transform(toInteger)
  SCHEDULER_TICK_MS?: number;

  @IsOptional() @Max(3_600_000) @Min(0) @IsInt() @Transform(toInteger)
  SCHEDULER_CATCH_UP_SPREAD_MS?: number;

  @IsOptional() @Max(64 * 1024 * 1024) @Min(1024) @IsInt() @Transform(toInteger)
  WEBHOOK_MAX_BYTES?: number;

  @IsOptional() @Max(1_000_000) @Min(0) @IsInt() @Transform(toInteger)
  WEBHOOK_RATE_LIMIT_MAX?: number;

  @IsOptional() @IsIn(AUTH_MODES, { message: 'AUTH must be keys or none' }) @Transform(emptyToUndefined)
  AUTH?: (typeof AUTH_MODES)[number];

  @IsOptional() @Max(60_000) @Min(0) @IsInt() @Transform(toInteger)
  AUTH_CACHE_MS?: number;

  @IsOptional() @IsString() @Transform(emptyToUndefined)
  PROVISIONING_PATH?: string;
}

/** Key variables are checked apart from the rest: their values must never appear in an error message. */
const SECRET_KEY_VARIABLES = ['SECRET_KEY', 'SECRET_KEY_PREVIOUS'] as const;

export type DatabaseTarget = { type: 'sqlite'; file: string } | { type: 'postgres'; url: string };

/** Typed, validated settings: the only place the process environment is read. */
export class Settings {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly database: DatabaseTarget;
  readonly dataStore: DatabaseTarget;
  readonly pluginPaths: string[];
  /** Absolute import paths must lie under one of these (DATA_DIR always counts). */
  readonly importRoots: string[];
  /** Where exports are written; relative export paths resolve here. */
  readonly exportRoot: string;
  readonly pluginsStrict: boolean;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly logFormat: (typeof LOG_FORMATS)[number];
  readonly bodyLimitBytes: number;
  /** Deepest nesting of arrays and objects a JSON request body may have. */
  readonly jsonMaxDepth: number;
  /** Requests per client key per window; 0 turns rate limiting off. */
  readonly rateLimitMax: number;
  readonly rateLimitWindowMs: number;
  /** Exact origins allowed by CORS; empty means CORS is off. */
  readonly corsOrigins: string[];
  /** Outbound HTTP targets allowed despite the private-address block (see src/outbound-http). */
  readonly fetchAllowHosts: string[];
  /** Lifts the outbound block on private, loopback and link-local addresses (cloud metadata stays blocked). */
  readonly fetchAllowPrivate: boolean;
  readonly shutdownGraceMs: number;
  /** Runs executing at once in this process; the rest wait in the queue. */
  readonly executionConcurrency: number;
  /** How long a cancelled or timed-out handler may take to stop before it is abandoned. */
  readonly cancelGraceMs: number;
  /** Finished runs kept per instance; older ones are pruned after each run. */
  readonly executionHistoryLimit: number;
  /** Versions of its definition each instance keeps (the newest; older ones are deleted as new ones are written); 0: none. */
  readonly instanceHistoryLimit: number;
  /** The 32-byte key secrets are encrypted with; null: DATA_DIR/secret.key (created on first start). */
  readonly secretKey: Buffer | null;
  /** The key before a rotation: secrets it sealed still open, and are re-encrypted with secretKey at boot. */
  readonly secretKeyPrevious: Buffer | null;
  /** keys: API keys guard every route but /health (loopback is open while no key exists); none: no checks at all. */
  readonly authMode: (typeof AUTH_MODES)[number];
  /** How long a verified key (and the "any keys?" answer) is trusted before the database is asked again. */
  readonly authCacheMs: number;

  /** How often the scheduler asks the clock which slots are due. */
  readonly schedulerTickMs: number;
  /** Catch-up runs after downtime start within this window after boot, each instance at its own fixed offset. */
  readonly schedulerCatchUpSpreadMs: number;

  /** Largest webhook delivery body (POST /api/hooks/{token}); a larger one is answered 413. */
  readonly webhookMaxBytes: number;
  /** Deliveries one webhook accepts per minute (per process); 0 turns the per-webhook limit off. */
  readonly webhookRateLimitMax: number;

  /** The folder of provisioning files (absolute); null: provisioning is off. */
  readonly provisioningPath: string | null;
  /**
   * The environment as read at boot, for `${VAR}` in provisioning files, without the secret key variables
   * (a file must not be able to copy the key into a config).
   */
  readonly environment: Readonly<Record<string, string>>;

  constructor(values: Omit<Settings, never>) {
    Object.assign(this, values);
  }
}

export class InvalidSettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'InvalidSettingsError';
  }
}

function resolveDatabase(url: string | undefined, dataDir: string, defaultFile: string): DatabaseTarget {
  if (!url) return { type: 'sqlite', file: path.join(dataDir, defaultFile) };
  if (/^postgres(ql)?:\/\//.test(url)) return { type: 'postgres', url };
  const file = url.replace(/^sqlite:(\/\/)?/, '').replace(/^file:(\/\/)?/, '');
  return { type: 'sqlite', file: path.resolve(file) };
}

/** A colon-separated list of folders, resolved to absolute paths. */
function pathList(value: string | undefined): string[] {
  return (value ?? '')
    .split(':')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => path.resolve(entry));
}

/** A comma-separated list, trimmed, without empty entries. */
function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

function isExactOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

/** Why a folder that must exist cannot be read, or null. */
function folderProblem(folder: string): string | null {
  try {
    if (!fs.statSync(folder).isDirectory()) return `${folder} is not a folder`;
    fs.accessSync(folder, fs.constants.R_OK | fs.constants.X_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `the folder ${folder} does not exist` : `the folder ${folder} cannot be read (${code ?? (error as Error).message})`;
  }
}

/** Reads and validates the environment; throws InvalidSettingsError listing every bad value. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const keyValues = Object.fromEntries(SECRET_KEY_VARIABLES.map((name) => [name, env[name]]));
  const others = Object.fromEntries(Object.entries(env).filter(([name]) => !(SECRET_KEY_VARIABLES as readonly string[]).includes(name)));
  const raw = plainToInstance(EnvironmentVariables, others, { excludeExtraneousValues: false });
  const errors = validateSync(raw, { whitelist: false, forbidUnknownValues: false, stopAtFirstError: true });
  const problems = errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) => `${error.property}=${JSON.stringify(error.value)}: ${message}`),
  );
  const corsOrigins = commaList(raw.CORS_ORIGINS);
  for (const origin of corsOrigins) {
    if (!isExactOrigin(origin)) problems.push(`CORS_ORIGINS=${JSON.stringify(raw.CORS_ORIGINS)}: '${origin}' is not an origin like https://app.example.org (scheme, host and optional port, no path)`);
  }
  for (const entry of commaList(raw.FETCH_ALLOW_HOSTS)) {
    const parsed = parseAllowEntry(entry);
    if (typeof parsed === 'string') problems.push(`FETCH_ALLOW_HOSTS=${JSON.stringify(raw.FETCH_ALLOW_HOSTS)}: ${parsed}`);
  }
  const keys: Record<string, Buffer | null> = {};
  for (const name of SECRET_KEY_VARIABLES) {
    const value = keyValues[name];
    keys[name] = value ? parseSecretKey(value) : null;
    if (value && !keys[name]) problems.push(`${name}: must be 32 bytes written as 64 hex digits or as base64 (44 characters); generate one with: openssl rand -base64 32`);
  }
  if (keys.SECRET_KEY_PREVIOUS && !keys.SECRET_KEY) problems.push('SECRET_KEY_PREVIOUS: needs SECRET_KEY (the new key) as well');
  const provisioningPath = raw.PROVISIONING_PATH === undefined ? null : path.resolve(raw.PROVISIONING_PATH);
  const provisioningProblem = provisioningPath === null ? null : folderProblem(provisioningPath);
  if (provisioningProblem) problems.push(`PROVISIONING_PATH=${JSON.stringify(raw.PROVISIONING_PATH)}: ${provisioningProblem}`);
  if (problems.length > 0) throw new InvalidSettingsError(problems);
  const dataDir = path.resolve(raw.DATA_DIR ?? './data');
  return new Settings({
    host: raw.HOST ?? '127.0.0.1',
    port: raw.PORT ?? 3000,
    dataDir,
    database: resolveDatabase(raw.DATABASE_URL, dataDir, 'app.sqlite'),
    dataStore: resolveDatabase(raw.DATA_STORE_URL, dataDir, 'tables.sqlite'),
    pluginPaths: pathList(raw.PLUGIN_PATHS),
    importRoots: pathList(raw.IMPORT_ROOTS),
    exportRoot: path.resolve(raw.EXPORT_ROOT ?? path.join(dataDir, 'exports')),
    pluginsStrict: raw.PLUGINS_STRICT ?? false,
    logLevel: raw.LOG_LEVEL ?? 'info',
    logFormat: raw.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    bodyLimitBytes: raw.BODY_LIMIT_BYTES ?? 1024 * 1024,
    jsonMaxDepth: raw.JSON_MAX_DEPTH ?? 64,
    rateLimitMax: raw.RATE_LIMIT_MAX ?? 1000,
    rateLimitWindowMs: raw.RATE_LIMIT_WINDOW_MS ?? 60_000,
    corsOrigins: corsOrigins,
    fetchAllowHosts: commaList(raw.FETCH_ALLOW_HOSTS),
    fetchAllowPrivate: raw.FETCH_ALLOW_PRIVATE ?? false,
    shutdownGraceMs: raw.SHUTDOWN_GRACE_MS ?? 10_000,
    executionConcurrency: raw.EXECUTION_CONCURRENCY ?? 4,
    cancelGraceMs: raw.CANCEL_GRACE_MS ?? 5_000,
    executionHistoryLimit: raw.EXECUTION_HISTORY_LIMIT ?? 1_000,
    instanceHistoryLimit: raw.INSTANCE_HISTORY_LIMIT ?? 100,
    secretKey: keys.SECRET_KEY,
    secretKeyPrevious: keys.SECRET_KEY_PREVIOUS,
    authMode: raw.AUTH ?? 'keys',
    authCacheMs: raw.AUTH_CACHE_MS ?? 5_000,
    schedulerTickMs: raw.SCHEDULER_TICK_MS ?? 1_000,
    schedulerCatchUpSpreadMs: raw.SCHEDULER_CATCH_UP_SPREAD_MS ?? 60_000,
    webhookMaxBytes: raw.WEBHOOK_MAX_BYTES ?? 1024 * 1024,
    webhookRateLimitMax: raw.WEBHOOK_RATE_LIMIT_MAX ?? 60,
    provisioningPath,
    environment: Object.freeze(Object.fromEntries(Object.entries(others).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))),
  });
}

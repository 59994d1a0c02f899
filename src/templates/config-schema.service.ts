import { Injectable, Logger } from '@nestjs/common';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { FieldError } from '../common/domain-errors';
import { isPlainObject } from '../common/json';
import { secretPatternsOf, SecretPattern } from '../secrets/secret-paths';
import { JsonSchema } from '../sdk/types';

export interface ConfigValidation {
  valid: boolean;
  errors: FieldError[];
  /** The config with schema defaults applied (a copy; the input is untouched). */
  config: Record<string, unknown>;
}

const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SUBSCHEMA_SINGLE = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames'];

const escapePointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Rewrites the seed's property-level `required: true` into the standard `required` array, at every depth.
 * Returns a new schema; the plugin's object is not modified.
 */
export function normaliseRequired(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(normaliseRequired);
  if (!isPlainObject(schema)) return schema;
  const result: Record<string, unknown> = { ...schema };
  for (const key of SUBSCHEMA_SINGLE) if (key in result) result[key] = normaliseRequired(result[key]);
  for (const key of SUBSCHEMA_LISTS) if (Array.isArray(result[key])) result[key] = (result[key] as unknown[]).map(normaliseRequired);
  for (const key of SUBSCHEMA_MAPS) {
    if (!isPlainObject(result[key])) continue;
    result[key] = Object.fromEntries(Object.entries(result[key] as object).map(([name, sub]) => [name, normaliseRequired(sub)]));
  }
  if (isPlainObject(schema.properties)) {
    const required = new Set<string>(Array.isArray(schema.required) ? (schema.required as string[]) : []);
    const properties = result.properties as Record<string, unknown>;
    for (const [name, property] of Object.entries(properties)) {
      if (isPlainObject(property) && typeof property.required === 'boolean') {
        if (property.required) required.add(name);
        const { required: _flag, ...rest } = property;
        properties[name] = rest;
      }
    }
    if (required.size > 0) result.required = [...required];
    else if (typeof result.required === 'boolean') delete result.required;
  }
  return result;
}

function friendlyMessage(error: ErrorObject): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not an allowed property';
    case 'enum':
      return `must be one of: ${((error.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return error.message ?? 'is invalid';
  }
}

/** Converts ajv errors to one entry per failing field, with JSON Pointer paths under `prefix`. */
export function toFieldErrors(errors: ErrorObject[] | null | undefined, prefix: string): FieldError[] {
  const byPath = new Map<string, string>();
  for (const error of errors ?? []) {
    if (error.keyword === 'if') continue; // the failing `then`/`else` branch is reported on its own
    let pointer = error.instancePath;
    if (error.keyword === 'required') pointer += `/${escapePointer((error.params as { missingProperty: string }).missingProperty)}`;
    if (error.keyword === 'additionalProperties') pointer += `/${escapePointer((error.params as { additionalProperty: string }).additionalProperty)}`;
    const path = `${prefix}${pointer}`;
    if (!byPath.has(path)) byPath.set(path, friendlyMessage(error));
  }
  return [...byPath.entries()].map(([path, message]) => ({ path, message }));
}

export interface CompiledConfigSchema {
  schema: JsonSchema;
  validate: ValidateFunction;
  /** Where the config holds secrets (`writeOnly: true` or `format: "password"`). */
  secrets: SecretPattern[];
}

/** Compiles template config schemas with ajv and validates configs against them. */
@Injectable()
export class ConfigSchemaService {
  private readonly logger = new Logger(ConfigSchemaService.name);
  private readonly ajv: Ajv;

  constructor() {
    this.ajv = new Ajv({
      allErrors: true,
      useDefaults: true,
      strict: 'log',
      allowUnionTypes: true,
      logger: {
        log: (...args: unknown[]) => this.logger.log(args.join(' ')),
        warn: (...args: unknown[]) => this.logger.warn(`config schema: ${args.join(' ')}`),
        error: (...args: unknown[]) => this.logger.error(args.join(' ')),
      },
    });
    addFormats(this.ajv);
    // An annotation that marks a secret (as in OpenAPI); any string passes.
    this.ajv.addFormat('password', true);
  }

  /** Normalises and compiles a template schema; throws with ajv's reason when it does not compile. */
  compile(schema: unknown): CompiledConfigSchema {
    if (!isPlainObject(schema)) throw new Error('config_schema must be a JSON Schema object');
    if (schema.type !== undefined && schema.type !== 'object') throw new Error(`config_schema must describe an object (type: "object"), not ${JSON.stringify(schema.type)}`);
    const normalised = normaliseRequired(schema) as JsonSchema;
    if (normalised.type === undefined) normalised.type = 'object';
    return { schema: normalised, validate: this.ajv.compile(normalised), secrets: secretPatternsOf(normalised) };
  }

  /** Validates a config, applying defaults to a copy. `pointerPrefix` locates the config in the request body. */
  validate(compiled: CompiledConfigSchema, config: unknown, pointerPrefix = '/config'): ConfigValidation {
    const copy = structuredClone(config ?? {}) as Record<string, unknown>;
    const valid = compiled.validate(copy) as boolean;
    return { valid, errors: valid ? [] : toFieldErrors(compiled.validate.errors, pointerPrefix), config: copy };
  }
}

import type { RJSFSchema, ValidatorType } from '@rjsf/utils';

/**
 * A JSON Schema check that interprets the schema instead of compiling it. rjsf asks its validator which `oneOf`/`anyOf`
 * option and which `if`/`then`/`else` branch the data matches; @rjsf/validator-ajv8 answers by compiling the schema
 * with `new Function`, which the console's Content-Security-Policy (no 'unsafe-eval') forbids. The server's ajv stays
 * the one judge of validity: the form shows its answers (POST /templates/{id}/validate), so this only picks branches.
 *
 * Covers draft-07 and the 2019-09/2020-12 keywords templates use; `format` is not checked (the server does).
 */
type Schema = boolean | Record<string, unknown>;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Equality of JSON values; a key holding undefined counts as absent, as it would once sent. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  if (isObject(a) && isObject(b)) {
    const defined = (value: Record<string, unknown>) => Object.keys(value).filter((key) => value[key] !== undefined);
    const keys = defined(a);
    return keys.length === defined(b).length && keys.every((key) => deepEqual(a[key], b[key]));
  }
  return false;
}

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      return true;
  }
}

/** The schema a local `$ref` (`#`, `#/definitions/x`, `#/$defs/x`, any JSON Pointer) names in root, or undefined. */
export function resolveRef(ref: string, root: Schema): Schema | undefined {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return typeof node === 'boolean' || isObject(node) ? node : undefined;
}

const patternCache = new Map<string, RegExp | null>();
function regex(pattern: string): RegExp | null {
  if (!patternCache.has(pattern)) {
    try {
      patternCache.set(pattern, new RegExp(pattern, 'u'));
    } catch {
      patternCache.set(pattern, null); // a pattern JavaScript cannot read: leave it to the server
    }
  }
  return patternCache.get(pattern)!;
}

const length = (text: string) => [...text].length;

/** Whether value matches schema; `root` resolves local `$ref`s. Depth-limited so a cyclic `$ref` cannot hang the page. */
export function matchesSchema(schema: Schema | undefined, value: unknown, root: Schema = schema ?? true, depth = 0): boolean {
  if (schema === undefined || schema === true) return true;
  if (schema === false) return false;
  if (depth > 64) return true;
  const s = schema;
  const sub = (child: unknown, childValue: unknown) => matchesSchema(child as Schema, childValue, root, depth + 1);

  if (typeof s.$ref === 'string') {
    const target = resolveRef(s.$ref, root);
    if (target !== undefined && !sub(target, value)) return false;
  }
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((type) => typeMatches(type, value))) return false;
  }
  if ('const' in s && !deepEqual(s.const, value)) return false;
  if (Array.isArray(s.enum) && !s.enum.some((option) => deepEqual(option, value))) return false;

  if (typeof value === 'string') {
    if (typeof s.minLength === 'number' && length(value) < s.minLength) return false;
    if (typeof s.maxLength === 'number' && length(value) > s.maxLength) return false;
    if (typeof s.pattern === 'string') {
      const pattern = regex(s.pattern);
      if (pattern && !pattern.test(value)) return false;
    }
  }
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && (s.exclusiveMinimum === true ? value <= s.minimum : value < s.minimum)) return false;
    if (typeof s.maximum === 'number' && (s.exclusiveMaximum === true ? value >= s.maximum : value > s.maximum)) return false;
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) return false;
    if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum) return false;
    if (typeof s.multipleOf === 'number' && s.multipleOf > 0 && Math.abs(value / s.multipleOf - Math.round(value / s.multipleOf)) > 1e-9) return false;
  }
  if (Array.isArray(value) && !arrayMatches(s, value, sub)) return false;
  if (isObject(value) && !objectMatches(s, value, sub)) return false;

  if (Array.isArray(s.allOf) && !s.allOf.every((option) => sub(option, value))) return false;
  if (Array.isArray(s.anyOf) && !s.anyOf.some((option) => sub(option, value))) return false;
  if (Array.isArray(s.oneOf) && s.oneOf.filter((option) => sub(option, value)).length !== 1) return false;
  if (s.not !== undefined && sub(s.not, value)) return false;
  if (s.if !== undefined) {
    const branch = sub(s.if, value) ? s.then : s.else;
    if (branch !== undefined && !sub(branch, value)) return false;
  }
  return true;
}

function arrayMatches(s: Record<string, unknown>, value: unknown[], sub: (child: unknown, value: unknown) => boolean): boolean {
  if (typeof s.minItems === 'number' && value.length < s.minItems) return false;
  if (typeof s.maxItems === 'number' && value.length > s.maxItems) return false;
  if (s.uniqueItems === true && value.some((item, index) => value.findIndex((other) => deepEqual(other, item)) !== index)) return false;
  // Tuples: draft 2020-12 prefixItems + items, or the older items array + additionalItems.
  const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : Array.isArray(s.items) ? s.items : [];
  const rest = Array.isArray(s.prefixItems) ? s.items : Array.isArray(s.items) ? s.additionalItems : s.items;
  for (let index = 0; index < value.length; index += 1) {
    const itemSchema = index < prefix.length ? prefix[index] : rest;
    if (itemSchema !== undefined && !sub(itemSchema, value[index])) return false;
  }
  if (s.contains !== undefined && !value.some((item) => sub(s.contains, item))) return false;
  return true;
}

function objectMatches(s: Record<string, unknown>, value: Record<string, unknown>, sub: (child: unknown, value: unknown) => boolean): boolean {
  const keys = Object.keys(value).filter((key) => value[key] !== undefined);
  if (Array.isArray(s.required) && !s.required.every((key) => typeof key !== 'string' || value[key] !== undefined)) return false;
  if (typeof s.minProperties === 'number' && keys.length < s.minProperties) return false;
  if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties) return false;
  const properties = isObject(s.properties) ? s.properties : {};
  const patterns = isObject(s.patternProperties) ? Object.entries(s.patternProperties) : [];
  for (const key of keys) {
    if (s.propertyNames !== undefined && !sub(s.propertyNames, key)) return false;
    let known = false;
    if (key in properties) {
      known = true;
      if (!sub(properties[key], value[key])) return false;
    }
    for (const [pattern, schema] of patterns) {
      const re = regex(pattern);
      if (re && re.test(key)) {
        known = true;
        if (!sub(schema, value[key])) return false;
      }
    }
    if (!known && s.additionalProperties !== undefined && !sub(s.additionalProperties, value[key])) return false;
  }
  const dependencies = { ...(isObject(s.dependencies) ? s.dependencies : {}), ...(isObject(s.dependentRequired) ? s.dependentRequired : {}), ...(isObject(s.dependentSchemas) ? s.dependentSchemas : {}) };
  for (const [key, dependency] of Object.entries(dependencies)) {
    if (value[key] === undefined) continue;
    if (Array.isArray(dependency) ? !dependency.every((other) => value[other as string] !== undefined) : !sub(dependency, value)) return false;
  }
  return true;
}

/**
 * rjsf's validator: branch selection through matchesSchema; validation of the data itself is the server's, so
 * validateFormData reports nothing (the form shows the server's errors instead).
 */
export const consoleValidator: ValidatorType = {
  validateFormData: () => ({ errors: [], errorSchema: {} }),
  isValid: (schema: RJSFSchema, formData: unknown, rootSchema: RJSFSchema) => matchesSchema(schema as Schema, formData, rootSchema as Schema),
  rawValidation: <Result>(schema: RJSFSchema, formData?: unknown) => ({
    errors: (matchesSchema(schema as Schema, formData) ? [] : [{ message: 'does not match the schema' }]) as Result[],
  }),
};

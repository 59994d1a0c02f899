import type { RJSFSchema, UiSchema } from '@rjsf/utils';
import { resolveRef } from './schema-check';

/** What the API shows in place of a stored secret. It is never sent back as a value (see payload.ts). */
export const SECRET_MASK = '********';

export type JsonObject = Record<string, unknown>;

/** The form's data: the request body of POST/PUT /instances, so server error pointers (`/config/x`) name form fields. */
export interface InstanceFormData extends JsonObject {
  name: string;
  enabled: boolean;
  config: JsonObject;
}

/**
 * How rjsf fills defaults: also those inside `allOf` branches. api_fetcher declares its pagination and auth variants
 * as `allOf` of `if`/`then`, and choosing a variant should bring its defaults (page parameter "page", first page 1).
 */
export const DEFAULTS_BEHAVIOR = { allOf: 'populateDefaults' } as const;

export const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A secret as the server defines it (docs/configuration.md#secrets): `writeOnly: true` or `format: "password"`. */
export function isSecretSchema(schema: unknown): boolean {
  return isObject(schema) && (schema.writeOnly === true || schema.format === 'password');
}

/** Strings this long are code or prose (a SQL query): a text area instead of a one-line input. */
const TEXTAREA_MIN_MAX_LENGTH = 10_000;

/** Keywords that say what a value is; a schema with none of them takes any JSON value. */
const SHAPE_KEYWORDS = ['type', 'properties', 'items', 'enum', 'const', 'oneOf', 'anyOf', 'allOf', '$ref', 'additionalProperties', 'if', 'not'];

/** Rewrites the config schema's local `$ref`s (`#/definitions/x`) so they still resolve once it sits under `properties.config`. */
export function relocateRefs(schema: unknown, base: string): unknown {
  if (Array.isArray(schema)) return schema.map((item) => relocateRefs(item, base));
  if (!isObject(schema)) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, key === '$ref' && typeof value === 'string' && value.startsWith('#') ? `${base}${value.slice(1)}` : relocateRefs(value, base)]),
  );
}

/** Keywords whose value is one subschema, a list of them, or a map of them (JSON Schema draft-07 to 2020-12). */
const ONE_SCHEMA = ['additionalProperties', 'items', 'additionalItems', 'contains', 'propertyNames', 'not', 'if', 'then', 'else', 'unevaluatedProperties', 'unevaluatedItems'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items'];
const SCHEMA_MAPS = ['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas', 'dependencies'];

/**
 * The schema without `examples`: rjsf would offer them as the input's suggestion list, and a sample path such as
 * `imports/equipment.csv` is not a file the user has. The first example becomes the placeholder instead (uiSchemaFor).
 */
export function withoutExamples(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'examples') continue;
    if (SCHEMA_MAPS.includes(key) && isObject(value)) result[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, withoutExamples(child)]));
    else if (SCHEMA_LISTS.includes(key) && Array.isArray(value)) result[key] = value.map(withoutExamples);
    else if (ONE_SCHEMA.includes(key)) result[key] = withoutExamples(value);
    else result[key] = value;
  }
  return result;
}

/**
 * The schema of the whole form: name and enabled beside the template's config schema, shaped like the body of
 * POST /instances so that a problem's JSON Pointers (`/name`, `/config/table_name`) map onto fields one to one.
 */
export function instanceFormSchema(configSchema: JsonObject): RJSFSchema {
  return {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string', title: 'Name', description: 'Unique among all instances (compared trimmed and ignoring case).', minLength: 1, maxLength: 200 },
      enabled: { type: 'boolean', title: 'Enabled', description: 'A disabled instance does not run, neither when asked nor on its schedule.', default: true },
      config: relocateRefs(withoutExamples(configSchema), '#/properties/config') as RJSFSchema,
    },
  };
}

function merge(into: UiSchema, from: UiSchema): UiSchema {
  for (const [key, value] of Object.entries(from)) {
    const existing = into[key];
    into[key] = isObject(existing) && isObject(value) ? merge({ ...existing }, value) : (existing ?? value);
  }
  return into;
}

/**
 * The uiSchema for one schema node: secrets get the write-only secret field (keep / replace / clear), values of any
 * JSON type a JSON text area, long strings a text area, and string examples a placeholder. Properties declared in
 * `allOf`/`anyOf`/`oneOf`/`if`-`then`-`else` branches are covered too, as a secret can hide in any of them.
 */
export function uiSchemaFor(schema: unknown, root: unknown, depth = 0): UiSchema {
  if (!isObject(schema) || depth > 32) return {};
  const node = typeof schema.$ref === 'string' ? { ...(resolveRef(schema.$ref, root as JsonObject) as JsonObject | undefined), ...schema } : schema;
  if (isSecretSchema(node)) return { 'ui:field': 'secret' };
  if (!SHAPE_KEYWORDS.some((keyword) => keyword in node)) return { 'ui:field': 'json' };

  const ui: UiSchema = {};
  if (node.type === 'string' && typeof node.maxLength === 'number' && node.maxLength >= TEXTAREA_MIN_MAX_LENGTH) ui['ui:widget'] = 'textarea';
  const firstExample = Array.isArray(node.examples) ? node.examples[0] : undefined;
  if ((node.type === 'string' || node.type === 'integer' || node.type === 'number') && (typeof firstExample === 'string' || typeof firstExample === 'number') && String(firstExample).trim() !== '') {
    ui['ui:placeholder'] = `e.g. ${firstExample}`;
  }
  // A choice between kinds of one value (a sheet by name or by index): the field's label names the input, so the
  // chosen option's title, already shown in the option select, is not repeated above it.
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = Array.isArray(node[key]) ? (node[key] as unknown[]) : [];
    if (options.length > 0 && options.every((option) => isObject(option) && option.type !== 'object' && !isObject(option.properties))) ui[key] = options.map(() => ({ 'ui:label': false }));
  }
  if (isObject(node.properties)) {
    for (const [key, child] of Object.entries(node.properties)) {
      const childUi = uiSchemaFor(child, root, depth + 1);
      if (Object.keys(childUi).length > 0) ui[key] = merge((ui[key] as UiSchema | undefined) ?? {}, childUi);
    }
  }
  if (isObject(node.additionalProperties)) {
    const childUi = uiSchemaFor(node.additionalProperties, root, depth + 1);
    if (Object.keys(childUi).length > 0) ui.additionalProperties = childUi;
  }
  if (isObject(node.items)) {
    const childUi = uiSchemaFor(node.items, root, depth + 1);
    if (Object.keys(childUi).length > 0) ui.items = childUi;
  }
  // Branches often repeat a property as `{}` only to name it (`required` needs it under strict ajv): that says nothing.
  const described = Object.entries(branchProperties(node)).filter(([, child]) => isObject(child) && (isSecretSchema(child) || SHAPE_KEYWORDS.some((keyword) => keyword in child)));
  if (described.length > 0) merge(ui, uiSchemaFor({ properties: Object.fromEntries(described) }, root, depth + 1));
  return ui;
}

/** The properties a node's `allOf`/`anyOf`/`oneOf`/`if`-`then`-`else` branches declare, at any depth of nesting. */
function branchProperties(node: JsonObject, depth = 0): JsonObject {
  if (depth > 16) return {};
  const found: JsonObject = {};
  const branches = [...(['allOf', 'anyOf', 'oneOf'] as const).flatMap((key) => (Array.isArray(node[key]) ? (node[key] as unknown[]) : [])), node.then, node.else];
  for (const branch of branches) {
    if (!isObject(branch)) continue;
    for (const [key, child] of Object.entries({ ...(isObject(branch.properties) ? branch.properties : {}), ...branchProperties(branch, depth + 1) })) {
      // The first description of a property wins over a later bare mention of it.
      if (!(key in found) || Object.keys(found[key] as JsonObject).length === 0) found[key] = child;
    }
  }
  return found;
}

/** The uiSchema of the whole form (see instanceFormSchema). */
export function instanceUiSchema(configSchema: JsonObject, options: { creating: boolean }): UiSchema {
  const configUi = uiSchemaFor(configSchema, configSchema);
  return {
    'ui:order': ['name', 'enabled', 'config'],
    name: { 'ui:autofocus': options.creating, 'ui:autocomplete': 'off', 'ui:placeholder': 'e.g. Nightly equipment import' },
    enabled: {},
    config: { ...configUi, 'ui:title': 'Configuration', 'ui:collapseOptional': true },
  };
}

/** The title of the field a JSON Pointer names (`/config/table_name` → "Table name"), following branches and $refs. */
export function titleAt(formSchema: RJSFSchema, pointer: string): string {
  if (pointer === '/config') return 'Configuration';
  const segments = pointerSegments(pointer);
  let node: unknown = formSchema;
  let title = segments[segments.length - 1] ?? 'The form';
  for (const segment of segments) {
    node = childSchema(node, segment, formSchema);
    if (node === undefined) return humanize(title);
  }
  if (isObject(node) && typeof node.title === 'string') title = node.title;
  return humanize(title);
}

function childSchema(node: unknown, segment: string, root: unknown, depth = 0): unknown {
  if (!isObject(node) || depth > 16) return undefined;
  const resolved = typeof node.$ref === 'string' ? resolveRef(node.$ref, root as JsonObject) : node;
  if (!isObject(resolved)) return undefined;
  if (isObject(resolved.properties) && segment in resolved.properties) return resolved.properties[segment];
  if (/^\d+$/.test(segment) && isObject(resolved.items)) return resolved.items;
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    for (const branch of Array.isArray(resolved[key]) ? (resolved[key] as unknown[]) : []) {
      const found = childSchema(branch, segment, root, depth + 1);
      if (found !== undefined) return found;
    }
  }
  for (const branch of [resolved.then, resolved.else]) {
    const found = childSchema(branch, segment, root, depth + 1);
    if (found !== undefined) return found;
  }
  if (isObject(resolved.additionalProperties)) return resolved.additionalProperties;
  return undefined;
}

const humanize = (name: string) => (/[A-Z ]/.test(name) ? name : name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()));

/** RFC 6901: `/a~1b/c` → ["a/b", "c"]; "" (the whole document) → []. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export const pointerOf = (segments: (string | number)[]): string => segments.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

/** The id rjsf gives the input of a field (`/config/table_name` → `root_config_table_name`): error summary links jump there. */
export const fieldIdFor = (pointer: string): string => ['root', ...pointerSegments(pointer)].join('_');

import { isPlainObject } from '../common/json';

/**
 * Where a template's config holds secrets: a property is secret when its schema says
 * `writeOnly: true` or `format: "password"`, at any depth (properties, array items,
 * additionalProperties, allOf/anyOf/oneOf, if/then/else branches and local $refs).
 */
export type PatternSegment = { kind: 'key'; name: string } | { kind: 'item' } | { kind: 'anyKey'; except: string[] };
export type SecretPattern = readonly PatternSegment[];
/** A concrete location in a config: property names and array indexes. */
export type ConfigPath = readonly (string | number)[];

const isSecretSchema = (schema: Record<string, unknown>) => schema.writeOnly === true || schema.format === 'password';

function resolveLocalRef(root: unknown, ref: string): unknown {
  let node = root;
  for (const raw of ref.slice(2).split('/')) {
    const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isPlainObject(node)) return undefined;
    node = node[segment];
  }
  return node;
}

const patternKey = (pattern: SecretPattern) =>
  pattern.map((s) => (s.kind === 'key' ? `.${JSON.stringify(s.name)}` : s.kind === 'item' ? '[*]' : '{*}')).join('');

/** Every secret location the schema declares; a secret's own descendants are not listed (the whole value is secret). */
export function secretPatternsOf(schema: unknown): SecretPattern[] {
  const found = new Map<string, SecretPattern>();
  const visit = (node: unknown, prefix: PatternSegment[], refs: readonly string[]): void => {
    if (!isPlainObject(node) || prefix.length > 32) return;
    if (prefix.length > 0 && isSecretSchema(node)) {
      found.set(patternKey(prefix), prefix);
      return;
    }
    if (typeof node.$ref === 'string' && node.$ref.startsWith('#/') && !refs.includes(node.$ref)) {
      visit(resolveLocalRef(schema, node.$ref), prefix, [...refs, node.$ref]);
    }
    const named = isPlainObject(node.properties) ? Object.keys(node.properties) : [];
    if (isPlainObject(node.properties)) {
      for (const [name, sub] of Object.entries(node.properties)) visit(sub, [...prefix, { kind: 'key', name }], refs);
    }
    if (isPlainObject(node.patternProperties)) {
      for (const sub of Object.values(node.patternProperties)) visit(sub, [...prefix, { kind: 'anyKey', except: [] }], refs);
    }
    if (isPlainObject(node.additionalProperties)) visit(node.additionalProperties, [...prefix, { kind: 'anyKey', except: named }], refs);
    const itemSchemas = [...(Array.isArray(node.items) ? node.items : [node.items]), ...(Array.isArray(node.prefixItems) ? node.prefixItems : [])];
    for (const sub of itemSchemas) visit(sub, [...prefix, { kind: 'item' }], refs);
    for (const key of ['allOf', 'anyOf', 'oneOf']) {
      if (Array.isArray(node[key])) for (const sub of node[key] as unknown[]) visit(sub, prefix, refs);
    }
    for (const key of ['then', 'else']) visit(node[key], prefix, refs);
    for (const key of ['dependentSchemas', 'dependencies']) {
      if (isPlainObject(node[key])) for (const sub of Object.values(node[key] as object)) visit(sub, prefix, refs);
    }
  };
  visit(schema, [], []);
  return [...found.values()];
}

const pathKey = (path: ConfigPath) => JSON.stringify(path);

/** The locations in `config` that match a pattern and hold a value (null included), outermost only. */
export function secretPathsIn(config: unknown, patterns: readonly SecretPattern[]): ConfigPath[] {
  const paths = new Map<string, ConfigPath>();
  const expand = (value: unknown, pattern: SecretPattern, index: number, path: (string | number)[]): void => {
    if (value === undefined) return;
    if (index === pattern.length) {
      paths.set(pathKey(path), path);
      return;
    }
    const segment = pattern[index];
    if (segment.kind === 'key') {
      if (isPlainObject(value) && Object.hasOwn(value, segment.name)) expand(value[segment.name], pattern, index + 1, [...path, segment.name]);
    } else if (segment.kind === 'anyKey') {
      if (isPlainObject(value)) for (const key of Object.keys(value)) if (!segment.except.includes(key)) expand(value[key], pattern, index + 1, [...path, key]);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => expand(item, pattern, index + 1, [...path, i]));
    }
  };
  for (const pattern of patterns) expand(config, pattern, 0, []);
  const all = [...paths.values()];
  const isAncestor = (a: ConfigPath, b: ConfigPath) => a.length < b.length && a.every((segment, i) => segment === b[i]);
  return all.filter((path) => !all.some((other) => isAncestor(other, path)));
}

/** `auth.token`, `tokens[0]`, `headers["X-Key"]`: how `secret_fields` names a location. */
export function dottedPath(path: ConfigPath): string {
  return path
    .map((segment, i) => {
      if (typeof segment === 'number') return `[${segment}]`;
      if (/^[A-Za-z_$][\w$]*$/.test(segment)) return i === 0 ? segment : `.${segment}`;
      return `[${JSON.stringify(segment)}]`;
    })
    .join('');
}

/** The JSON Pointer of a config location inside a request body (`/config/auth/token`). */
export function configPointer(path: ConfigPath): string {
  return `/config${path.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('')}`;
}

export function valueAt(root: unknown, path: ConfigPath): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof segment === 'number' ? !Array.isArray(node) : !isPlainObject(node)) return undefined;
    node = Object.hasOwn(node as object, segment) ? (node as Record<string | number, unknown>)[segment] : undefined;
  }
  return node;
}

/** The container holding `path`, when it exists and is of the right kind. */
export function parentOf(root: unknown, path: ConfigPath): Record<string | number, unknown> | null {
  const parent = valueAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (typeof last === 'number' ? Array.isArray(parent) : isPlainObject(parent)) return parent as Record<string | number, unknown>;
  return null;
}

export function setValueAt(root: unknown, path: ConfigPath, value: unknown): void {
  const parent = parentOf(root, path);
  if (parent) parent[path[path.length - 1]] = value;
}

export function deleteValueAt(root: unknown, path: ConfigPath): void {
  const parent = parentOf(root, path);
  if (parent && !Array.isArray(parent)) delete parent[path[path.length - 1]];
}

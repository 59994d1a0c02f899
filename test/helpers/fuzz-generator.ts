/**
 * Generates invalid requests for every operation of an OpenAPI document, from the operation's own
 * parameters and request body schema, so operations added later are fuzzed without naming them here.
 * Everything random comes from one seeded PRNG: the same seed and count give the same cases.
 */

type Schema = Record<string, any>;

export interface FuzzParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: Schema;
}

export interface FuzzOperation {
  operationId: string;
  method: string;
  /** The templated path, e.g. /api/plugins/instances/{id}. */
  path: string;
  parameters: FuzzParameter[];
  /** The application/json request body schema, $refs resolved. */
  bodySchema?: Schema;
}

export interface FuzzContext {
  /** Ids of resources that exist, per path parameter name: bad requests aimed at real data. */
  knownValues: Record<string, string[]>;
  bodyLimitBytes: number;
}

export interface FuzzCase {
  operationId: string;
  family: string;
  label: string;
  method: string;
  path: string;
  headers: [string, string][];
  body?: Buffer;
  /**
   * `client-error`: the request is invalid, so the answer must be a 4xx problem.
   * `no-server-error`: a GET with hostile extras the API may ignore; any answer but a 5xx (errors still problem+json).
   */
  expect: 'client-error' | 'no-server-error';
}

// ---------------------------------------------------------------- PRNG

/** mulberry32: small, fast and good enough to pick cases reproducibly. */
export class Random {
  private state: number;
  constructor(seed: string) {
    let hash = 2166136261;
    for (const char of seed) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
    this.state = hash >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy;
  }
  /** A v4-shaped uuid from the PRNG (crypto's randomUUID would not replay). */
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => this.int(16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

// ---------------------------------------------------------------- reading the spec

/** Resolves $refs and folds the `allOf: [{$ref}]` wrappers Nest emits for nested DTOs. */
function resolve(spec: Schema, node: unknown, depth = 0): any {
  if (depth > 50 || node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map((item) => resolve(spec, item, depth + 1));
  const record = node as Schema;
  if (typeof record.$ref === 'string') {
    const target = record.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((at: any, key: string) => at?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
    const { $ref: _ref, ...siblings } = record;
    return { ...resolve(spec, target, depth + 1), ...resolve(spec, siblings, depth + 1) };
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(record)) out[key] = resolve(spec, value, depth + 1);
  if (Array.isArray(out.allOf) && out.allOf.length === 1) {
    const { allOf, ...rest } = out;
    return { ...allOf[0], ...rest };
  }
  return out;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export function operationsOf(spec: Schema): FuzzOperation[] {
  const operations: FuzzOperation[] = [];
  for (const [path, item] of Object.entries<Schema>(spec.paths ?? {})) {
    for (const method of METHODS) {
      const raw = item[method];
      if (!raw) continue;
      const operation = resolve(spec, raw);
      const shared = resolve(spec, item.parameters ?? []) as FuzzParameter[];
      const parameters = [...shared, ...((operation.parameters ?? []) as FuzzParameter[])].map((p) => ({ ...p, required: Boolean(p.required), schema: p.schema ?? {} }));
      operations.push({
        operationId: operation.operationId ?? `${method} ${path}`,
        method: method.toUpperCase(),
        path,
        parameters,
        bodySchema: operation.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return operations;
}

// ---------------------------------------------------------------- JSON with raw fragments

/** A piece of JSON text placed verbatim: deep nesting, 1e400, escapes JSON.stringify would not write. */
class RawJson {
  constructor(readonly text: string) {}
}

function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

// ---------------------------------------------------------------- values from schemas

const typesOf = (schema: Schema): Set<string> | null => {
  const variants = schema.oneOf ?? schema.anyOf;
  if (Array.isArray(variants)) {
    const all = variants.map(typesOf);
    return all.some((types) => types === null) ? null : new Set(all.flatMap((types) => [...types!]));
  }
  const declared = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : schema.enum ? [...new Set(schema.enum.map((v: unknown) => (v === null ? 'null' : typeof v)))] : null;
  if (!declared) return null;
  const types = new Set<string>(declared as string[]);
  if (types.has('integer')) types.add('number-integer');
  if (schema.nullable) types.add('null');
  return types;
};

function exampleOf(schema: Schema): unknown {
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const types = typesOf(schema);
  if (schema.properties) return baseObject(schema);
  if (!types) return 'fuzz';
  if (types.has('string')) return 'f'.repeat(Math.max(1, schema.minLength ?? 1));
  if (types.has('integer') || types.has('number')) return schema.minimum ?? 1;
  if (types.has('boolean')) return true;
  if (types.has('array')) return [];
  return {};
}

/** A plausible valid body: every property's example (the spec's examples are meant to be valid). */
function baseObject(schema: Schema): Record<string, unknown> {
  if (schema.example && typeof schema.example === 'object' && !Array.isArray(schema.example)) return structuredClone(schema.example);
  const out: Record<string, unknown> = {};
  for (const [name, property] of Object.entries<Schema>(schema.properties ?? {})) out[name] = structuredClone(exampleOf(property));
  return out;
}

interface Field {
  path: string[];
  schema: Schema;
  required: boolean;
}

/** Every declared property, nested objects included (not the insides of free-form objects). */
function fieldsOf(schema: Schema, prefix: string[] = []): Field[] {
  return Object.entries<Schema>(schema.properties ?? {}).flatMap(([name, property]) => [
    { path: [...prefix, name], schema: property, required: (schema.required ?? []).includes(name) },
    ...(property.properties ? fieldsOf(property, [...prefix, name]) : []),
  ]);
}

/** Objects whose keys the schema closes (declared properties, no additionalProperties: true). */
function closedObjectsOf(schema: Schema, prefix: string[] = []): string[][] {
  if (!schema.properties || schema.additionalProperties === true || typeof schema.additionalProperties === 'object') return [];
  return [prefix, ...Object.entries<Schema>(schema.properties).flatMap(([name, property]) => closedObjectsOf(property, [...prefix, name]))];
}

function setAt(target: Record<string, unknown>, path: string[], value: unknown): void {
  let at: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) {
    if (at[key] === null || typeof at[key] !== 'object' || Array.isArray(at[key])) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[path[path.length - 1]] = value;
}

function deleteAt(target: Record<string, unknown>, path: string[]): void {
  const parent = path.slice(0, -1).reduce<any>((at, key) => at?.[key], target);
  if (parent && typeof parent === 'object') delete parent[path[path.length - 1]];
}

const WRONG_TYPED: { type: string; value: unknown }[] = [
  { type: 'number', value: 42 },
  { type: 'number', value: 1.5 },
  { type: 'string', value: '42' },
  { type: 'string', value: 'true' },
  { type: 'boolean', value: true },
  { type: 'boolean', value: false },
  { type: 'null', value: null },
  { type: 'array', value: [] },
  { type: 'array', value: ['x', 1] },
  { type: 'object', value: {} },
  { type: 'object', value: { nested: { deeper: 1 } } },
];

function allows(types: Set<string>, candidate: { type: string; value: unknown }): boolean {
  if (candidate.type === 'number') return types.has('number') || (types.has('integer') && Number.isInteger(candidate.value));
  return types.has(candidate.type);
}

/** No lone surrogates (String.prototype.isWellFormed, which this TypeScript lib does not know). */
const wellFormed = (text: string) => !/\p{Cs}/u.test(text);

/** Characters that trip up text handling; each comes with the unicode it exercises. */
export const ODD_UNICODE: string[] = [
  '\u202eevil\u202c', // right-to-left override
  'zero\u200bwidth\u200d\ufeff',
  'e\u0301\u0301\u0301\u0301', // stacked combining marks
  '\u{1F600}\u{1F469}\u200d\u{1F4BB}', // emoji and a ZWJ sequence
  '\uff21\uff24\uff2d\uff29\uff2e', // fullwidth ADMIN: NFKC-confusable
  '\ufb01le', // the fi ligature, NFKC -> "file"
  'nul\u0000byte',
  'c1\u0085control',
  '\uffff\ufffe', // noncharacters
  '\u{10FFFF}',
  'lone\ud800surrogate',
  'low\udfffsurrogate',
];

/** Never valid in a string field: ill-formed UTF-16 (stored as U+FFFD) and NUL (PostgreSQL text cannot hold it). */
const NEVER_TEXT_JSON = ['"\\ud800"', '"x\\udfffy"', '"\\ud83d"', '"\\udc00\\ud800"', '"nul\\u0000inside"', '"\\u0000"'];
/** Escapes that decode to plain characters but look overlong or odd to a byte-level filter. */
const ODD_ESCAPES_JSON = ['"\\u0000"', '"\\u002e\\u002e\\u002f"', '"\\u0041\\u0301"', '"\\u00c0\\u0080"', '"\\/\\/"'];

function violatesPattern(schema: Schema, value: string): boolean {
  if (!schema.pattern) return false;
  try {
    return !new RegExp(schema.pattern, 'u').test(value);
  } catch {
    return !new RegExp(schema.pattern).test(value);
  }
}

/** String values this schema rejects by its own constraints (enum, pattern, length); may be empty. */
function invalidStringsFor(schema: Schema, random: Random): string[] {
  const out: string[] = [];
  if (Array.isArray(schema.enum)) {
    const member = String(random.pick(schema.enum));
    out.push('FUZZ_NOT_A_MEMBER', `${member} `, `${member}\u200b`, '', ...ODD_UNICODE);
    if (member.toUpperCase() !== member) out.push(member.toUpperCase());
    return out.filter((value) => !schema.enum.includes(value));
  }
  if (schema.maxLength !== undefined) out.push('y'.repeat(schema.maxLength + 1));
  if (schema.minLength > 0) out.push('');
  if (schema.pattern) out.push(...[...ODD_UNICODE, '', ' ', 'a\nb', 'a\tb', '\u0007'].filter((value) => violatesPattern(schema, value)));
  return out;
}

// ---------------------------------------------------------------- path and query values

const BAD_PATH_IDS = (random: Random): { label: string; raw: string }[] => [
  { label: 'not a uuid', raw: 'not-a-uuid' },
  { label: 'unknown uuid', raw: random.uuid() },
  { label: 'uppercase-looking uuid', raw: random.uuid().toUpperCase().replace(/-/g, '') },
  { label: '10 KB id', raw: 'a'.repeat(10_000) },
  { label: 'encoded NUL', raw: '%00' },
  { label: 'NUL inside', raw: `x%00${random.uuid()}` },
  { label: 'encoded traversal', raw: '%2e%2e%2f%2e%2e%2fetc%2fpasswd' },
  { label: 'encoded slash', raw: 'a%2Fb' },
  { label: 'double-encoded slash', raw: '%252F' },
  { label: 'encoded backslash', raw: '..%5C..%5Cwindows' },
  { label: 'malformed escape', raw: '%E0%A4%A' },
  { label: 'invalid UTF-8 escape', raw: '%ff%fe' },
  { label: 'encoded lone surrogate', raw: '%ED%A0%80' },
  { label: 'unicode', raw: encodeURIComponent(random.pick(ODD_UNICODE.filter((s) => wellFormed(s)))) },
  { label: 'space', raw: '%20' },
  { label: 'sql', raw: encodeURIComponent("x' OR '1'='1") },
  { label: 'number', raw: '-1' },
  { label: 'huge number', raw: '1e400' },
  { label: 'json', raw: encodeURIComponent('{"$ne":null}') },
  { label: 'dots', raw: '...' },
  { label: 'wildcard', raw: '*' },
];

function invalidQueryValues(parameter: FuzzParameter, random: Random): { label: string; raw: string }[] {
  const schema = parameter.schema;
  const types = typesOf(schema) ?? new Set<string>();
  const out: { label: string; raw: string }[] = [];
  const enc = (label: string, value: string) => out.push({ label, raw: encodeURIComponent(value) });
  if (types.has('integer') || types.has('number')) {
    for (const value of ['abc', '1.5', '1e400', 'NaN', 'Infinity', '0x10', ' 5', '', '99999999999999999999999', '[]', 'true']) enc(`not an integer: ${JSON.stringify(value)}`, value);
    if (schema.minimum !== undefined) enc('below minimum', String(schema.minimum - 1));
    if (schema.minimum !== undefined && schema.minimum > 0) enc('negative zero', '-0');
    if (schema.maximum !== undefined) enc('above maximum', String(schema.maximum + 1));
  } else if (types.has('boolean')) {
    for (const value of ['yes', '1', '0', 'TRUE', '', 'true,false', 'null']) enc(`not a boolean: ${JSON.stringify(value)}`, value);
  } else if (parameter.name === 'cursor') {
    // Cursors are opaque tokens the server issued: anything else is rejected.
    const b64 = (text: string) => Buffer.from(text).toString('base64url');
    for (const value of ['garbage', b64('[-1]'), b64('[1e400]'), b64('{"offset":1}'), b64('[1,2]'), b64('"x"'), '%%%', '\u0000', ...ODD_UNICODE.filter((s) => wellFormed(s))]) {
      enc(`garbage cursor ${JSON.stringify(value).slice(0, 30)}`, value);
    }
  } else {
    for (const value of invalidStringsFor(schema, random)) if (wellFormed(value)) enc(`violates the schema: ${JSON.stringify(value).slice(0, 40)}`, value);
    if (types.has('string')) enc('NUL inside', 'x\u0000y');
  }
  return out;
}

// ---------------------------------------------------------------- headers

const HOSTILE_DECORATIONS: [string, string][] = [
  ['accept', 'application/xml'],
  ['accept', 'text/html;q=0.9, */*;q=garbage'],
  ['accept', 'x'.repeat(4000)],
  ['accept-charset', 'utf-7'],
  ['accept-encoding', 'gzip;q=banana, identity;q=0'],
  ['authorization', 'Bearer'],
  ['authorization', `Bearer ${'x'.repeat(6000)}`],
  ['authorization', 'Basic !!!not-base64!!!'],
  ['authorization', 'Basic Og=='],
  ['authorization', 'Digest username="x", nonce'],
  ['x-request-id', ''],
  ['x-request-id', 'r'.repeat(5000)],
  ['x-request-id', '../../etc/passwd'],
  ['x-request-id', '<script>alert(1)</script>'],
  ['x-request-id', 'has spaces\tand tab'],
  ['x-request-id', '\u00e9\u00ff'], // obs-text bytes
  ['prefer', 'respond-async; wait=-1'],
  ['prefer', ';;;,,,=='],
  ['prefer', 'wait=1e400, handling=strict'],
  ['cookie', 'session=%%%; ; =x'],
  ['x-forwarded-for', 'not-an-ip, ::zz'],
  ['range', 'bytes=99999-1'],
];

const WRONG_CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/octet-stream',
  'application/jsonx',
  'json',
  '*/*',
  // A charset parameter has no effect on application/json (RFC 8259 section 11), so a bogus one with a
  // UTF-8 body is still a valid request; a body really sent in UTF-16 is not.
  'application/json; charset=utf-16',
];

// ---------------------------------------------------------------- the generator

interface Draft {
  family: string;
  label: string;
  pathValues?: Record<string, string>;
  query?: string;
  headers?: [string, string][];
  body?: Buffer | string;
  expect?: FuzzCase['expect'];
}

type Family = { name: string; make: (random: Random) => Draft | null };

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function generateCases(operation: FuzzOperation, context: FuzzContext, random: Random, count: number): FuzzCase[] {
  const pathParams = operation.parameters.filter((p) => p.in === 'path');
  const queryParams = operation.parameters.filter((p) => p.in === 'query');
  const headerParams = operation.parameters.filter((p) => p.in === 'header');
  const bodySchema = operation.bodySchema;
  const fields = bodySchema ? fieldsOf(bodySchema) : [];
  const base = (): Record<string, unknown> => (bodySchema ? baseObject(bodySchema) : {});
  const json = (value: unknown) => toJson(value);
  const stringFields = fields.filter((f) => typesOf(f.schema)?.has('string'));
  const numberFields = fields.filter((f) => typesOf(f.schema)?.has('integer') || typesOf(f.schema)?.has('number'));
  const enumFields = fields.filter((f) => Array.isArray(f.schema.enum));
  const typedFields = fields.filter((f) => typesOf(f.schema) !== null);
  const closedObjects = bodySchema ? closedObjectsOf(bodySchema) : [];

  /** A body with one field replaced by a raw JSON fragment. */
  const withField = (field: Field, value: unknown) => {
    const body = base();
    setAt(body, field.path, value);
    return json(body);
  };

  const families: Family[] = [];
  const add = (name: string, make: Family['make']) => families.push({ name, make });

  if (pathParams.length > 0) {
    add('path/bad-id', (r) => {
      const target = r.pick(pathParams);
      const bad = r.pick(BAD_PATH_IDS(r));
      return { family: 'path/bad-id', label: `${target.name}: ${bad.label}`, pathValues: { [target.name]: bad.raw }, body: bodySchema ? json(base()) : undefined };
    });
  }

  for (const parameter of queryParams) {
    add(`query/${parameter.name}`, (r) => {
      const values = invalidQueryValues(parameter, r);
      if (values.length === 0) return null;
      const bad = r.pick(values);
      return { family: 'query/invalid-value', label: `${parameter.name}: ${bad.label}`, query: `${parameter.name}=${bad.raw}` };
    });
  }
  if (queryParams.length > 0) {
    add('query/repeated', (r) => {
      const parameter = r.pick(queryParams);
      const value = encodeURIComponent(String(exampleOf(parameter.schema)));
      return { family: 'query/repeated', label: `${parameter.name} twice`, query: `${parameter.name}=${value}&${parameter.name}=${value}` };
    });
    add('query/unknown', (r) => {
      const name = r.pick(['zz_fuzz', 'constructor', '__proto__', 'Limit', 'limit[]', encodeURIComponent('\u202e'), 'a'.repeat(500)]);
      return { family: 'query/unknown', label: `unknown parameter ${name.slice(0, 30)}`, query: `${name}=1` };
    });
  }

  for (const parameter of headerParams) {
    if (/^if-match$/i.test(parameter.name)) {
      // RFC 9110: If-Match compares strong ETags; none of these can match the current one.
      add(`header/${parameter.name}`, (r) => {
        const value = r.pick(['"99999999"', 'W/"1"', 'garbage', '""', '"', ',,,', '"1", "2"x', `"${'9'.repeat(3000)}"`, 'W/*']);
        return { family: 'header/if-match', label: `If-Match ${value.slice(0, 30)}`, headers: [[parameter.name, value]], body: bodySchema ? json(base()) : undefined };
      });
      continue;
    }
    const constrained = parameter.schema.pattern || parameter.schema.maxLength !== undefined || parameter.schema.enum;
    if (!constrained) continue; // a hint such as Prefer: garbage is ignored, so it only decorates other cases
    add(`header/${parameter.name}`, (r) => {
      const candidates = [
        // Header values travel as latin1 and cannot hold CR or LF (that would be another header).
        ...invalidStringsFor(parameter.schema, r).filter((v) => !/[\r\n]/.test(v) && [...v].every((c) => c.charCodeAt(0) <= 0xff)),
        'k'.repeat(10_000),
        'k'.repeat(20_000), // beyond node's header size limit: refused by the HTTP parser (431)
        'ctl\u0001char',
        'del\u007f',
        'tab\tinside',
        'latin1\u00e9',
        'spa ce',
      ].filter((v) => violatesPattern(parameter.schema, v) || (parameter.schema.maxLength !== undefined && v.length > parameter.schema.maxLength));
      if (candidates.length === 0) return null;
      const value = r.pick(candidates);
      return { family: 'header/constrained', label: `${parameter.name} ${JSON.stringify(value).slice(0, 40)}`, headers: [[parameter.name, value]], body: bodySchema ? json(base()) : undefined };
    });
  }

  if (BODY_METHODS.has(operation.method)) {
    add('header/content-type', (r) => {
      const contentType = r.pick(WRONG_CONTENT_TYPES);
      const body = bodySchema ? json(base()) : '{}';
      return { family: 'header/content-type', label: `Content-Type ${contentType}`, headers: [['content-type', contentType]], body: contentType.includes('utf-16') ? Buffer.from(body, 'utf16le') : body };
    });
    add('header/json-without-body', () => ({ family: 'header/json-without-body', label: 'Content-Type json, empty body', headers: [['content-type', 'application/json']], body: '' }));
  }

  if (bodySchema) {
    if (typedFields.length > 0) {
      add('body/wrong-type', (r) => {
        const field = r.pick(typedFields);
        const types = typesOf(field.schema)!;
        const candidate = r.pick(WRONG_TYPED.filter((c) => !allows(types, c)));
        return { family: 'body/wrong-type', label: `${field.path.join('.')} = ${JSON.stringify(candidate.value)}`, body: withField(field, candidate.value) };
      });
    }
    const requiredFields = fields.filter((f) => f.required);
    if (requiredFields.length > 0) {
      add('body/missing-required', (r) => {
        const field = r.pick(requiredFields);
        const body = base();
        deleteAt(body, field.path);
        return { family: 'body/missing-required', label: `without ${field.path.join('.')}`, body: json(body) };
      });
    }
    if (closedObjects.length > 0) {
      add('body/extra-field', (r) => {
        const at = r.pick(closedObjects);
        const key = r.pick(['zz_fuzz', 'constructor', 'prototype', 'toString', '', ' ', 'a'.repeat(1000), ...ODD_UNICODE, 'template_id ', 'NAME']);
        const body = base();
        const value = r.pick<unknown>([1, 'x', null, { deep: [1] }]);
        if (at.length === 0) body[key] = value;
        else setAt(body, [...at, key], value);
        return { family: 'body/extra-field', label: `unknown ${[...at, key].join('.').slice(0, 40)}`, body: json(body) };
      });
    }
    if (stringFields.length > 0) {
      add('body/huge-string', (r) => {
        const field = r.pick(stringFields);
        const sizes = [
          ...(field.schema.maxLength !== undefined ? [{ label: 'maxLength + 1', size: field.schema.maxLength + 1 }] : []),
          { label: '100 KB', size: 100 * 1024 },
          { label: 'near the body limit', size: context.bodyLimitBytes - 2048 },
          { label: 'over the body limit', size: context.bodyLimitBytes + 1024 },
        ].filter((s) => field.schema.maxLength === undefined || s.size > field.schema.maxLength);
        const size = r.pick(sizes);
        // Lengths count code points (as JSON Schema does); the sizes near the limit count bytes, so those are ASCII.
        const char = size.size < 100 * 1024 ? r.pick(['x', '\u00e9', '\u{1F600}']) : 'x';
        return { family: 'body/huge-string', label: `${field.path.join('.')}: ${size.label}`, body: withField(field, char.repeat(size.size)) };
      });
      add('body/odd-unicode', (r) => {
        const field = r.pick(stringFields);
        const invalid = invalidStringsFor(field.schema, r).filter((v) => v.length < 5000);
        // A free-text field takes any well-formed text without NUL, odd as it may be.
        const fragments = [...invalid.map((v) => new RawJson(JSON.stringify(v))), ...NEVER_TEXT_JSON.map((t) => new RawJson(t))];
        const fragment = r.pick(fragments);
        return { family: 'body/odd-unicode', label: `${field.path.join('.')} = ${fragment.text.slice(0, 40)}`, body: withField(field, fragment) };
      });
    }
    if (enumFields.length > 0) {
      add('body/enum', (r) => {
        const field = r.pick(enumFields);
        const value = r.pick(invalidStringsFor(field.schema, r));
        return { family: 'body/enum', label: `${field.path.join('.')} = ${JSON.stringify(value).slice(0, 40)}`, body: withField(field, value) };
      });
    }
    if (numberFields.length > 0) {
      add('body/number', (r) => {
        const field = r.pick(numberFields);
        const s = field.schema;
        const integer = typesOf(s)!.has('integer');
        const candidates: string[] = ['1e400', '-1e400', '"NaN"', '"Infinity"', '"1"', '1e21', '9007199254740993'];
        if (integer) candidates.push('1.5', '0.0000001', '2.0000000000000004');
        if (s.minimum !== undefined) candidates.push(String(s.minimum - 1), String(s.minimum - 1e6));
        if (s.minimum !== undefined && s.minimum > 0) candidates.push('-0');
        if (s.maximum !== undefined) candidates.push(String(s.maximum + 1), String(s.maximum * 1000 + 1));
        const filtered = candidates.filter((c) => !(s.maximum === undefined && /^(1e21|9007199254740993)$/.test(c) && !integer));
        const value = r.pick(filtered);
        return { family: 'body/number', label: `${field.path.join('.')} = ${value}`, body: withField(field, new RawJson(value)) };
      });
    }
    add('body/deep-nesting', (r) => {
      const depth = r.pick([1_000, 10_000, 100_000]);
      const arrays = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const objects = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const placements: Draft[] = [
        { family: 'body/deep-nesting', label: `whole body: ${depth} nested arrays`, body: arrays },
        { family: 'body/deep-nesting', label: `whole body: ${depth} nested objects`, body: objects },
      ];
      const nonContainer = typedFields.filter((f) => !typesOf(f.schema)!.has('array') && !typesOf(f.schema)!.has('object'));
      if (nonContainer.length > 0) {
        const field = r.pick(nonContainer);
        placements.push({ family: 'body/deep-nesting', label: `${field.path.join('.')}: ${depth} nested arrays`, body: withField(field, new RawJson(arrays)) });
      }
      return r.pick(placements);
    });
    add('body/not-an-object', (r) => {
      const value = r.pick(['[]', '"text"', '42', 'null', 'true', '[{}]', `[${json(base())}]`, '""']);
      return { family: 'body/not-an-object', label: `body ${value.slice(0, 30)}`, body: value };
    });
    add('body/malformed-json', (r) => {
      const text = json(base());
      const broken = [
        { label: 'truncated', body: text.slice(0, Math.max(1, r.int(text.length - 1))) },
        { label: 'trailing garbage', body: `${text}x` },
        { label: 'two documents', body: `${text}${text}` },
        { label: 'BOM then truncated', body: `\ufeff${text.slice(0, -1)}` },
        { label: 'single quotes', body: text.replace(/"/g, "'") },
        { label: 'NaN literal', body: '{"x": NaN}' },
        { label: 'comment', body: `/* c */${text}` },
        { label: 'unescaped control char', body: `{"${fields[0]?.path[0] ?? 'x'}":"a\u0001b"` },
        { label: 'invalid escape', body: '{"x":"\\q"}' },
        { label: 'overlong UTF-8', body: Buffer.concat([Buffer.from('{"x":"'), Buffer.from([0xc0, 0xae]), Buffer.from('"}')]) },
        { label: 'invalid UTF-8 byte', body: Buffer.concat([Buffer.from(text.slice(0, -1)), Buffer.from([0xff, 0xfe])]) },
        { label: '__proto__ key', body: `{"__proto__":{"polluted":true},${text.slice(1)}` },
        { label: 'odd escape, missing brace', body: `{"x":${r.pick(ODD_ESCAPES_JSON)}` },
      ];
      if (fields.length > 0) {
        const field = r.pick(fields.filter((f) => f.path.length === 1));
        if (field) {
          const invalidLast = JSON.stringify(typesOf(field.schema)?.has('string') ? 12345 : 'not-valid-here');
          broken.push({ label: `duplicate ${field.path[0]}, last one invalid`, body: `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}"${field.path[0]}":${invalidLast}}` });
        }
      }
      const pick = r.pick(broken);
      return { family: 'body/malformed-json', label: pick.label, body: pick.body };
    });
  }

  const drafts: Draft[] = [];
  if (families.length > 0) {
    let order = random.shuffle(families);
    for (let attempt = 0; drafts.length < count && attempt < count * 4; attempt++) {
      if (attempt % order.length === 0 && attempt > 0) order = random.shuffle(families);
      const draft = order[attempt % order.length].make(random);
      if (draft) drafts.push(draft);
    }
  }
  // GETs with nothing (left) to break: hostile extras the API may ignore, but must survive.
  if (operation.method === 'GET') {
    const tolerated = families.length === 0 ? count : Math.max(1, Math.floor(count / 10));
    for (let i = 0; i < tolerated; i++) {
      const query = queryParams.length === 0 && random.chance(0.5) ? `${random.pick(['zz_fuzz', 'limit', 'cursor', '__proto__[x]'])}=${encodeURIComponent(random.pick(ODD_UNICODE.filter((s) => wellFormed(s))))}` : undefined;
      drafts.push({ family: 'tolerated/hostile-extras', label: query ? `unknown query ${query.slice(0, 30)}` : 'hostile headers', query, expect: 'no-server-error', headers: [random.pick(HOSTILE_DECORATIONS)] });
    }
  }

  return drafts.map((draft) => finish(operation, context, random, draft));
}

function finish(operation: FuzzOperation, context: FuzzContext, random: Random, draft: Draft): FuzzCase {
  let path = operation.path;
  for (const parameter of operation.parameters.filter((p) => p.in === 'path')) {
    const known = context.knownValues[parameter.name];
    const value = draft.pathValues?.[parameter.name] ?? encodeURIComponent(known?.length ? random.pick(known) : String(exampleOf(parameter.schema)));
    path = path.replace(`{${parameter.name}}`, value);
  }
  if (draft.query) path += `?${draft.query}`;
  const headers: [string, string][] = [...(draft.headers ?? [])];
  const body = typeof draft.body === 'string' ? Buffer.from(draft.body, 'utf8') : draft.body;
  if (body !== undefined && !headers.some(([name]) => name.toLowerCase() === 'content-type')) headers.push(['content-type', 'application/json']);
  // Hostile extras ride on a share of the invalid cases too: they must not turn a 4xx into anything else.
  // (Not Authorization: a malformed one is a 401 before the rest of the case is looked at.)
  if (draft.expect !== 'no-server-error' && random.chance(0.25)) headers.push(random.pick(HOSTILE_DECORATIONS.filter(([name]) => name !== 'authorization')));
  return { operationId: operation.operationId, family: draft.family, label: draft.label, method: operation.method, path, headers, body, expect: draft.expect ?? 'client-error' };
}

/** The case as a reader needs it to replay it: method, path, headers and (abridged) body. */
export function describeCase(fuzzCase: FuzzCase): string {
  const abridge = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}... (${text.length} chars)` : text);
  const body = fuzzCase.body === undefined ? '(none)' : `${fuzzCase.body.length} bytes: ${JSON.stringify(abridge(fuzzCase.body.toString('utf8')))}`;
  return [
    `[${fuzzCase.operationId}] ${fuzzCase.family}: ${fuzzCase.label}`,
    `  ${fuzzCase.method} ${abridge(fuzzCase.path)}`,
    `  headers: ${JSON.stringify(fuzzCase.headers.map(([name, value]) => [name, abridge(value)]))}`,
    `  body: ${body}`,
  ].join('\n');
}

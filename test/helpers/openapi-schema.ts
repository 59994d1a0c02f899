import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Validates values against the schemas of an OpenAPI 3.0.3 document under the strict reading of
 * `nullable` (OpenAPI 3.0.3, "Fixed Fields" of the Schema Object): `nullable: true` adds null to
 * the types allowed by `type` in the same Schema Object only. Without `type` it has no effect, it
 * does not reach into `allOf`/`anyOf`/`oneOf`/`$ref` members (so `{nullable: true, allOf: [{$ref}]}`
 * still refuses null), and an `enum` must list null itself. Strict validators read it this way, so
 * a response that passes here passes them.
 *
 * The document is turned into JSON Schema by exactly that rule (type: T -> type: [T, 'null']) and
 * nothing else; everything else is compiled by ajv as written.
 */
export function strictOpenApi30Schema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictOpenApi30Schema);
  if (!node || typeof node !== 'object') return node;
  const { nullable, ...rest } = node as Record<string, unknown>;
  const schema = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, strictOpenApi30Schema(value)])) as Record<string, unknown>;
  if (nullable === true && typeof schema.type === 'string') schema.type = [schema.type, 'null'];
  return schema;
}

/** JSON Pointer escaping of one path segment (RFC 6901). */
export const pointerSegment = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** Compiles validators for schemas inside one OpenAPI 3.0 document, addressed by JSON Pointer. */
export class OpenApi30Validator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(spec: { openapi: string }) {
    if (!/^3\.0\.\d+$/.test(spec.openapi)) throw new Error(`OpenApi30Validator reads OpenAPI 3.0.x documents, not ${spec.openapi}`);
    addFormats(this.ajv);
    this.ajv.addSchema(strictOpenApi30Schema(spec) as object, 'spec');
  }

  /** The errors of `value` against the schema at `pointer` (e.g. `#/paths/~1health/get/...`); empty when it validates. */
  errors(pointer: string, value: unknown): unknown[] {
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `spec${pointer}` });
      this.validators.set(pointer, validate);
    }
    return validate(value) ? [] : [...(validate.errors ?? [])];
  }
}

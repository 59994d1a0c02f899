import { createSchemaUtils, type RJSFSchema } from '@rjsf/utils';
import { consoleValidator, matchesSchema, resolveRef } from './schema-check';

describe('matchesSchema (picks rjsf branches without compiling the schema)', () => {
  it('checks types, const and enum', () => {
    expect(matchesSchema({ type: 'integer' }, 3)).toBe(true);
    expect(matchesSchema({ type: 'integer' }, 3.5)).toBe(false);
    expect(matchesSchema({ type: ['string', 'null'] }, null)).toBe(true);
    expect(matchesSchema({ type: 'object' }, [])).toBe(false);
    expect(matchesSchema({ const: 'bearer' }, 'bearer')).toBe(true);
    expect(matchesSchema({ const: 'bearer' }, 'basic')).toBe(false);
    expect(matchesSchema({ enum: [{ a: 1 }, 2] }, { a: 1 })).toBe(true);
  });

  it('checks string, number and array limits', () => {
    expect(matchesSchema({ type: 'string', minLength: 2, maxLength: 3, pattern: '^[a-z]+$' }, 'abc')).toBe(true);
    expect(matchesSchema({ type: 'string', pattern: '^[a-z]+$' }, 'ab1')).toBe(false);
    expect(matchesSchema({ type: 'string', maxLength: 1 }, '😀')).toBe(true); // code points, as JSON Schema counts
    expect(matchesSchema({ minimum: 0, exclusiveMaximum: 10 }, 10)).toBe(false);
    expect(matchesSchema({ multipleOf: 0.5 }, 1.5)).toBe(true);
    expect(matchesSchema({ items: { type: 'string' }, minItems: 1, uniqueItems: true }, ['a', 'a'])).toBe(false);
    expect(matchesSchema({ prefixItems: [{ type: 'string' }], items: { type: 'number' } }, ['a', 1, 2])).toBe(true);
  });

  it('checks objects: required, properties, additionalProperties, dependencies', () => {
    const schema = { type: 'object', required: ['table'], properties: { table: { type: 'string' } }, additionalProperties: false, dependencies: { params: ['query'] } };
    expect(matchesSchema(schema, { table: 'x' })).toBe(true);
    expect(matchesSchema(schema, {})).toBe(false);
    expect(matchesSchema(schema, { table: 'x', other: 1 })).toBe(false);
    expect(matchesSchema({ dependencies: { params: ['query'] } }, { params: [] })).toBe(false);
    // A key holding undefined (rjsf clears fields that way) counts as absent.
    expect(matchesSchema({ required: ['a'] }, { a: undefined })).toBe(false);
  });

  it('follows allOf, anyOf, oneOf (exactly one), not, if/then/else and local $refs', () => {
    const root = { definitions: { name: { type: 'string', minLength: 1 } }, oneOf: [{ $ref: '#/definitions/name' }, { type: 'integer', minimum: 0 }] };
    expect(resolveRef('#/definitions/name', root)).toEqual({ type: 'string', minLength: 1 });
    expect(matchesSchema(root, 'Directory', root)).toBe(true);
    expect(matchesSchema(root, 2, root)).toBe(true);
    expect(matchesSchema(root, '', root)).toBe(false);
    expect(matchesSchema({ oneOf: [{ type: 'number' }, { type: 'integer' }] }, 1)).toBe(false);
    expect(matchesSchema({ not: { type: 'string' } }, 'x')).toBe(false);
    const conditional = { if: { properties: { type: { const: 'bearer' } } }, then: { required: ['token'] }, else: { not: { required: ['token'] } } };
    expect(matchesSchema(conditional, { type: 'bearer', token: 't' })).toBe(true);
    expect(matchesSchema(conditional, { type: 'bearer' })).toBe(false);
    expect(matchesSchema(conditional, { type: 'none', token: 't' })).toBe(false);
  });

  it('survives a $ref cycle and a pattern JavaScript cannot read', () => {
    const cyclic = { $ref: '#' };
    expect(matchesSchema(cyclic, 1, cyclic)).toBe(true);
    expect(matchesSchema({ pattern: '(?<' }, 'x')).toBe(true);
  });

  it("lets rjsf choose a oneOf option and resolve an if/then branch (as api_fetcher's auth)", () => {
    const schema: RJSFSchema = {
      type: 'object',
      properties: {
        sheet: { oneOf: [{ type: 'string', title: 'Sheet name' }, { type: 'integer', title: 'Sheet index' }] },
        auth: {
          type: 'object',
          properties: { type: { type: 'string', enum: ['none', 'bearer'], default: 'none' } },
          allOf: [{ if: { properties: { type: { const: 'bearer' } } }, then: { properties: { token: { type: 'string', writeOnly: true } } } }],
        },
      },
    };
    const utils = createSchemaUtils(consoleValidator, schema);
    const options = (schema.properties!.sheet as RJSFSchema).oneOf as RJSFSchema[];
    expect(utils.getClosestMatchingOption('Directory', options, 0)).toBe(0);
    expect(utils.getClosestMatchingOption(2, options, 0)).toBe(1);
    const auth = schema.properties!.auth as RJSFSchema;
    expect(Object.keys(utils.retrieveSchema(auth, { type: 'bearer' }).properties!)).toEqual(['type', 'token']);
    expect(Object.keys(utils.retrieveSchema(auth, { type: 'none' }).properties!)).toEqual(['type']);
  });
});

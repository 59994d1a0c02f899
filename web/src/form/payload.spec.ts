import { createSchemaUtils, type RJSFSchema } from '@rjsf/utils';
import { instanceFormSchema, SECRET_MASK, type InstanceFormData, type JsonObject } from './form-schema';
import { configToSend, createBody, updateBody, validateBody, withDefaults, withoutExtraData } from './payload';
import { consoleValidator } from './schema-check';

const TABLE_LOADER_LIKE: JsonObject = {
  type: 'object',
  required: ['file_path', 'table_name'],
  properties: {
    file_path: { type: 'string' },
    table_name: { type: 'string' },
    file_type: { type: 'string', enum: ['auto', 'csv', 'xlsx'], default: 'auto' },
    has_header: { type: 'boolean', default: true },
    retries: { type: 'object', default: {}, properties: { max_attempts: { type: 'integer', default: 3 }, backoff_ms: { type: 'integer', default: 500 } } },
  },
};

const AUTH_SCHEMA: JsonObject = {
  type: 'object',
  properties: {
    auth: {
      type: 'object',
      default: { type: 'none' },
      properties: { type: { type: 'string', enum: ['none', 'bearer', 'basic'], default: 'none' } },
      allOf: [
        { if: { properties: { type: { const: 'bearer' } } }, then: { additionalProperties: false, properties: { type: { const: 'bearer' }, token: { type: 'string', writeOnly: true } } } },
        { if: { properties: { type: { const: 'basic' } } }, then: { additionalProperties: false, properties: { type: { const: 'basic' }, username: { type: 'string' }, password: { type: 'string', format: 'password' } } } },
      ],
    },
  },
};

const form = (config: JsonObject, name = ' Equipment '): InstanceFormData => ({ name, enabled: true, config });

describe('the request built from the form', () => {
  it('never sends the mask for a kept secret (left out keeps it), sends null to clear one and leaves undefined out', () => {
    expect(configToSend({ url: 'https://x', auth: { type: 'bearer', token: SECRET_MASK }, spare: null, cleared: undefined })).toEqual({ url: 'https://x', auth: { type: 'bearer' }, spare: null });
    expect(JSON.stringify(configToSend({ a: { b: { c: SECRET_MASK } } }))).not.toContain(SECRET_MASK);
  });

  it('asks validate about the edited instance: kept secrets left out, a cleared one as null, instance_id named', () => {
    const config = { url: 'https://x', auth: { type: 'bearer', token: SECRET_MASK }, spare: null };
    expect(validateBody(config, undefined, 'f3b1c2d4-0000-4000-8000-000000000001')).toEqual({ config: { url: 'https://x', auth: { type: 'bearer' }, spare: null }, instance_id: 'f3b1c2d4-0000-4000-8000-000000000001' });
    // Creating: no instance to name.
    expect(validateBody({ url: 'https://x' })).toEqual({ config: { url: 'https://x' } });
  });

  it('keeps the mask only as an array item, where the API reads it as "keep" and leaving it out would shift the rest', () => {
    expect(configToSend({ tokens: [SECRET_MASK, 'new', undefined] })).toEqual({ tokens: [SECRET_MASK, 'new', null] });
  });

  it('leaves out the defaults the form filled in and the user left alone, and keeps what the user or the stored config chose', () => {
    const formSchema = instanceFormSchema(TABLE_LOADER_LIKE);
    const created = withDefaults(formSchema, form({}));
    expect(created.config).toEqual({ file_type: 'auto', has_header: true, retries: { max_attempts: 3, backoff_ms: 500 } });
    const baseline = { stored: {}, defaulted: created.config };
    expect(configToSend({ ...created.config, file_path: 'examples/equipment.csv', table_name: 'lab_equipment' }, baseline)).toEqual({ file_path: 'examples/equipment.csv', table_name: 'lab_equipment' });
    expect(configToSend({ ...created.config, has_header: false, retries: { max_attempts: 5, backoff_ms: 500 } }, baseline)).toEqual({ has_header: false, retries: { max_attempts: 5 } });
    // A field typed into and cleared again is as untouched as one never typed into.
    expect(configToSend({ ...created.config, retries: { max_attempts: 3, backoff_ms: 500, jitter: undefined } }, baseline)).toEqual({});

    const stored = { file_path: 'a.csv', table_name: 't', file_type: 'auto' };
    const edited = withDefaults(formSchema, form(stored));
    expect(configToSend({ ...edited.config, table_name: 't2' }, { stored, defaulted: edited.config })).toEqual({ file_path: 'a.csv', table_name: 't2', file_type: 'auto' });
  });

  it("fills in the defaults of the if/then variant chosen inside an allOf (as api_fetcher's pagination)", () => {
    const schema: JsonObject = {
      type: 'object',
      properties: {
        pagination: {
          type: 'object',
          default: { type: 'none' },
          properties: { type: { type: 'string', enum: ['none', 'page'], default: 'none' } },
          allOf: [{ if: { properties: { type: { const: 'page' } } }, then: { properties: { param: { type: 'string', default: 'page' }, start: { type: 'integer', default: 1 } } } }],
        },
      },
    };
    const formSchema = instanceFormSchema(schema);
    const shown = (config: JsonObject) => withoutExtraData(formSchema, withDefaults(formSchema, form(config))).config;
    expect(shown({ pagination: { type: 'page' } })).toEqual({ pagination: { type: 'page', param: 'page', start: 1 } });
    // The defaults of a variant not chosen never reach the request.
    expect(shown({})).toEqual({ pagination: { type: 'none' } });
  });

  it('drops what a branch the user switched away from left behind, so the server does not refuse it', () => {
    const formSchema = instanceFormSchema(AUTH_SCHEMA);
    const switched = form({ auth: { type: 'basic', username: 'robot', token: 'left-over' } });
    expect(withoutExtraData(formSchema, switched).config).toEqual({ auth: { type: 'basic', username: 'robot' } });
    expect(withoutExtraData(formSchema, form({ auth: { type: 'bearer', token: 't' } })).config).toEqual({ auth: { type: 'bearer', token: 't' } });
  });

  it('switching a oneOf option (the steps rjsf takes) applies the new option\'s defaults and never leaves the value undefined', () => {
    const source: RJSFSchema = {
      type: 'object',
      oneOf: [
        { title: 'Table', type: 'object', required: ['table'], properties: { table: { type: 'string', default: 'measurements' } } },
        { title: 'Query', type: 'object', required: ['query'], properties: { query: { type: 'string', default: 'SELECT 1' }, params: { type: 'array', default: [] } } },
      ],
    };
    const utils = createSchemaUtils(consoleValidator, source);
    const [table, query] = source.oneOf as RJSFSchema[];
    const start = utils.getDefaultFormState(source, undefined);
    expect(start).toEqual({ table: 'measurements' });
    expect(utils.getClosestMatchingOption(start, [table, query], 0)).toBe(0);
    const sanitized = utils.sanitizeDataForNewSchema(query, table, start);
    const switched = utils.getDefaultFormState(query, sanitized, 'excludeObjectChildren');
    expect(switched).toEqual({ query: 'SELECT 1', params: [] });
    expect(utils.getClosestMatchingOption(switched, [table, query], 0)).toBe(1);
  });

  it('trims the name and sends enabled and the config', () => {
    expect(createBody('table_loader', form({ file_path: 'a.csv' }))).toEqual({ template_id: 'table_loader', name: 'Equipment', enabled: true, config: { file_path: 'a.csv' } });
    expect(updateBody({ ...form({}), enabled: false })).toEqual({ name: 'Equipment', enabled: false, config: {} });
  });
});

import { fieldIdFor, instanceFormSchema, instanceUiSchema, pointerSegments, relocateRefs, titleAt, uiSchemaFor, type JsonObject } from './form-schema';

const AUTH_LIKE_API_FETCHER: JsonObject = {
  type: 'object',
  required: ['url'],
  properties: {
    url: { type: 'string', title: 'URL', examples: ['https://api.example.org/v1/samples'] },
    body: { title: 'Body', description: 'Any JSON value' },
    query: { type: 'string', title: 'Query', maxLength: 100_000 },
    auth: {
      type: 'object',
      title: 'Authentication',
      properties: { type: { type: 'string', enum: ['none', 'bearer', 'basic'], default: 'none' } },
      allOf: [
        { if: { properties: { type: { const: 'bearer' } } }, then: { properties: { type: { const: 'bearer' }, token: { type: 'string', writeOnly: true, title: 'Token' } } } },
        { if: { properties: { type: { const: 'basic' } } }, then: { properties: { username: { type: 'string' }, password: { type: 'string', format: 'password', title: 'Password' } } } },
      ],
    },
    source: {
      type: 'object',
      properties: { table: { type: 'string', title: 'Table', examples: ['measurements'] }, query: { type: 'string' } },
      // Branches that only name a property to require it say nothing about its widget.
      oneOf: [
        { required: ['table'], properties: { table: {} } },
        { required: ['query'], properties: { query: {} } },
      ],
    },
    sheet: { oneOf: [{ type: 'string', title: 'Sheet name' }, { type: 'integer', title: 'Sheet index' }] },
    tokens: { type: 'array', items: { type: 'string', format: 'password' } },
    headers: { type: 'object', additionalProperties: { type: 'string', writeOnly: true } },
  },
};

describe('the form schema: name, enabled and the config, shaped like the request body', () => {
  it('puts the template schema under config and keeps its local $refs working', () => {
    const schema = instanceFormSchema({ type: 'object', definitions: { name: { type: 'string' } }, properties: { a: { $ref: '#/definitions/name' }, b: { $ref: '#' } } });
    expect(Object.keys(schema.properties!)).toEqual(['name', 'enabled', 'config']);
    expect(schema.required).toEqual(['name']);
    const config = schema.properties!.config as JsonObject;
    expect((config.properties as JsonObject).a).toEqual({ $ref: '#/properties/config/definitions/name' });
    expect((config.properties as JsonObject).b).toEqual({ $ref: '#/properties/config' });
    expect(relocateRefs({ $ref: 'http://elsewhere/schema' }, '#/x')).toEqual({ $ref: 'http://elsewhere/schema' });
  });

  it('drops examples (rjsf would list them as suggestions), but not a property that happens to be called examples', () => {
    const schema = instanceFormSchema({ type: 'object', examples: [{}], properties: { examples: { type: 'array', examples: [['a']] }, path: { type: 'string', examples: ['a.csv'] } }, allOf: [{ then: { properties: { x: { examples: [1] } } } }] });
    expect(schema.properties!.config).toEqual({ type: 'object', properties: { examples: { type: 'array' }, path: { type: 'string' } }, allOf: [{ then: { properties: { x: {} } } }] });
  });

  it('gives secrets (writeOnly or format password, in any branch, array item or map value) the write-only secret field', () => {
    const ui = uiSchemaFor(AUTH_LIKE_API_FETCHER, AUTH_LIKE_API_FETCHER) as Record<string, Record<string, unknown>>;
    expect(ui.auth.token).toEqual({ 'ui:field': 'secret' });
    expect(ui.auth.password).toEqual({ 'ui:field': 'secret' });
    expect(ui.tokens.items).toEqual({ 'ui:field': 'secret' });
    expect(ui.headers.additionalProperties).toEqual({ 'ui:field': 'secret' });
    expect(ui.url).toEqual({ 'ui:placeholder': 'e.g. https://api.example.org/v1/samples' });
  });

  it('edits a value of any type as JSON, long strings in a text area, and keeps a oneOf branch that only names a property from changing its widget', () => {
    const ui = uiSchemaFor(AUTH_LIKE_API_FETCHER, AUTH_LIKE_API_FETCHER) as Record<string, Record<string, unknown>>;
    expect(ui.body).toEqual({ 'ui:field': 'json' });
    expect(ui.query).toEqual({ 'ui:widget': 'textarea' });
    expect(ui.source.table).toEqual({ 'ui:placeholder': 'e.g. measurements' });
    expect(ui.source.query).toBeUndefined();
    // The option select names the kind (Sheet name / Sheet index); the input keeps the field's own label.
    expect(ui.sheet.oneOf).toEqual([{ 'ui:label': false }, { 'ui:label': false }]);
  });

  it('titles the config section and collapses its optional fields', () => {
    const ui = instanceUiSchema(AUTH_LIKE_API_FETCHER, { creating: true });
    expect(ui['ui:order']).toEqual(['name', 'enabled', 'config']);
    expect(ui.config).toMatchObject({ 'ui:title': 'Configuration', 'ui:collapseOptional': true });
    expect(ui.name).toMatchObject({ 'ui:autofocus': true });
    expect(instanceUiSchema(AUTH_LIKE_API_FETCHER, { creating: false }).name).toMatchObject({ 'ui:autofocus': false });
  });

  it('names the field a JSON Pointer points at, through branches', () => {
    const schema = instanceFormSchema(AUTH_LIKE_API_FETCHER);
    expect(titleAt(schema, '/name')).toBe('Name');
    expect(titleAt(schema, '/config/url')).toBe('URL');
    expect(titleAt(schema, '/config/auth/token')).toBe('Token');
    expect(titleAt(schema, '/config/tokens/0')).toBe('0');
    expect(titleAt(schema, '/config/not_in_schema')).toBe('Not in schema');
    expect(titleAt(schema, '/config')).toBe('Configuration');
  });

  it('reads JSON Pointers and turns them into rjsf field ids', () => {
    expect(pointerSegments('/config/a~1b/c~0d')).toEqual(['config', 'a/b', 'c~d']);
    expect(pointerSegments('')).toEqual([]);
    expect(fieldIdFor('/config/table_name')).toBe('root_config_table_name');
    expect(fieldIdFor('/config/columns/0')).toBe('root_config_columns_0');
    expect(fieldIdFor('/name')).toBe('root_name');
  });
});

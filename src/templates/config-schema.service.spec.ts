import { ConfigSchemaService, normaliseRequired } from './config-schema.service';

describe('normaliseRequired', () => {
  it("moves the seed's property-level required: true into the required array, at every depth", () => {
    const schema = {
      type: 'object',
      required: ['a'],
      properties: {
        a: { type: 'string' },
        b: { type: 'string', required: true },
        c: { type: 'string', required: false },
        nested: { type: 'object', properties: { x: { type: 'number', required: true } } },
        list: { type: 'array', items: { type: 'object', properties: { y: { type: 'string', required: true } } } },
      },
    };
    expect(normaliseRequired(schema)).toEqual({
      type: 'object',
      required: ['a', 'b'],
      properties: {
        a: { type: 'string' },
        b: { type: 'string' },
        c: { type: 'string' },
        nested: { type: 'object', required: ['x'], properties: { x: { type: 'number' } } },
        list: { type: 'array', items: { type: 'object', required: ['y'], properties: { y: { type: 'string' } } } },
      },
    });
    expect(schema.properties.b.required).toBe(true); // the plugin's object is untouched
  });

  it('leaves a property literally named "required" alone', () => {
    const schema = { type: 'object', properties: { required: { type: 'boolean' } } };
    expect(normaliseRequired(schema)).toEqual(schema);
  });
});

describe('ConfigSchemaService', () => {
  const service = new ConfigSchemaService();

  it('refuses schemas that do not compile or do not describe an object', () => {
    expect(() => service.compile({ type: 'object', properties: { a: { type: 'nonsense' } } })).toThrow();
    expect(() => service.compile({ type: 'array' })).toThrow(/must describe an object/);
    expect(() => service.compile('not a schema')).toThrow(/JSON Schema object/);
  });

  it('applies defaults to a copy and reports errors with JSON Pointers, escaping ~ and /', () => {
    const compiled = service.compile({
      type: 'object',
      additionalProperties: false,
      properties: { 'a/b': { type: 'integer', required: true }, 'c~d': { type: 'string', default: 'x' }, mode: { enum: ['fast', 'slow'] } },
    });
    const input = { mode: 'medium' };
    const result = service.validate(compiled, input);
    expect(result.valid).toBe(false);
    expect(result.errors).toEqual([
      { path: '/config/a~1b', message: 'is required' },
      { path: '/config/mode', message: 'must be one of: "fast", "slow"' },
    ]);
    expect(result.config).toEqual({ mode: 'medium', 'c~d': 'x' });
    expect(input).toEqual({ mode: 'medium' });
    expect(service.validate(compiled, { 'a/b': 1, extra: 1 }).errors).toEqual([{ path: '/config/extra', message: 'is not an allowed property' }]);
  });

  it('checks formats', () => {
    const compiled = service.compile({ type: 'object', properties: { url: { type: 'string', format: 'uri' } } });
    expect(service.validate(compiled, { url: 'https://example.org/x' }).valid).toBe(true);
    expect(service.validate(compiled, { url: 'not a url' }).errors[0].path).toBe('/config/url');
  });
});

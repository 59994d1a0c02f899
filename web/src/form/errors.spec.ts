import { changedPointers, errorSchemaFrom, maskedPointers, valueAt, visibleErrors } from './errors';
import { SECRET_MASK } from './form-schema';

describe("the server's errors on the form's fields", () => {
  it('places each JSON Pointer on its field, arrays and escapes included, without repeating a message', () => {
    expect(
      errorSchemaFrom([
        { path: '/config/table_name', message: 'must match pattern "^[A-Za-z_][A-Za-z0-9_]*$"' },
        { path: '/config/table_name', message: 'must match pattern "^[A-Za-z_][A-Za-z0-9_]*$"' },
        { path: '/config/store/columns/1', message: 'must be string' },
        { path: '/config/headers/X~1Custom', message: 'must NOT contain a line break' },
        { path: '/config/auth', message: 'must NOT have additional properties' },
        { path: '/name', message: "an instance named 'A' exists" },
      ]),
    ).toEqual({
      name: { __errors: ["an instance named 'A' exists"] },
      config: {
        table_name: { __errors: ['must match pattern "^[A-Za-z_][A-Za-z0-9_]*$"'] },
        store: { columns: { 1: { __errors: ['must be string'] } } },
        headers: { 'X/Custom': { __errors: ['must NOT contain a line break'] } },
        auth: { __errors: ['must NOT have additional properties'] },
      },
    });
  });

  it('puts an error about the whole body at the root', () => {
    expect(errorSchemaFrom([{ path: '', message: 'must be object' }])).toEqual({ __errors: ['must be object'] });
  });

  it('finds the stored secrets by their mask, and reads values by pointer', () => {
    const config = { url: 'https://x', auth: { type: 'bearer', token: SECRET_MASK }, tokens: ['a', SECRET_MASK], 'a/b': SECRET_MASK };
    expect(maskedPointers(config)).toEqual(['/config/auth/token', '/config/tokens/1', '/config/a~1b']);
    expect(valueAt({ config }, '/config/tokens/1')).toBe(SECRET_MASK);
    expect(valueAt({ config }, '/config/url/deeper')).toBeUndefined();
  });

  it('lists the leaves the user changed', () => {
    const before = { name: '', enabled: true, config: { file_type: 'auto', columns: ['a'] } };
    const after = { name: 'Equipment', enabled: true, config: { file_type: 'auto', columns: ['a', 'b'], table_name: 'x', nested: { deep: 1 } } };
    expect(changedPointers(before, after).sort()).toEqual(['/config/columns/1', '/config/nested', '/config/nested/deep', '/config/table_name', '/name']);
    expect(changedPointers(before, before)).toEqual([]);
  });

  it('shows, while typing, the errors of changed fields and their nested neighbours; after a save attempt all of them', () => {
    const errors = [
      { path: '/config/table_name', message: 'must match pattern' },
      { path: '/config/file_path', message: "must have required property 'file_path'" },
      { path: '/config/auth/token', message: "must have required property 'token'" },
      { path: '/config/store', message: 'must NOT have additional properties' },
    ];
    const paths = (changed: string[], all = false) => visibleErrors(errors, changed, all).map((error) => error.path);
    expect(paths([])).toEqual([]);
    expect(paths(['/config/table_name'])).toEqual(['/config/table_name']);
    // Choosing bearer auth shows that its token is missing; a top-level change does not flag other top-level fields.
    expect(paths(['/config/auth/type'])).toEqual(['/config/auth/token']);
    expect(paths(['/config/store/extra'])).toEqual(['/config/store']);
    expect(paths([], true)).toHaveLength(4);
  });
});

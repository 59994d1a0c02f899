import { describeLine, diffLines, fieldLabel, showValue, versionDocument } from './diff-lines';

describe('a version diff as readable lines', () => {
  const before = {
    name: 'Lab equipment',
    config: { file_path: 'examples/equipment.csv', table_name: 'lab_equipment', auth: { user: 'robot', token: '********' }, columns: ['a', 'b', 'c'] },
    enabled: true,
    schedule: null,
  };

  it('shows a replaced value as "field: old → new", read from the version before', () => {
    const lines = diffLines([{ op: 'replace', path: '/config/table_name', value: 'lab_equipment_2025' }], before);
    expect(lines).toEqual([{ path: '/config/table_name', field: 'config.table_name', kind: 'changed', before: '"lab_equipment"', after: '"lab_equipment_2025"', secret: false }]);
    expect(describeLine(lines[0])).toBe('config.table_name: "lab_equipment" → "lab_equipment_2025"');
  });

  it('shows added and removed fields with the value they have or had', () => {
    const lines = diffLines(
      [
        { op: 'add', path: '/config/mode', value: 'append' },
        { op: 'remove', path: '/config/file_path' },
        { op: 'replace', path: '/schedule', value: { every: '15m', timezone: 'UTC' } },
      ],
      before,
    );
    expect(lines.map(describeLine)).toEqual([
      'config.mode: added "append"',
      'config.file_path: removed (was "examples/equipment.csv")',
      'schedule: null → {"every":"15m","timezone":"UTC"}',
    ]);
    expect(lines.map((line) => line.kind)).toEqual(['added', 'removed', 'changed']);
  });

  it('shows a secret as changed, set or removed, never with a value or the mask', () => {
    const lines = diffLines(
      [
        { op: 'replace', path: '/config/auth/token', value: '********' },
        { op: 'add', path: '/config/spare', value: '********' },
        { op: 'remove', path: '/config/auth/token' },
      ],
      before,
    );
    expect(lines.every((line) => line.secret && line.before === undefined && line.after === undefined)).toBe(true);
    expect(lines.map(describeLine)).toEqual(['config.auth.token: secret changed (value not shown)', 'config.spare: secret set (value not shown)', 'config.auth.token: secret removed (value not shown)']);
    expect(JSON.stringify(lines)).not.toContain('********');
  });

  it('applies the operations in order, so later array indexes read the array as the earlier ones left it', () => {
    // fast-json-patch removes array items from the end: /columns/2 then /columns/1.
    const lines = diffLines(
      [
        { op: 'remove', path: '/config/columns/2' },
        { op: 'remove', path: '/config/columns/1' },
        { op: 'add', path: '/config/columns/1', value: 'z' },
      ],
      before,
    );
    expect(lines.map(describeLine)).toEqual(['config.columns[2]: removed (was "c")', 'config.columns[1]: removed (was "b")', 'config.columns[1]: added "z"']);
  });

  it('does not change the version it reads from', () => {
    const copy = structuredClone(before);
    diffLines([{ op: 'remove', path: '/config/auth' }, { op: 'replace', path: '/name', value: 'x' }], before);
    expect(before).toEqual(copy);
  });

  it('labels pointers as people read them, escapes included', () => {
    expect(fieldLabel('/config/to/2')).toBe('config.to[2]');
    expect(fieldLabel('/config/a~1b/c~0d')).toBe('config.a/b.c~d');
    expect(fieldLabel('/depends_on/0')).toBe('depends_on[0]');
    expect(fieldLabel('')).toBe('(everything)');
  });

  it('cuts long values', () => {
    expect(showValue('x'.repeat(500), 20)).toHaveLength(20);
    expect(showValue(undefined)).toBe('(none)');
  });

  it('compares the fields the server diffs, and no others', () => {
    const version = {
      instance_id: 'i', version: 2, name: 'n', template_id: 't', config: {}, template_version: '1.0.0', enabled: true,
      execution_policy: { timeout_ms: null, max_attempts: 1, backoff_ms: 1000, disable_after_failures: null }, schedule: null, depends_on: [],
      secret_fields: [], changed_at: '2026-01-01T00:00:00.000Z', changed_by: 'loopback', change_kind: 'update' as const, restored_from: null,
    };
    expect(Object.keys(versionDocument(version as never))).toEqual(['name', 'template_id', 'config', 'template_version', 'enabled', 'execution_policy', 'schedule', 'depends_on']);
  });
});

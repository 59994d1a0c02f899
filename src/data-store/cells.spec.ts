import { parseCell, toStoredValue, uniqueColumnNames, widen } from './cells';
import { checkColumnNames, checkTableName, quoteIdentifier } from './identifiers';

describe('cells', () => {
  it('parses plain numbers and keeps every other spelling as text', () => {
    expect(parseCell('')).toBeNull();
    expect(parseCell('42')).toBe(42);
    expect(parseCell('-7')).toBe(-7);
    expect(parseCell('4.50')).toBe(4.5);
    for (const raw of ['007', '1e3', ' 42', '+1', '1,000', '12345678901234567890', 'NaN', '0x10', '.5']) expect(parseCell(raw)).toBe(raw);
  });

  it('stores booleans as 1/0, dates as ISO text, objects as JSON', () => {
    expect(toStoredValue(true)).toBe(1);
    expect(toStoredValue(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
    expect(toStoredValue({ a: [1] })).toBe('{"a":[1]}');
    expect(toStoredValue(Number.NaN)).toBeNull();
    expect(toStoredValue(undefined)).toBeNull();
  });

  it('widens INTEGER to REAL to TEXT', () => {
    expect(widen(null, 1)).toBe('INTEGER');
    expect(widen('INTEGER', 1.5)).toBe('REAL');
    expect(widen('REAL', 'x')).toBe('TEXT');
    expect(widen('TEXT', 3)).toBe('TEXT');
    expect(widen('INTEGER', null)).toBe('INTEGER');
  });

  it('makes header names unique and non-empty, keeping them otherwise exactly', () => {
    expect(uniqueColumnNames(['Serial No.', '', 'Name', 'name', null, 'Name'])).toEqual(['Serial No.', 'col_1', 'Name', 'name_2', 'col_4', 'Name_3']);
  });
});

describe('identifiers', () => {
  it('accepts plain table names and explains every refusal', () => {
    expect(checkTableName('ilab_equipment_2024')).toBeNull();
    expect(checkTableName('')).toContain('empty');
    expect(checkTableName('1abc')).toContain('must match');
    expect(checkTableName('a-b')).toContain('must match');
    expect(checkTableName('select')).toContain('reserved');
    expect(checkTableName('_pif_staging')).toContain('internal');
    expect(checkTableName('sqlite_master')).toContain('internal');
    expect(checkTableName('x'.repeat(64))).toContain('longer');
  });

  it('checks column names and quotes identifiers safely', () => {
    expect(checkColumnNames(['a', 'Lab (room)'])).toBeNull();
    expect(checkColumnNames([])).toContain('at least one');
    expect(checkColumnNames(['Name', 'name'])).toContain('duplicate');
    expect(quoteIdentifier('we"ird')).toBe('"we""ird"');
  });
});

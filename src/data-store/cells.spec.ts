import { parseCell, toStoredValue, uniqueColumnNames, widen } from './cells';
import { checkColumnNames, checkTableName, quoteIdentifier } from './identifiers';

describe('cells', () => {
  it('parses plain numbers and keeps every other spelling as text', () => {
    expect(parseCell('')).toBeNull();
    expect(parseCell('42')).toBe(42);
    expect(parseCell('-7')).toBe(-7);
    expect(parseCell('0')).toBe(0);
    expect(parseCell('4.50')).toBe(4.5);
    expect(parseCell('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    for (const raw of ['007', '0042', ' 42', '42 ', '1,000', '1,234', '12-31', '12345678901234567890', 'NaN', 'Infinity', '-Infinity', '0x10']) expect(parseCell(raw)).toBe(raw);
  });

  it('reads numbers with a leading dot, an explicit sign or an exponent, as spreadsheets do', () => {
    const numbers: [string, number][] = [
      ['.097', 0.097],
      ['-.5', -0.5],
      ['+.5', 0.5],
      ['+3', 3],
      ['+0', 0],
      ['-0.25', -0.25],
      ['1e-3', 0.001],
      ['1.5E+10', 1.5e10],
      ['1e3', 1000],
      ['2E5', 200000],
      ['.5e1', 5],
      ['-1.25e-2', -0.0125],
      ['0e0', 0],
      ['12345678901234567890.5', Number('12345678901234567890.5')], // a quantity, not an identifier: it has a fraction
    ];
    for (const [raw, value] of numbers) expect([raw, parseCell(raw)]).toEqual([raw, value]);
  });

  it('keeps near-numbers as text: lone signs and dots, empty parts, leading zeros, overflow', () => {
    const texts = ['+', '-', '.', '+.', '-.', '5.', '1.', '.e5', 'e5', '1e', '1e+', '1E-', '1e3.5', '1e3e4', '1.2.3', '++1', '+-1', '--1', '00.5', '-007', '+0042', '01e3', '1e400', '-1e400', '1 e3', '.5 ', '1_000', '١٢'];
    for (const raw of texts) expect([raw, parseCell(raw)]).toEqual([raw, raw]);
  });

  it('gives a column of dot- and sign-led numbers a numeric type', () => {
    const type = ['.097', '.103', '-.5', '+3', '1e-3', '1.5E+10', ''].map(parseCell).reduce(widen, null);
    expect(type).toBe('REAL');
    expect(['+3', '1e3', '-2'].map(parseCell).reduce(widen, null)).toBe('INTEGER');
    expect(['.5', '007'].map(parseCell).reduce(widen, null)).toBe('TEXT');
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

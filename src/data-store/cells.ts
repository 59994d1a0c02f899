import { CellValue, ColumnType } from './data-store.types';

const ZERO = 48;
const NINE = 57;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const LOWER_E = 101;
const UPPER_E = 69;

const isDigit = (code: number): boolean => code >= ZERO && code <= NINE;

/**
 * Reads a text cell (CSV, TSV, ...): '' becomes null, numbers as spreadsheets and DuckDB's sniffer read
 * them become numbers, and everything else stays text exactly as written ('007', ' 42', '1,234', 'NaN').
 * A number is [+-]?(0|[1-9][0-9]*)?(\.[0-9]+)?([eE][+-]?[0-9]+)? with at least one digit before the
 * exponent: '.097', '-.5', '+3', '1e-3' and '1.5E+10' are numbers; leading zeros ('007', '0042') keep
 * the text, since they are codes rather than quantities. Integers beyond 2^53 without a fraction or
 * exponent stay text too (identifiers), as do values that overflow to Infinity. It scans character
 * codes instead of matching a regular expression because it runs once per cell of every import.
 */
export function parseCell(raw: string): string | number | null {
  const length = raw.length;
  if (length === 0) return null;
  let i = 0;
  let code = raw.charCodeAt(0);
  const negative = code === MINUS;
  if (negative || code === PLUS) {
    if (++i === length) return raw;
    code = raw.charCodeAt(i);
  }
  // Integer part: '0', or digits without a leading zero, or nothing when a fraction follows.
  let integer = 0;
  let integerDigits = 0;
  if (code === ZERO) {
    i++;
    integerDigits = 1;
  } else {
    while (i < length && isDigit((code = raw.charCodeAt(i)))) {
      integer = integer * 10 + (code - ZERO); // exact while below 2^53; checked below
      integerDigits++;
      i++;
    }
  }
  if (i === length) {
    if (integerDigits === 0) return raw;
    if (integer <= Number.MAX_SAFE_INTEGER) return negative ? -integer : integer;
    return raw;
  }
  code = raw.charCodeAt(i);
  if (code === DOT) {
    const fractionStart = ++i;
    while (i < length && isDigit(raw.charCodeAt(i))) i++;
    if (i === fractionStart) return raw; // '5.', '.', '-.'
  } else if (integerDigits === 0) {
    return raw;
  }
  if (i < length) {
    code = raw.charCodeAt(i);
    if (code !== LOWER_E && code !== UPPER_E) return raw;
    if (++i < length && ((code = raw.charCodeAt(i)) === PLUS || code === MINUS)) i++;
    const exponentStart = i;
    while (i < length && isDigit(raw.charCodeAt(i))) i++;
    if (i === exponentStart || i !== length) return raw;
  }
  const value = Number(raw);
  return Number.isFinite(value) ? value : raw;
}

/** The value stored for a cell: numbers, text or null. */
export function toStoredValue(value: CellValue | bigint): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  return JSON.stringify(value);
}

/** The narrowest column type that holds both: INTEGER < REAL < TEXT. */
export function widen(current: ColumnType | null, value: string | number | null): ColumnType | null {
  if (value === null) return current;
  const type: ColumnType = typeof value === 'number' ? (Number.isInteger(value) ? 'INTEGER' : 'REAL') : 'TEXT';
  if (current === null || current === type) return type;
  if (current === 'TEXT' || type === 'TEXT') return 'TEXT';
  return 'REAL';
}

/** Header cells to column names: empty ones become `col_<index>`, repeats get `_2`, `_3`, ... */
export function uniqueColumnNames(raw: (string | null | undefined)[]): string[] {
  const used = new Set<string>();
  return raw.map((name, index) => {
    let base = name === null || name === undefined || String(name).trim() === '' ? `col_${index}` : String(name);
    base = base.split('\u0000').join(''); // NUL cannot be stored in an identifier
    let candidate = base;
    for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${base}_${n}`;
    used.add(candidate.toLowerCase());
    return candidate;
  });
}

export const defaultColumnNames = (count: number): string[] => Array.from({ length: count }, (_, index) => `col_${index}`);

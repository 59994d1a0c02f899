import { CellValue, ColumnType } from './data-store.types';

const ZERO = 48;
const NINE = 57;
const MINUS = 45;
const DOT = 46;

/**
 * Reads a text cell (CSV, TSV, ...): '' becomes null, plain decimal numbers become numbers, and
 * everything else stays text exactly as written ('007', '1e3', ' 42', '+1' keep their spelling).
 * Plain means -?(0|[1-9][0-9]*)(\.[0-9]+)?; it scans character codes instead of matching regular
 * expressions because it runs once per cell of every import.
 */
export function parseCell(raw: string): string | number | null {
  const length = raw.length;
  if (length === 0) return null;
  let i = raw.charCodeAt(0) === MINUS ? 1 : 0;
  if (i === length) return raw;
  const negative = i === 1;
  let code = raw.charCodeAt(i++);
  if (code < ZERO || code > NINE) return raw;
  let integer = code - ZERO;
  if (code !== ZERO) {
    while (i < length && (code = raw.charCodeAt(i)) >= ZERO && code <= NINE) {
      integer = integer * 10 + (code - ZERO); // exact while below 2^53; checked below
      i++;
    }
  }
  if (i === length) {
    if (integer <= Number.MAX_SAFE_INTEGER) return negative ? -integer : integer;
    return raw;
  }
  if (raw.charCodeAt(i++) !== DOT || i === length) return raw;
  while (i < length) {
    code = raw.charCodeAt(i++);
    if (code < ZERO || code > NINE) return raw;
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

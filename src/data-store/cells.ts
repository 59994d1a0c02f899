import { CellValue, ColumnType } from './data-store.types';

const INTEGER_TEXT = /^-?(0|[1-9]\d*)$/;
const DECIMAL_TEXT = /^-?(0|[1-9]\d*)\.\d+$/;

/**
 * Reads a text cell (CSV, TSV, ...): '' becomes null, plain decimal numbers become numbers, and
 * everything else stays text exactly as written ('007', '1e3', ' 42', '+1' keep their spelling).
 */
export function parseCell(raw: string): string | number | null {
  if (raw === '') return null;
  if (INTEGER_TEXT.test(raw)) {
    const value = Number(raw);
    return Number.isSafeInteger(value) ? value : raw;
  }
  if (DECIMAL_TEXT.test(raw)) {
    const value = Number(raw);
    return Number.isFinite(value) ? value : raw;
  }
  return raw;
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

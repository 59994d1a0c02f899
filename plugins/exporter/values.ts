/**
 * How one data-store value is written in each format. Rows come from SQLite or PostgreSQL, so besides
 * strings, numbers and null a value can be a bigint, a boolean, a Date, a Buffer (BLOB/bytea) or a parsed
 * JSON object (pg json columns).
 */

/** Excel refuses cells longer than this. */
export const XLSX_MAX_CELL_CHARS = 32767;
/** Rows per sheet (header included) and columns per sheet in the xlsx format. */
export const XLSX_MAX_ROWS = 1048576;
export const XLSX_MAX_COLUMNS = 16384;

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;

/** Text for csv/tsv: null is an empty field, booleans are true/false, bytes base64, objects JSON. */
export function toText(value: unknown): string {
  if (value === null || value === undefined) return '';
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
  }
  if (value instanceof Date) return value.toISOString();
  if (isBytes(value)) return Buffer.from(value).toString('base64');
  return JSON.stringify(value);
}

/** A JSON value: bigints beyond 2^53 become strings rather than losing digits; bytes are base64. */
export function toJson(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (isBytes(value)) return Buffer.from(value).toString('base64');
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

/** A JSON text line for one row, keys in column order. */
export function rowToJson(row: Record<string, unknown>): string {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(row)) out[key] = toJson(row[key]);
  return JSON.stringify(out);
}

/** An xlsx cell value: numbers, strings, booleans and dates keep their type; the rest becomes text. */
export function toXlsx(value: unknown): string | number | boolean | Date | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  }
  if (value instanceof Date) return value;
  return toText(value);
}

import { ColumnType } from '../data-store.types';

export type Row = Record<string, unknown>;

/** Statements inside one write transaction. */
export interface WriteTransaction {
  run(sql: string, params?: unknown[]): Promise<void>;
  all(sql: string, params?: unknown[]): Promise<Row[]>;
  /**
   * Inserts rows (values in `columns` order) into a table, after any rows inserted before: calls may overlap and
   * still go in in order. SQLite: one request to its worker, a prepared one-row INSERT per row; PostgreSQL:
   * multi-row INSERTs, queued on the transaction's connection.
   */
  insertRows(table: string, columns: string[], rows: readonly (string | number | null)[][]): Promise<void>;
}

/** What DataStoreService needs from a database: SQLite and PostgreSQL implement it. */
export interface DataStoreDriver {
  readonly dialect: 'sqlite' | 'postgres';
  placeholder(index: number): string;
  sqlType(type: ColumnType): string;
  /** One writer at a time; all statements commit together or not at all. */
  write<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T>;
  /** Reads on a connection that cannot write and never sees uncommitted writes. */
  all(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Streams the rows of a read-only query, a few at a time. */
  iterate(sql: string, params: unknown[], signal?: AbortSignal): AsyncIterable<Row>;
  listTables(): Promise<string[]>;
  tableColumns(table: string): Promise<{ name: string; type: ColumnType }[]>;
  close(): Promise<void>;
}

/** Declared SQL types back to the three the data store reports. */
export function columnTypeOf(declared: string): ColumnType {
  const type = declared.toUpperCase();
  if (/INT/.test(type)) return 'INTEGER';
  if (/REAL|FLOA|DOUB|NUMERIC|DECIMAL/.test(type)) return 'REAL';
  return 'TEXT';
}

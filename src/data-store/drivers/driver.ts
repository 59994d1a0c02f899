import { ColumnType } from '../data-store.types';

export type Row = Record<string, unknown>;

export interface PreparedStatement {
  run(params: unknown[]): Promise<void>;
  close(): Promise<void>;
}

/** Statements inside one write transaction. */
export interface WriteTransaction {
  run(sql: string, params?: unknown[]): Promise<void>;
  all(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs the same statement repeatedly (prepared once where the driver can). */
  prepare(sql: string): Promise<PreparedStatement>;
  /** Runs a one-row statement once per row, in order (SQLite: all of them in one request to its worker). */
  insertEach(sql: string, rows: unknown[][]): Promise<void>;
}

/** What DataStoreService needs from a database: SQLite and PostgreSQL implement it. */
export interface DataStoreDriver {
  readonly dialect: 'sqlite' | 'postgres';
  /** Most bind parameters one statement may carry. */
  readonly maxParameters: number;
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

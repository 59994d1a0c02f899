/** Types of the data store API, re-exported to plugins through src/sdk. */

/** Column types the data store infers and reports: whole numbers, other numbers, everything else. */
export type ColumnType = 'INTEGER' | 'REAL' | 'TEXT';

export interface TableColumn {
  name: string;
  type: ColumnType;
}

export interface TableInfo {
  name: string;
  columns: TableColumn[];
  row_count: number;
}

/**
 * A value written to a table. Strings are stored as given (no number sniffing: parse them first, see
 * `parseCell`); numbers, booleans (1/0) and null as themselves; Dates as ISO strings; other objects and
 * arrays as JSON text.
 */
export type CellValue = string | number | boolean | null | undefined | Date | object;

export interface WriteTableOptions {
  /** replace: build a new table and swap it in atomically; append: add rows (creating the table if missing). */
  mode: 'replace' | 'append';
  /** Column names, in order: required, made unique and non-empty by `uniqueColumnNames` beforehand. */
  columns: string[];
  /** Aborting stops the write: a replace leaves the old table untouched, an append adds nothing. */
  signal?: AbortSignal;
  /** Called after each committed batch with the number of rows written so far. */
  onProgress?: (rowsWritten: number) => void;
}

export interface WriteTableResult {
  table_name: string;
  mode: 'replace' | 'append';
  rows_written: number;
  columns: TableColumn[];
}

export interface QueryOptions {
  signal?: AbortSignal;
}

/** The data store cannot be opened or reached (boot fails with it). */
export class DataStoreUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataStoreUnavailableError';
  }
}

/** Thrown for anything the caller did wrong (bad identifier, not read-only SQL, unknown table, ...). */
export class DataStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataStoreError';
  }
}

import type { DataStoreService } from '../data-store/data-store.service';
import type { CellValue, TableColumn } from '../data-store/data-store.types';
import type { ExecutionContext } from './types';

/** The rows to import: one at a time (as `writeTable` takes them) or in batches (as `writeTableBatches` does). */
export type ImportInput = { rows: AsyncIterable<CellValue[]> | Iterable<CellValue[]> } | { batches: AsyncIterable<CellValue[][]> | Iterable<CellValue[][]> };

export interface ImportRowsOptions {
  /** replace: build the table and swap it in at commit; append: add rows (creating the table if missing). */
  mode: 'replace' | 'append';
  /** Column names in row order, as for `writeTable` (made usable by `uniqueColumnNames` beforehand). */
  columns: string[];
  /** What a row is called in progress and log messages ("40 records imported"). Default `rows`. */
  noun?: string;
  /** `Date.now()` when the run began, so `duration_ms` covers reading the header too. Default: when importRows is called. */
  startedAt?: number;
  /** Result fields that say where the rows came from (`file_path`, `file_type`, ...); they follow `table_name`. */
  source?: Record<string, unknown>;
  /** Result fields known only once every row is written (counts kept while streaming); called after the write, they follow `mode`. */
  summary?: () => Record<string, unknown>;
}

/** What importRows returns, ready to be a handler's result. */
export interface ImportResult {
  [field: string]: unknown;
  rows_imported: number;
  columns: TableColumn[];
  table_name: string;
  mode: 'replace' | 'append';
  duration_ms: number;
}

/**
 * The tail every importer shares: writes the rows into `table` (streamed, one transaction, cancelled by
 * `ctx.signal`), reports `ctx.progress` after each batch and once at the end with the total, logs
 * `imported N rows into 'table' (mode)` and builds the result:
 * `{ rows_imported, columns, table_name, ...source, mode, ...summary(), duration_ms }`.
 * A failed or cancelled write rejects as `writeTable` does, before the final progress and log line.
 */
export async function importRows(store: DataStoreService, ctx: ExecutionContext, table: string, input: ImportInput, options: ImportRowsOptions): Promise<ImportResult> {
  const startedAt = options.startedAt ?? Date.now();
  const noun = options.noun ?? 'rows';
  const writeOptions = {
    mode: options.mode,
    columns: options.columns,
    signal: ctx.signal,
    onProgress: (count: number) => ctx.progress({ current: count, message: `${count} ${noun} imported` }),
  };
  const written = 'batches' in input ? await store.writeTableBatches(table, input.batches, writeOptions) : await store.writeTable(table, input.rows, writeOptions);
  ctx.progress({ current: written.rows_written, total: written.rows_written, message: `${written.rows_written} ${noun} imported` });
  ctx.log('info', `imported ${written.rows_written} ${noun} into '${written.table_name}' (${written.mode})`);
  return {
    rows_imported: written.rows_written,
    columns: written.columns,
    table_name: written.table_name,
    ...options.source,
    mode: written.mode,
    ...options.summary?.(),
    duration_ms: Date.now() - startedAt,
  };
}

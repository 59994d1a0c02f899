import { randomBytes } from 'node:crypto';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { NotFoundError } from '../common/domain-errors';
import { decodeOffsetCursor, encodeOffsetCursor, Page } from '../common/pagination';
import { Settings } from '../config/settings';
import { toStoredValue, widen } from './cells';
import { CellValue, ColumnType, DataStoreError, DataStoreUnavailableError, QueryOptions, TableColumn, TableInfo, WriteTableOptions, WriteTableResult } from './data-store.types';
import { DataStoreDriver, Row, WriteTransaction } from './drivers/driver';
import { PostgresDataStoreDriver } from './drivers/postgres.driver';
import { SqliteDataStoreDriver } from './drivers/sqlite.driver';
import { checkColumnNames, checkTableName, INTERNAL_TABLE_PREFIX, quoteIdentifier } from './identifiers';
import { checkReadOnlyQuery, numberedPlaceholders, withoutTrailingSemicolon } from './read-only-sql';

/**
 * Cells per write batch, at least and at most: big enough that per-request costs vanish, small enough that a
 * batch is gone before the garbage collector's next young-generation pass.
 */
const MIN_BATCH_CELLS = 2_500;
const MAX_BATCH_CELLS = 100_000;
/** Batches queued in the database at once: the next is ready the moment the previous one is written. */
const BATCHES_IN_FLIGHT = 2;

type StoredRow = (string | number | null)[];
type Rows = AsyncIterable<CellValue[]> | Iterable<CellValue[]>;
type RowBatches = AsyncIterable<CellValue[][]> | Iterable<CellValue[][]>;

/**
 * The database imported tables live in, apart from the framework's own (DATA_STORE_URL). The one way
 * to write a table: streamed, batched, in one transaction, replace by build-and-swap.
 */
@Injectable()
export class DataStoreService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DataStoreService.name);
  private driverPromise: Promise<DataStoreDriver> | null = null;

  constructor(private readonly settings: Settings) {}

  /** Opens at boot, so the SQLite file exists from the first start and a bad DATA_STORE_URL fails early. */
  async onModuleInit(): Promise<void> {
    try {
      await this.ping();
    } catch (error) {
      throw new DataStoreUnavailableError(`the data store (DATA_STORE_URL) cannot be opened: ${(error as Error).message}`);
    }
    this.logger.log(`data store: ${this.settings.dataStore.type === 'sqlite' ? this.settings.dataStore.file : 'PostgreSQL'}`);
  }

  /** Throws unless the data store answers a query. */
  async ping(): Promise<void> {
    await (await this.driver()).all('SELECT 1 AS ok');
  }

  private driver(): Promise<DataStoreDriver> {
    if (!this.driverPromise) {
      const target = this.settings.dataStore;
      this.driverPromise = target.type === 'postgres' ? Promise.resolve(new PostgresDataStoreDriver(target.url)) : SqliteDataStoreDriver.open(target.file);
      this.driverPromise.catch(() => (this.driverPromise = null));
    }
    return this.driverPromise;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.driverPromise) await (await this.driverPromise).close();
  }

  checkTableName(name: string): string | null {
    return checkTableName(name);
  }

  checkReadOnlyQuery(sql: string): string | null {
    return checkReadOnlyQuery(sql);
  }

  /** Writes rows (arrays of values, in column order) to a table: see WriteTableOptions for replace and append. */
  writeTable(table: string, rows: Rows, options: WriteTableOptions): Promise<WriteTableResult> {
    return this.writeTableBatches(table, inBatches(rows), options);
  }

  /**
   * writeTable for sources that produce rows in batches (arrays of rows): the same checks and semantics, without
   * a hop per row. Batches of any size are fine; the arrays passed in are not modified.
   */
  async writeTableBatches(table: string, batches: RowBatches, options: WriteTableOptions): Promise<WriteTableResult> {
    const problem = checkTableName(table) ?? checkColumnNames(options.columns);
    if (problem) throw new DataStoreError(problem);
    if (options.mode !== 'replace' && options.mode !== 'append') throw new DataStoreError(`mode must be replace or append, not ${String(options.mode)}`);
    options.signal?.throwIfAborted();
    const driver = await this.driver();
    const existing = await this.describeTable(table);
    if (options.mode === 'append' && existing) return this.append(driver, existing, batches, options);
    return this.replace(driver, table, Boolean(existing), batches, options);
  }

  /** Builds the new table beside the old one and swaps it in at commit: readers see old or new, never half. */
  private replace(driver: DataStoreDriver, table: string, exists: boolean, batches: RowBatches, options: WriteTableOptions) {
    const columns = options.columns;
    const staging = `${INTERNAL_TABLE_PREFIX}staging_${randomBytes(6).toString('hex')}`;
    return driver.write(async (tx) => {
      const source = storedBatches(batches, columns.length, options.signal);
      const first = await source.next();
      const firstBatch = first.done ? [] : first.value;
      const types: (ColumnType | null)[] = columns.map(() => null);
      observeBatch(types, firstBatch);
      // SQLite keeps each value's own type, so staging can be typed from the first batch and fixed up at the
      // end; PostgreSQL would reject a later wider value, so its staging columns are TEXT. null: no declared type.
      let stagingTypes: (ColumnType | null)[] = driver.dialect === 'sqlite' ? types.map((type) => type ?? 'TEXT') : columns.map(() => 'TEXT');
      let target = staging;
      await tx.run(createTableSql(target, columns, stagingTypes, driver));
      const inserter = new BatchInserter(tx, target, columns, options.onProgress);
      try {
        if (firstBatch.length > 0) await inserter.add(firstBatch);
        for await (const batch of source) {
          observeBatch(types, batch);
          if (driver.dialect === 'sqlite' && types.some((type, i) => type === 'TEXT' && (stagingTypes[i] === 'INTEGER' || stagingTypes[i] === 'REAL'))) {
            // A numeric column turned out to hold text, which a numeric column would convert ('007' to 7): move the
            // rows to a table without declared types (values kept as they are); the types are fixed at the end.
            const untyped = `${staging}_untyped`;
            await inserter.settle();
            stagingTypes = columns.map(() => null);
            await tx.run(createTableSql(untyped, columns, stagingTypes, driver));
            await tx.run(`INSERT INTO ${quoteIdentifier(untyped)} SELECT * FROM ${quoteIdentifier(target)}`);
            await tx.run(`DROP TABLE ${quoteIdentifier(target)}`);
            await inserter.retarget((target = untyped));
          }
          await inserter.add(batch);
        }
        await inserter.settle();
      } finally {
        await inserter.drain();
      }
      const finalTypes = types.map((type) => type ?? 'TEXT');
      let built = target;
      if (finalTypes.some((type, i) => type !== stagingTypes[i])) {
        // Types widened after the first batch (or PostgreSQL's TEXT staging): copy into a table typed for all rows.
        built = `${staging}_typed`;
        await tx.run(createTableSql(built, columns, finalTypes, driver));
        await tx.run(
          `INSERT INTO ${quoteIdentifier(built)} SELECT ${columns.map((c, i) => `CAST(${quoteIdentifier(c)} AS ${driver.sqlType(finalTypes[i])})`).join(', ')} FROM ${quoteIdentifier(target)}`,
        );
        await tx.run(`DROP TABLE ${quoteIdentifier(target)}`);
      }
      options.signal?.throwIfAborted();
      if (exists) await tx.run(`DROP TABLE ${quoteIdentifier(table)}`);
      await tx.run(`ALTER TABLE ${quoteIdentifier(built)} RENAME TO ${quoteIdentifier(table)}`);
      return { table_name: table, mode: options.mode, rows_written: inserter.written, columns: columns.map((name, i) => ({ name, type: finalTypes[i] })) };
    });
  }

  private append(driver: DataStoreDriver, existing: TableInfo, batches: RowBatches, options: WriteTableOptions) {
    const byName = new Map(existing.columns.map((column) => [column.name.toLowerCase(), column]));
    const missing = options.columns.filter((name) => !byName.has(name.toLowerCase()));
    const extra = existing.columns.filter((column) => !options.columns.some((name) => name.toLowerCase() === column.name.toLowerCase()));
    if (missing.length > 0 || extra.length > 0) {
      throw new DataStoreError(
        `cannot append to '${existing.name}': its columns are ${existing.columns.map((c) => c.name).join(', ')}` +
          `${missing.length ? `; new columns: ${missing.join(', ')}` : ''}${extra.length ? `; missing columns: ${extra.map((c) => c.name).join(', ')}` : ''}`,
      );
    }
    return driver.write(async (tx) => {
      const types: (ColumnType | null)[] = options.columns.map((name) => byName.get(name.toLowerCase())!.type);
      const inserter = new BatchInserter(tx, existing.name, options.columns, options.onProgress);
      try {
        for await (const batch of storedBatches(batches, options.columns.length, options.signal)) {
          observeBatch(types, batch);
          await inserter.add(batch);
        }
        await inserter.settle();
      } finally {
        await inserter.drain();
      }
      const widened = options.columns.find((name, i) => typeRank(types[i]) > typeRank(byName.get(name.toLowerCase())!.type));
      if (widened && driver.dialect === 'postgres') {
        throw new DataStoreError(`cannot append to '${existing.name}': column '${widened}' is ${byName.get(widened.toLowerCase())!.type} but the new rows need ${types[options.columns.indexOf(widened)]}`);
      }
      return { table_name: existing.name, mode: options.mode, rows_written: inserter.written, columns: existing.columns };
    });
  }

  /** Streams the rows of one read-only statement. */
  async *query(sql: string, params: unknown[] = [], options: QueryOptions = {}): AsyncIterable<Record<string, unknown>> {
    const problem = checkReadOnlyQuery(sql);
    if (problem) throw new DataStoreError(problem);
    const driver = await this.driver();
    try {
      const statement = withoutTrailingSemicolon(sql);
      // Queries use `?` placeholders everywhere; PostgreSQL numbers them.
      yield* driver.iterate(driver.dialect === 'postgres' ? numberedPlaceholders(statement) : statement, params, options.signal);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new DataStoreError(`query failed: ${(error as Error).message}`);
    }
  }

  async listTables(): Promise<TableInfo[]> {
    const driver = await this.driver();
    const names = (await driver.listTables()).filter((name) => checkTableName(name) === null);
    const tables: TableInfo[] = [];
    for (const name of names) tables.push(await this.infoOf(driver, name));
    return tables;
  }

  async describeTable(name: string): Promise<TableInfo | null> {
    if (checkTableName(name)) return null;
    const driver = await this.driver();
    const tables = await driver.listTables();
    const actual = tables.find((table) => table === name) ?? (driver.dialect === 'sqlite' ? tables.find((table) => table.toLowerCase() === name.toLowerCase()) : undefined);
    return actual ? this.infoOf(driver, actual) : null;
  }

  /** Columns and row count of a table known to exist, by its stored name. */
  private async infoOf(driver: DataStoreDriver, table: string): Promise<TableInfo> {
    const columns: TableColumn[] = await driver.tableColumns(table);
    const [count] = await driver.all(`SELECT COUNT(*) AS row_count FROM ${quoteIdentifier(table)}`);
    return { name: table, columns, row_count: Number(count.row_count) };
  }

  /** A page of a table in storage order, for previews; the cursor is an opaque offset. */
  async readPage(name: string, limit: number, cursor?: string): Promise<Page<Row>> {
    const offset = cursor === undefined ? 0 : decodeOffsetCursor(cursor);
    const table = await this.describeTable(name);
    if (!table) throw new NotFoundError('table-not-found', 'table', name);
    const driver = await this.driver();
    const rows = await driver.all(`SELECT * FROM ${quoteIdentifier(table.name)} LIMIT ${driver.placeholder(1)} OFFSET ${driver.placeholder(2)}`, [limit + 1, offset]);
    const hasMore = rows.length > limit;
    return { items: rows.slice(0, limit), next_cursor: hasMore ? encodeOffsetCursor(offset + limit) : null };
  }
}

/** Groups single rows into batches for writeTableBatches. */
async function* inBatches(rows: Rows): AsyncGenerator<CellValue[][]> {
  let batch: CellValue[][] = [];
  for await (const row of rows as AsyncIterable<CellValue[]>) {
    batch.push(row);
    if (batch.length === 1024) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Checks rows and turns their values into stored ones, in batches of MIN to MAX_BATCH_CELLS, checking the abort signal. */
async function* storedBatches(batches: RowBatches, width: number, signal?: AbortSignal): AsyncGenerator<StoredRow[]> {
  const columns = Math.max(1, width);
  const [least, most] = [Math.max(1, Math.floor(MIN_BATCH_CELLS / columns)), Math.max(1, Math.floor(MAX_BATCH_CELLS / columns))];
  let pending: StoredRow[] = [];
  let rowNumber = 0;
  for await (const batch of batches as AsyncIterable<CellValue[][]>) {
    if (!Array.isArray(batch)) throw new DataStoreError(`the rows after row ${rowNumber} are not an array of rows`);
    for (const row of batch) {
      rowNumber++;
      if (!Array.isArray(row)) throw new DataStoreError(`row ${rowNumber} is not an array of values`);
      if (row.length > width) throw new DataStoreError(`row ${rowNumber} has ${row.length} values but the table has ${width} columns`);
      pending.push(storedRow(row, width));
      if (pending.length === most) {
        signal?.throwIfAborted();
        yield pending;
        pending = [];
      }
    }
    if (pending.length >= least) {
      signal?.throwIfAborted();
      yield pending;
      pending = [];
    }
  }
  signal?.throwIfAborted();
  if (pending.length > 0) yield pending;
}

/** The row itself when it already holds stored values only (the common case: no copy), else a converted copy. */
function storedRow(row: CellValue[], width: number): StoredRow {
  if (row.length === width) {
    let i = 0;
    for (; i < width; i++) {
      const value = row[i];
      if (!(typeof value === 'string' || value === null || (typeof value === 'number' && Number.isFinite(value)))) break;
    }
    if (i === width) return row as StoredRow;
  }
  const stored = new Array<string | number | null>(width);
  for (let i = 0; i < width; i++) stored[i] = toStoredValue(row[i]);
  return stored;
}

/** Widens `types` to hold the batch. */
function observeBatch(types: (ColumnType | null)[], batch: StoredRow[]): void {
  for (const row of batch) {
    for (let i = 0; i < types.length; i++) {
      const value = row[i];
      if (value !== null && types[i] !== 'TEXT') types[i] = widen(types[i], value);
    }
  }
}

/** CREATE TABLE with the given column types (null: none declared, so SQLite keeps every value as given). */
function createTableSql(table: string, columns: string[], types: (ColumnType | null)[], driver: DataStoreDriver): string {
  return `CREATE TABLE ${quoteIdentifier(table)} (${columns.map((c, i) => (types[i] === null ? quoteIdentifier(c) : `${quoteIdentifier(c)} ${driver.sqlType(types[i]!)}`)).join(', ')})`;
}

/**
 * Inserts batches into one table within a write transaction, BATCHES_IN_FLIGHT at most: the next batch is
 * produced while the database writes the previous one (the driver keeps them in order).
 */
class BatchInserter {
  written = 0;
  private readonly inflight: { promise: Promise<void>; rows: number }[] = [];

  constructor(
    private readonly tx: WriteTransaction,
    private table: string,
    private readonly columns: string[],
    private readonly onProgress?: (rowsWritten: number) => void,
  ) {}

  async add(batch: StoredRow[]): Promise<void> {
    while (this.inflight.length >= BATCHES_IN_FLIGHT) await this.settleOne();
    const promise = this.tx.insertRows(this.table, this.columns, batch);
    promise.catch(() => undefined); // observed by settleOne()
    this.inflight.push({ promise, rows: batch.length });
  }

  /** Waits for every batch in flight; a failure fails the write. */
  async settle(): Promise<void> {
    while (this.inflight.length > 0) await this.settleOne();
  }

  private async settleOne(): Promise<void> {
    const { promise, rows } = this.inflight[0];
    await promise;
    this.inflight.shift();
    this.written += rows;
    this.onProgress?.(this.written);
  }

  /** Later batches go to another table, after every batch in flight is written. */
  async retarget(table: string): Promise<void> {
    await this.settle();
    this.table = table;
  }

  /** Lets a batch in flight finish, whatever happens to it, so nothing runs after the transaction ends. */
  async drain(): Promise<void> {
    await Promise.all(this.inflight.map(({ promise }) => promise.catch(() => undefined)));
    this.inflight.length = 0;
  }
}

const typeRank = (type: ColumnType | null): number => (type === 'TEXT' ? 3 : type === 'REAL' ? 2 : type === 'INTEGER' ? 1 : 0);

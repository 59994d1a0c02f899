import { randomBytes } from 'node:crypto';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { NotFoundError, ValidationFailedError } from '../common/domain-errors';
import { Page } from '../common/pagination';
import { Settings } from '../config/settings';
import { toStoredValue, widen } from './cells';
import { CellValue, ColumnType, DataStoreError, DataStoreUnavailableError, QueryOptions, TableColumn, TableInfo, WriteTableOptions, WriteTableResult } from './data-store.types';
import { DataStoreDriver, Row, WriteTransaction } from './drivers/driver';
import { PostgresDataStoreDriver } from './drivers/postgres.driver';
import { SqliteDataStoreDriver } from './drivers/sqlite.driver';
import { checkColumnNames, checkTableName, INTERNAL_TABLE_PREFIX, quoteIdentifier } from './identifiers';
import { checkReadOnlyQuery, numberedPlaceholders, withoutTrailingSemicolon } from './read-only-sql';

/** Rows per INSERT at most; fewer when many columns would exceed the driver's parameter limit. */
const MAX_BATCH_ROWS = 500;

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

  async writeTable(table: string, rows: AsyncIterable<CellValue[]> | Iterable<CellValue[]>, options: WriteTableOptions): Promise<WriteTableResult> {
    const problem = checkTableName(table) ?? checkColumnNames(options.columns);
    if (problem) throw new DataStoreError(problem);
    if (options.mode !== 'replace' && options.mode !== 'append') throw new DataStoreError(`mode must be replace or append, not ${String(options.mode)}`);
    options.signal?.throwIfAborted();
    const driver = await this.driver();
    const existing = await this.describeTable(table);
    if (options.mode === 'append' && existing) return this.append(driver, existing, rows, options);
    return this.replace(driver, table, Boolean(existing), rows, options);
  }

  /** Builds the new table beside the old one and swaps it in at commit: readers see old or new, never half. */
  private replace(driver: DataStoreDriver, table: string, exists: boolean, rows: AsyncIterable<CellValue[]> | Iterable<CellValue[]>, options: WriteTableOptions) {
    const columns = options.columns;
    const staging = `${INTERNAL_TABLE_PREFIX}staging_${randomBytes(6).toString('hex')}`;
    return driver.write(async (tx) => {
      const batches = this.batches(rows, columns.length, driver, options.signal);
      const first = await batches.next();
      const firstBatch = first.done ? [] : first.value;
      const types: (ColumnType | null)[] = columns.map(() => null);
      observeTypes(types, firstBatch);
      // SQLite keeps each value's own type, so staging can be typed from the first batch and fixed up
      // at the end; PostgreSQL would reject a later wider value, so its staging columns are TEXT.
      const stagingTypes = driver.dialect === 'sqlite' ? types.map((type) => type ?? 'TEXT') : columns.map(() => 'TEXT' as ColumnType);
      await tx.run(`CREATE TABLE ${quoteIdentifier(staging)} (${columns.map((c, i) => `${quoteIdentifier(c)} ${driver.sqlType(stagingTypes[i])}`).join(', ')})`);
      const written = await this.insertBatches(tx, driver, staging, columns, firstBatch, first.done ? null : batches, types, options, driver.dialect === 'postgres');
      const finalTypes = types.map((type) => type ?? 'TEXT');
      let source = staging;
      if (finalTypes.some((type, i) => type !== stagingTypes[i])) {
        // Types widened after the first batch (or PostgreSQL's TEXT staging): copy into a table typed for all rows.
        source = `${staging}_typed`;
        await tx.run(`CREATE TABLE ${quoteIdentifier(source)} (${columns.map((c, i) => `${quoteIdentifier(c)} ${driver.sqlType(finalTypes[i])}`).join(', ')})`);
        await tx.run(
          `INSERT INTO ${quoteIdentifier(source)} SELECT ${columns.map((c, i) => `CAST(${quoteIdentifier(c)} AS ${driver.sqlType(finalTypes[i])})`).join(', ')} FROM ${quoteIdentifier(staging)}`,
        );
        await tx.run(`DROP TABLE ${quoteIdentifier(staging)}`);
      }
      options.signal?.throwIfAborted();
      if (exists) await tx.run(`DROP TABLE ${quoteIdentifier(table)}`);
      await tx.run(`ALTER TABLE ${quoteIdentifier(source)} RENAME TO ${quoteIdentifier(table)}`);
      return { table_name: table, mode: options.mode, rows_written: written, columns: columns.map((name, i) => ({ name, type: finalTypes[i] })) };
    });
  }

  private append(driver: DataStoreDriver, existing: TableInfo, rows: AsyncIterable<CellValue[]> | Iterable<CellValue[]>, options: WriteTableOptions) {
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
      const written = await this.insertBatches(tx, driver, existing.name, options.columns, [], this.batches(rows, options.columns.length, driver, options.signal), types, options, false);
      const widened = options.columns.find((name, i) => typeRank(types[i]) > typeRank(byName.get(name.toLowerCase())!.type));
      if (widened && driver.dialect === 'postgres') {
        throw new DataStoreError(`cannot append to '${existing.name}': column '${widened}' is ${byName.get(widened.toLowerCase())!.type} but the new rows need ${types[options.columns.indexOf(widened)]}`);
      }
      return { table_name: existing.name, mode: options.mode, rows_written: written, columns: existing.columns };
    });
  }

  /** Inserts batches with multi-row INSERTs, tracking the narrowest type of every column. */
  private async insertBatches(
    tx: WriteTransaction,
    driver: DataStoreDriver,
    table: string,
    columns: string[],
    firstBatch: (string | number | null)[][],
    rest: AsyncGenerator<(string | number | null)[][]> | null,
    types: (ColumnType | null)[],
    options: WriteTableOptions,
    asText: boolean,
  ): Promise<number> {
    const rowsPerBatch = this.rowsPerBatch(columns.length, driver);
    const insertSql = (rowCount: number) => {
      let index = 0;
      const tuple = () => `(${columns.map(() => driver.placeholder(++index)).join(', ')})`;
      return `INSERT INTO ${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) VALUES ${Array.from({ length: rowCount }, tuple).join(', ')}`;
    };
    const full = await tx.prepare(insertSql(rowsPerBatch));
    let written = 0;
    const insert = async (batch: (string | number | null)[][]) => {
      if (batch.length === 0) return;
      const params = asText ? batch.flat().map((v) => (v === null ? null : String(v))) : batch.flat();
      if (batch.length === rowsPerBatch) await full.run(params);
      else await tx.run(insertSql(batch.length), params);
      written += batch.length;
      options.onProgress?.(written);
    };
    await insert(firstBatch);
    if (rest) {
      for await (const batch of rest) {
        observeTypes(types, batch);
        await insert(batch);
      }
    }
    await full.close();
    return written;
  }

  private rowsPerBatch(columnCount: number, driver: DataStoreDriver): number {
    return Math.max(1, Math.min(MAX_BATCH_ROWS, Math.floor(driver.maxParameters / columnCount)));
  }

  /** Groups rows into batches of stored values, checking width and the abort signal. */
  private async *batches(rows: AsyncIterable<CellValue[]> | Iterable<CellValue[]>, width: number, driver: DataStoreDriver, signal?: AbortSignal) {
    const size = this.rowsPerBatch(width, driver);
    let batch: (string | number | null)[][] = [];
    let rowNumber = 0;
    for await (const row of rows as AsyncIterable<CellValue[]>) {
      rowNumber++;
      if (!Array.isArray(row)) throw new DataStoreError(`row ${rowNumber} is not an array of values`);
      if (row.length > width) throw new DataStoreError(`row ${rowNumber} has ${row.length} values but the table has ${width} columns`);
      const stored = new Array<string | number | null>(width);
      for (let i = 0; i < width; i++) stored[i] = toStoredValue(row[i]);
      batch.push(stored);
      if (batch.length === size) {
        signal?.throwIfAborted();
        yield batch;
        batch = [];
      }
    }
    signal?.throwIfAborted();
    if (batch.length > 0) yield batch;
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
    return { items: rows.slice(0, limit), next_cursor: hasMore ? Buffer.from(JSON.stringify([offset + limit])).toString('base64url') : null };
  }
}

function observeTypes(types: (ColumnType | null)[], batch: (string | number | null)[][]): void {
  for (const row of batch) {
    for (let i = 0; i < types.length; i++) {
      if (row[i] !== null && types[i] !== 'TEXT') types[i] = widen(types[i], row[i]);
    }
  }
}

const typeRank = (type: ColumnType | null): number => (type === 'TEXT' ? 3 : type === 'REAL' ? 2 : type === 'INTEGER' ? 1 : 0);

function decodeOffsetCursor(cursor: string): number {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 1 && Number.isSafeInteger(value[0]) && value[0] >= 0) return value[0];
  } catch {
    // reported below
  }
  throw new ValidationFailedError('cursor is not one this server issued', [{ path: '/cursor', message: 'invalid cursor' }]);
}

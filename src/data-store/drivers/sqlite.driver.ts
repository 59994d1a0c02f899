import * as fs from 'node:fs';
import * as path from 'node:path';
import { Mutex } from 'async-mutex';
import sqlite3 from 'sqlite3';
import { ColumnType } from '../data-store.types';
import { quoteIdentifier } from '../identifiers';
import { columnTypeOf, DataStoreDriver, Row, WriteTransaction } from './driver';

const ITERATE_CHUNK = 256;

function open(file: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, mode, (error) => (error ? reject(error) : resolve(db)));
  });
}

const run = (db: sqlite3.Database | sqlite3.Statement, sql: string | undefined, params: unknown[] = []) =>
  new Promise<void>((resolve, reject) => {
    const done = (error: Error | null) => (error ? reject(error) : resolve());
    if (db instanceof sqlite3.Statement) db.run(params, done);
    else db.run(sql!, params, done);
  });

const all = (db: sqlite3.Database, sql: string, params: unknown[] = []) =>
  new Promise<Row[]>((resolve, reject) => db.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as Row[]))));

/**
 * SQLite data store: one writer connection (writes serialised by a lock, each in one transaction) and
 * one read-only connection, so readers never see a half-written table and can never write.
 * The WAL is checkpointed after each write rather than inside its COMMIT: a write is visible and answered
 * once committed, and copying a large import's pages into the database file (a fifth of its time) follows it.
 */
export class SqliteDataStoreDriver implements DataStoreDriver {
  readonly dialect = 'sqlite' as const;
  readonly maxParameters = 32_000;
  private readonly writeLock = new Mutex();
  private checkpointQueued = false;

  private constructor(
    private readonly writer: sqlite3.Database,
    private readonly reader: sqlite3.Database,
  ) {}

  static async open(file: string): Promise<SqliteDataStoreDriver> {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const writer = await open(file, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE);
    await run(writer, 'PRAGMA journal_mode = WAL');
    await run(writer, 'PRAGMA busy_timeout = 5000');
    await run(writer, 'PRAGMA synchronous = NORMAL');
    await run(writer, 'PRAGMA wal_autocheckpoint = 0');
    const reader = await open(file, sqlite3.OPEN_READONLY);
    await run(reader, 'PRAGMA busy_timeout = 5000');
    return new SqliteDataStoreDriver(writer, reader);
  }

  placeholder(): string {
    return '?';
  }

  sqlType(type: ColumnType): string {
    return type;
  }

  write<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    const written = this.writeLock.runExclusive(async () => {
      const db = this.writer;
      const statements: sqlite3.Statement[] = [];
      const tx: WriteTransaction = {
        run: (sql, params) => run(db, sql, params),
        all: (sql, params) => all(db, sql, params),
        prepare: async (sql) => {
          const statement = await new Promise<sqlite3.Statement>((resolve, reject) => {
            const prepared = db.prepare(sql, (error) => (error ? reject(error) : resolve(prepared)));
          });
          statements.push(statement);
          return {
            run: (params) => run(statement, undefined, params),
            close: () => new Promise<void>((resolve) => statement.finalize(() => resolve())),
          };
        },
      };
      await run(db, 'BEGIN IMMEDIATE');
      try {
        const result = await work(tx);
        await run(db, 'COMMIT');
        return result;
      } catch (error) {
        await run(db, 'ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        await Promise.all(statements.map((statement) => new Promise<void>((resolve) => statement.finalize(() => resolve()))));
      }
    });
    void written.then(() => this.checkpointSoon(), () => undefined);
    return written;
  }

  /** Queues one checkpoint behind the writes waiting for the lock (it would not complete before them anyway). */
  private checkpointSoon(): void {
    if (this.checkpointQueued) return;
    this.checkpointQueued = true;
    void this.writeLock
      .runExclusive(() => {
        this.checkpointQueued = false;
        // PASSIVE: pages a reader still needs stay in the WAL until a later checkpoint.
        return run(this.writer, 'PRAGMA wal_checkpoint(PASSIVE)');
      })
      .catch(() => undefined);
  }

  all(sql: string, params: unknown[] = []): Promise<Row[]> {
    return all(this.reader, sql, params);
  }

  async *iterate(sql: string, params: unknown[], signal?: AbortSignal): AsyncIterable<Row> {
    const statement = await new Promise<sqlite3.Statement>((resolve, reject) => {
      const prepared = this.reader.prepare(sql, params, (error) => (error ? reject(error) : resolve(prepared)));
    });
    try {
      for (;;) {
        signal?.throwIfAborted();
        // Step a chunk of rows at a time: bounded memory, far fewer thread hops than one row per call.
        const chunk: Row[] = [];
        for (let i = 0; i < ITERATE_CHUNK; i++) {
          const row = await new Promise<Row | undefined>((resolve, reject) => statement.get((error, value) => (error ? reject(error) : resolve(value as Row | undefined))));
          if (row === undefined) break;
          chunk.push(row);
        }
        yield* chunk;
        if (chunk.length < ITERATE_CHUNK) return;
      }
    } finally {
      await new Promise<void>((resolve) => statement.finalize(() => resolve()));
    }
  }

  async listTables(): Promise<string[]> {
    const rows = await this.all("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    return rows.map((row) => String(row.name));
  }

  async tableColumns(table: string): Promise<{ name: string; type: ColumnType }[]> {
    const rows = await this.all(`PRAGMA table_info(${quoteIdentifier(table)})`);
    return rows.map((row) => ({ name: String(row.name), type: columnTypeOf(String(row.type ?? '')) }));
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.reader.close(() => resolve()));
    // After any write or checkpoint in progress; closing the last connection checkpoints what is left.
    await this.writeLock.runExclusive(() => new Promise<void>((resolve) => this.writer.close(() => resolve())));
  }
}

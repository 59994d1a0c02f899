import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Mutex } from 'async-mutex';
import { ColumnType } from '../data-store.types';
import { quoteIdentifier } from '../identifiers';
import { columnTypeOf, DataStoreDriver, Row, WriteTransaction } from './driver';

/** Rows per request when a query is streamed: bounded memory, few hops to the worker. */
const ITERATE_CHUNK = 256;

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: { message: string; code?: string };
}

/**
 * SQLite data store: better-sqlite3 connections in a worker thread (sqlite-data-store.worker.js), one writer
 * (writes serialised by a lock, each in one transaction) and one read-only reader, so readers never see a
 * half-written table and can never write.
 *
 * Why there: an import is bound by getting values into SQLite. node-sqlite3 binds a value in about 400 ns of
 * event-loop time, and its SQLite's JSON functions (a batch as one JSON text) take about 180 ns a value on the
 * one thread that writes; better-sqlite3 binds in about 150 ns, here off the event loop, which only hands rows
 * over (npm run bench, csv). Both connections live in the worker so one copy of SQLite opens the file: two copies
 * in one process do not see each other's POSIX locks. Requests run in order, so a long statement (a checkpoint,
 * the copy after a late type change) holds up the reads behind it; an import's batches are a few ms each.
 * The WAL is checkpointed after each write rather than inside its COMMIT: a write is visible and answered once
 * committed, and copying a large import's pages into the database file follows it.
 */
export class SqliteDataStoreDriver implements DataStoreDriver {
  readonly dialect = 'sqlite' as const;
  private readonly writeLock = new Mutex();
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private nextId = 0;
  private stopped: Error | null = null;
  private checkpointQueued = false;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', (error) => this.stop(error));
    worker.on('exit', (code) => this.stop(new Error(`the data store's SQLite worker stopped (exit code ${code})`)));
    worker.unref(); // referenced only while a request is pending (see request)
  }

  static async open(file: string): Promise<SqliteDataStoreDriver> {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const driver = new SqliteDataStoreDriver(new Worker(path.join(__dirname, 'sqlite-data-store.worker.js'), { workerData: { file } }));
    try {
      await driver.request('read', { sql: 'SELECT 1 AS ok', params: [] });
    } catch (error) {
      await driver.worker.terminate();
      throw error;
    }
    return driver;
  }

  placeholder(): string {
    return '?';
  }

  sqlType(type: ColumnType): string {
    return type;
  }

  write<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    const written = this.writeLock.runExclusive(async () => {
      const tx: WriteTransaction = {
        run: async (sql, params = []) => void (await this.request('run', { sql, params })),
        all: (sql, params = []) => this.request('all', { sql, params }) as Promise<Row[]>,
        insertRows: async (table, columns, rows) => {
          const sql = `INSERT INTO ${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
          await this.request('insertEach', { sql, rows });
        },
      };
      await this.request('exec', { sql: 'BEGIN IMMEDIATE' });
      try {
        const result = await work(tx);
        await this.request('exec', { sql: 'COMMIT' });
        return result;
      } catch (error) {
        await this.request('exec', { sql: 'ROLLBACK' }).catch(() => undefined);
        throw error;
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
        return this.request('checkpoint', {});
      })
      .catch(() => undefined);
  }

  all(sql: string, params: unknown[] = []): Promise<Row[]> {
    return this.request('read', { sql, params }) as Promise<Row[]>;
  }

  async *iterate(sql: string, params: unknown[], signal?: AbortSignal): AsyncIterable<Row> {
    const cursor = (await this.request('iterate', { sql, params })) as number;
    let done = false;
    try {
      while (!done) {
        signal?.throwIfAborted();
        const rows = (await this.request('next', { cursor, count: ITERATE_CHUNK })) as Row[];
        done = rows.length < ITERATE_CHUNK;
        yield* rows;
      }
    } finally {
      if (!done) await this.request('closeCursor', { cursor }).catch(() => undefined);
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
    // After any write or checkpoint in progress.
    await this.writeLock.runExclusive(async () => {
      if (this.stopped) return;
      await this.request('close', {}).catch(() => undefined);
      await this.worker.terminate();
    });
  }

  private request(op: string, args: Record<string, unknown>): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, ...args });
    });
  }

  private settle(reply: Reply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    // The message node-sqlite3 gave (code first), so errors read the same whichever driver wrote them.
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(Object.assign(new Error(reply.error!.code ? `${reply.error!.code}: ${reply.error!.message}` : reply.error!.message), { code: reply.error!.code }));
  }

  private stop(error: Error): void {
    this.stopped ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

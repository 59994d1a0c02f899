import { Pool, PoolClient, types as pgTypes } from 'pg';
import Cursor from 'pg-cursor';
import { ColumnType } from '../data-store.types';
import { quoteIdentifier } from '../identifiers';
import { columnTypeOf, DataStoreDriver, Row, WriteTransaction } from './driver';

const INT8_OID = 20;

/** BIGINT (and COUNT) arrive as strings from pg: give numbers back when they are safe integers. */
function typeParser(oid: number, format?: 'text' | 'binary') {
  if (oid === INT8_OID) {
    return (value: string) => {
      const number = Number(value);
      return Number.isSafeInteger(number) ? number : value;
    };
  }
  return pgTypes.getTypeParser(oid, format as 'text');
}

const SQL_TYPES: Record<ColumnType, string> = { INTEGER: 'BIGINT', REAL: 'DOUBLE PRECISION', TEXT: 'TEXT' };

/** Rows per multi-row INSERT at most; fewer when many columns would pass PostgreSQL's bind parameter limit. */
const MAX_STATEMENT_ROWS = 500;
const MAX_PARAMETERS = 65_000;

/** PostgreSQL data store: writes in one transaction each, reads in READ ONLY transactions. */
export class PostgresDataStoreDriver implements DataStoreDriver {
  readonly dialect = 'postgres' as const;
  private readonly pool: Pool;

  constructor(url: string) {
    this.pool = new Pool({ connectionString: url, max: 10, types: { getTypeParser: typeParser } as never });
  }

  placeholder(index: number): string {
    return `$${index}`;
  }

  sqlType(type: ColumnType): string {
    return SQL_TYPES[type];
  }

  async write<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const tx: WriteTransaction = {
        run: async (sql, params) => void (await client.query(sql, params)),
        all: async (sql, params) => (await client.query(sql, params)).rows,
        insertRows: async (table, columns, rows) => {
          // Queued at once: the client runs its queries one after another, in the order they were sent.
          const perStatement = Math.max(1, Math.min(MAX_STATEMENT_ROWS, Math.floor(MAX_PARAMETERS / columns.length)));
          const statements: Promise<unknown>[] = [];
          for (let start = 0; start < rows.length; start += perStatement) {
            const chunk = rows.slice(start, start + perStatement);
            // Values go as text (staging columns are TEXT); PostgreSQL converts them for typed columns.
            const params = chunk.flatMap((row) => row.map((value) => (value === null ? null : String(value))));
            statements.push(client.query(multiRowInsertSql(table, columns, chunk.length), params));
          }
          await Promise.all(statements);
        },
      };
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async all(sql: string, params: unknown[] = []): Promise<Row[]> {
    return this.readOnly(async (client) => (await client.query(sql, params)).rows);
  }

  async *iterate(sql: string, params: unknown[], signal?: AbortSignal): AsyncIterable<Row> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN READ ONLY');
      const cursor = client.query(new Cursor(sql, params));
      try {
        for (;;) {
          signal?.throwIfAborted();
          const rows = await cursor.read(500);
          if (rows.length === 0) break;
          yield* rows as Row[];
        }
      } finally {
        await cursor.close();
      }
      await client.query('COMMIT');
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }

  async listTables(): Promise<string[]> {
    const rows = await this.all(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`);
    return rows.map((row) => String(row.table_name));
  }

  async tableColumns(table: string): Promise<{ name: string; type: ColumnType }[]> {
    const rows = await this.all(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    );
    return rows.map((row) => ({ name: String(row.column_name), type: columnTypeOf(String(row.data_type)) }));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async readOnly<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN READ ONLY');
      return await work(client);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }
}

function multiRowInsertSql(table: string, columns: string[], rowCount: number): string {
  let index = 0;
  const tuple = () => `(${columns.map(() => `$${++index}`).join(', ')})`;
  return `INSERT INTO ${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) VALUES ${Array.from({ length: rowCount }, tuple).join(', ')}`;
}

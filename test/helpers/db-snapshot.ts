import Database from 'better-sqlite3';
import { Client } from 'pg';
import * as sqlite3 from 'sqlite3';
import { DatabaseTarget } from '../../src/config/settings';

/** Every table of a database with its rows, each row as JSON, sorted: equal snapshots mean equal contents. */
export type DatabaseSnapshot = Record<string, string[]>;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Reads a whole database over a connection of its own (not the app's), so it sees what is committed:
 * the SQLite file read-only, or the PostgreSQL database the app was given. A SQLite file is read with the
 * library the app opens it with (the data store: better-sqlite3; the framework's database: sqlite3): two
 * copies of SQLite in one process on one file do not see each other's locks.
 */
export async function snapshotDatabase(target: DatabaseTarget, sqliteLibrary: 'sqlite3' | 'better-sqlite3' = 'sqlite3'): Promise<DatabaseSnapshot> {
  if (target.type === 'postgres') return snapshotPostgres(target.url);
  return sqliteLibrary === 'sqlite3' ? snapshotSqlite(target.file) : snapshotBetterSqlite(target.file);
}

function snapshotBetterSqlite(file: string): DatabaseSnapshot {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const snapshot: DatabaseSnapshot = {};
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]) {
      snapshot[name] = (db.prepare(`SELECT * FROM ${quote(name)}`).all() as Record<string, unknown>[]).map(rowJson).sort();
    }
    return snapshot;
  } finally {
    db.close();
  }
}

async function snapshotSqlite(file: string): Promise<DatabaseSnapshot> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened: sqlite3.Database = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (error) => (error ? reject(error) : resolve(opened)));
  });
  const all = (sql: string) => new Promise<Record<string, unknown>[]>((resolve, reject) => db.all(sql, (error, rows) => (error ? reject(error) : resolve(rows as Record<string, unknown>[]))));
  try {
    const snapshot: DatabaseSnapshot = {};
    for (const { name } of await all("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
      snapshot[String(name)] = (await all(`SELECT * FROM ${quote(String(name))}`)).map(rowJson).sort();
    }
    return snapshot;
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()));
  }
}

async function snapshotPostgres(url: string): Promise<DatabaseSnapshot> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const snapshot: DatabaseSnapshot = {};
    const tables = await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`);
    for (const { table_name: name } of tables.rows) {
      snapshot[String(name)] = (await client.query(`SELECT * FROM ${quote(String(name))}`)).rows.map(rowJson).sort();
    }
    return snapshot;
  } finally {
    await client.end();
  }
}

function rowJson(row: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(row).sort(([a], [b]) => a.localeCompare(b))), (_key, value: unknown) =>
    Buffer.isBuffer(value) ? `<bytes ${value.toString('hex')}>` : typeof value === 'bigint' ? value.toString() : value,
  );
}

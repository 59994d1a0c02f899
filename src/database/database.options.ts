import * as fs from 'node:fs';
import * as path from 'node:path';
import * as sqlite3 from 'sqlite3';
import { DataSourceOptions } from 'typeorm';
import { DatabaseTarget } from '../config/settings';
import { sqlite3ForTypeOrm } from './cached-statements';
import { MIGRATIONS } from './migrations';

/**
 * TypeORM options for the framework's own database: SQLite (WAL, busy timeout) or PostgreSQL. Entities are not
 * listed here: each owning module registers its own with TypeOrmModule.forFeature (autoLoadEntities), so this
 * platform folder imports no feature.
 */
export function databaseOptions(target: DatabaseTarget): DataSourceOptions {
  const common = { migrations: MIGRATIONS, migrationsRun: true, synchronize: false, logging: false } as const;
  if (target.type === 'postgres') {
    return { ...common, type: 'postgres', url: target.url, migrationsTransactionMode: 'each' };
  }
  fs.mkdirSync(path.dirname(target.file), { recursive: true });
  return { ...common, type: 'sqlite', driver: sqlite3ForTypeOrm, database: target.file, enableWAL: true, busyTimeout: 5000, migrationsTransactionMode: 'each' };
}

/** The name of the read-only connection that answers API reads. */
export const READER_CONNECTION = 'reader';

/**
 * The connection API reads use. TypeORM's SQLite driver has one connection, and writes (grouped into shared
 * transactions) run on it: a read there could see a run's row updated but its instance not yet, or changes a
 * failing unit then rolls back. A second, read-only connection sees committed data only (WAL snapshots).
 * On PostgreSQL every pooled connection does already; a small pool in read-only mode keeps one code path.
 */
export function readerOptions(target: DatabaseTarget): DataSourceOptions {
  const common = { name: READER_CONNECTION, migrationsRun: false, synchronize: false, logging: false } as const;
  if (target.type === 'postgres') {
    return { ...common, type: 'postgres', url: target.url, poolSize: 5, extra: { options: '-c default_transaction_read_only=on' } };
  }
  return { ...common, type: 'sqlite', driver: sqlite3ForTypeOrm, database: target.file, flags: sqlite3.OPEN_READONLY, busyTimeout: 5000 };
}

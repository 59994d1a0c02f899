import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { ApiKeyEntity } from '../auth/api-key.entity';
import { DatabaseTarget } from '../config/settings';
import { PluginExecutionEntity, PluginExecutionLogEntity } from '../execution/plugin-execution.entity';
import { PluginInstanceEntity } from '../instances/plugin-instance.entity';
import { MIGRATIONS } from './migrations';

export const ENTITIES = [PluginInstanceEntity, PluginExecutionEntity, PluginExecutionLogEntity, ApiKeyEntity];

/** TypeORM options for the framework's own database: SQLite (WAL, busy timeout) or PostgreSQL. */
export function databaseOptions(target: DatabaseTarget): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, migrationsRun: true, synchronize: false, logging: false } as const;
  if (target.type === 'postgres') {
    return { ...common, type: 'postgres', url: target.url, migrationsTransactionMode: 'each' };
  }
  fs.mkdirSync(path.dirname(target.file), { recursive: true });
  return { ...common, type: 'sqlite', database: target.file, enableWAL: true, busyTimeout: 5000, migrationsTransactionMode: 'each' };
}

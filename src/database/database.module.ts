import { Global, Module } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { Settings } from '../config/settings';
import { databaseOptions, ENTITIES, READER_CONNECTION, readerOptions } from './database.options';
import { TransactionService } from './transaction.service';

/**
 * The framework's own database (instances, executions, keys); migrations run when it connects. API reads go
 * through a second, read-only connection (READER_CONNECTION), opened once the first has migrated.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({ inject: [Settings], useFactory: (settings: Settings) => databaseOptions(settings.database) }),
    TypeOrmModule.forRootAsync({
      name: READER_CONNECTION,
      // Injecting the writer's DataSource orders the two: the reader opens on a migrated schema.
      inject: [Settings, getDataSourceToken()],
      useFactory: (settings: Settings) => readerOptions(settings.database),
    }),
    TypeOrmModule.forFeature(ENTITIES, READER_CONNECTION),
  ],
  providers: [TransactionService],
  exports: [TransactionService, TypeOrmModule],
})
export class DatabaseModule {}

import { Global, Module } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { Settings } from '../config/settings';
import { databaseOptions, READER_CONNECTION, readerOptions } from './database.options';
import { TransactionService } from './transaction.service';

/**
 * The framework's own database (instances, executions, keys); migrations run when it connects. API reads go
 * through a second, read-only connection (READER_CONNECTION), opened once the first has migrated. Each owning module
 * registers its entities on both (TypeOrmModule.forFeature), which is how they reach the connections.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({ inject: [Settings], useFactory: (settings: Settings) => ({ ...databaseOptions(settings.database), autoLoadEntities: true }) }),
    TypeOrmModule.forRootAsync({
      name: READER_CONNECTION,
      // Injecting the writer's DataSource orders the two: the reader opens on a migrated schema.
      inject: [Settings, getDataSourceToken()],
      useFactory: (settings: Settings) => ({ ...readerOptions(settings.database), autoLoadEntities: true }),
    }),
  ],
  providers: [TransactionService],
  exports: [TransactionService, TypeOrmModule],
})
export class DatabaseModule {}

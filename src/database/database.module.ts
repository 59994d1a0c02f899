import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Settings } from '../config/settings';
import { databaseOptions } from './database.options';
import { TransactionService } from './transaction.service';

/** The framework's own database (instances, executions); migrations run when it connects. */
@Global()
@Module({
  imports: [TypeOrmModule.forRootAsync({ inject: [Settings], useFactory: (settings: Settings) => databaseOptions(settings.database) })],
  providers: [TransactionService],
  exports: [TransactionService],
})
export class DatabaseModule {}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Mutex } from 'async-mutex';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs units of work in a transaction. TypeORM's SQLite driver shares one connection, so two
 * concurrent transactions would interleave on it; on SQLite every unit of work therefore takes a
 * process-wide lock (SQLite allows one writer at a time anyway). PostgreSQL uses its own isolation.
 */
@Injectable()
export class TransactionService {
  private readonly sqliteWriteLock: Mutex | null;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.sqliteWriteLock = dataSource.options.type === 'sqlite' ? new Mutex() : null;
  }

  /**
   * Serialises transactions that take the same key until they commit, for rules no index can hold
   * (one instance of a single-instance template). SQLite transactions are serialised already.
   */
  async lock(manager: EntityManager, key: string): Promise<void> {
    if (this.dataSource.options.type === 'postgres') await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
  }

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const transaction = () => this.dataSource.transaction(work);
    return this.sqliteWriteLock ? this.sqliteWriteLock.runExclusive(transaction) : transaction();
  }
}

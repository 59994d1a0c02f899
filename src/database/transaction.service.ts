import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';

type Work<T> = (manager: EntityManager) => Promise<T>;

interface PendingUnit {
  work: Work<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** True for the SQLite errors after which the enclosing transaction may be gone (anything but a constraint). */
function sqliteRollsBackOn(error: unknown): boolean {
  const driverError = error instanceof QueryFailedError ? (error.driverError as { code?: string } | undefined) : undefined;
  return typeof driverError?.code === 'string' && driverError.code.startsWith('SQLITE_') && driverError.code !== 'SQLITE_CONSTRAINT';
}

/** Units of work committed together at most: bounds how long one batch holds the database. */
const MAX_UNITS_PER_COMMIT = 64;

/**
 * Runs units of work in a transaction.
 *
 * SQLite: TypeORM's SQLite driver shares one connection, so units run one after another (SQLite allows one
 * writer anyway). Units that arrive while a commit is in progress are committed together (group commit): each
 * runs in its own savepoint, so a failing unit rolls back alone, and every caller is answered only after the
 * shared COMMIT is durable. Under load that is one fsync for many runs instead of one each.
 * PostgreSQL: each unit is its own transaction on the pool, isolated by the database.
 */
@Injectable()
export class TransactionService {
  private readonly serialised: boolean;
  private readonly pending: PendingUnit[] = [];
  private committing = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.serialised = dataSource.options.type === 'sqlite';
  }

  /**
   * Serialises transactions that take the same key until they commit, for rules no index can hold
   * (one instance of a single-instance template). SQLite transactions are serialised already.
   */
  async lock(manager: EntityManager, key: string): Promise<void> {
    if (this.dataSource.options.type === 'postgres') await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
  }

  run<T>(work: Work<T>): Promise<T> {
    if (!this.serialised) return this.dataSource.transaction(work);
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.committing) void this.commitPending();
    });
  }

  private async commitPending(): Promise<void> {
    this.committing = true;
    try {
      while (this.pending.length > 0) await this.commitBatch(this.pending.splice(0, MAX_UNITS_PER_COMMIT));
    } finally {
      this.committing = false;
    }
  }

  private async commitBatch(batch: PendingUnit[]): Promise<void> {
    if (batch.length === 1) {
      const [unit] = batch;
      await this.dataSource.transaction(unit.work).then(unit.resolve, unit.reject);
      return;
    }
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      await this.dataSource.transaction(async (manager) => {
        for (const unit of batch) {
          // A nested transaction is a savepoint: a unit that throws is rolled back alone.
          await manager.transaction(unit.work).then(
            (value) => outcomes.push({ ok: true, value }),
            (error: unknown) => {
              // SQLite ends the whole transaction itself on errors like BUSY, FULL or IOERR: the batch fails.
              if (sqliteRollsBackOn(error)) throw error;
              outcomes.push({ ok: false, value: error });
            },
          );
        }
      });
    } catch (error) {
      // The shared commit failed: none of the batch is stored.
      for (const unit of batch) unit.reject(error);
      return;
    }
    batch.forEach((unit, index) => (outcomes[index].ok ? unit.resolve(outcomes[index].value) : unit.reject(outcomes[index].value)));
  }
}

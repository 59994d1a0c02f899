import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';

type Work<T> = (manager: EntityManager) => Promise<T>;

export interface UnitOptions {
  /**
   * The unit writes with at most one statement, its last, so a failure leaves nothing of it behind
   * (SQLite undoes a failing statement itself): inside a group commit it needs no savepoint.
   */
  singleWrite?: boolean;
  /**
   * No constraint can refuse the unit's writes (updates by primary key of columns no unique index covers, inserts
   * that cannot clash), so they fail only with the whole transaction: inside a group commit it needs no savepoint
   * (a round trip to SQLite's thread saved). Should one fail anyway, the whole batch fails: nothing is half written.
   */
  unrefusable?: boolean;
}

interface PendingUnit {
  work: Work<unknown>;
  singleWrite: boolean;
  unrefusable: boolean;
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

/** The savepoint each unit of a shared commit runs in (SQLite resolves a repeated name to the newest). */
const UNIT_SAVEPOINT = 'group_commit_unit';

/** The TypeORM query runner state a transaction it did not start itself must show (see `commitBatch`). */
interface TransactionState {
  isTransactionActive: boolean;
  transactionDepth: number;
}

/**
 * Runs units of work in a transaction.
 *
 * SQLite: TypeORM's SQLite driver shares one connection, so units run one after another (SQLite allows one
 * writer anyway). Units that arrive while a commit is in progress are committed together (group commit): each
 * runs in its own savepoint (unless it declares a single write), so a failing unit rolls back alone, and every
 * caller is answered only after the shared COMMIT is durable. Under load that is one fsync for many units instead
 * of one each. The transaction-control statements go to the connection directly, several in one call, since every
 * round trip to SQLite's thread holds up the whole batch.
 * PostgreSQL: each unit is its own transaction on the pool, isolated by the database.
 */
@Injectable()
export class TransactionService {
  private readonly serialised: boolean;
  private readonly pending: PendingUnit[] = [];
  private committing = false;
  /** A transaction is open already for the next batch (begun together with the last COMMIT). */
  private begun = false;
  private savepointBegun = false;

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

  run<T>(work: Work<T>, options: UnitOptions = {}): Promise<T> {
    if (!this.serialised) return this.dataSource.transaction(work);
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, singleWrite: options.singleWrite === true, unrefusable: options.unrefusable === true, resolve: resolve as (value: unknown) => void, reject });
      if (!this.committing) void this.commitPending();
    });
  }

  private async commitPending(): Promise<void> {
    this.committing = true;
    try {
      while (this.pending.length > 0) {
        // One turn of the event loop first: units that the last commit's callers go on to submit (a run
        // that just started and already finished, say) join this batch instead of waiting for the next.
        await new Promise((resolve) => setImmediate(resolve));
        await this.commitBatch(this.pending.splice(0, MAX_UNITS_PER_COMMIT));
      }
    } finally {
      this.committing = false;
    }
  }

  /**
   * One transaction for the batch. BEGIN goes out with the first unit's SAVEPOINT. Savepoints are never
   * released (that would cost a round trip each): they nest, ROLLBACK TO rolls back to the newest one of
   * the name, which is the failing unit's own, and COMMIT commits them all. A lone unit needs no savepoint:
   * if it fails, the transaction is rolled back. When more units are waiting at COMMIT, the next batch's
   * BEGIN (and first SAVEPOINT) goes out with it.
   */
  private async commitBatch(batch: PendingUnit[]): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    const state = runner as unknown as TransactionState;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    let control = this.begun ? [] : ['BEGIN'];
    const savepointBegun = this.savepointBegun;
    this.begun = this.savepointBegun = false;
    try {
      // TypeORM did not start this transaction: tell its (shared) query runner, so save() opens no
      // transaction of its own and a nested manager.transaction() becomes a savepoint.
      state.isTransactionActive = true;
      state.transactionDepth = 1;
      for (const [index, unit] of batch.entries()) {
        const savepoint = batch.length > 1 && !unit.singleWrite && !unit.unrefusable;
        // The first unit's savepoint may have gone out with the last COMMIT already.
        if (savepoint && !(index === 0 && savepointBegun)) control.push(`SAVEPOINT ${UNIT_SAVEPOINT}`);
        if (control.length > 0) await this.exec(control);
        control = [];
        try {
          outcomes.push({ ok: true, value: await unit.work(runner.manager) });
        } catch (error) {
          if (batch.length === 1) throw error;
          if (!savepoint && (unit.unrefusable || sqliteRollsBackOn(error))) throw error;
          // Fails when SQLite ended the whole transaction itself (BUSY, FULL, IOERR): the batch fails.
          if (savepoint) await this.exec([`ROLLBACK TO ${UNIT_SAVEPOINT}`]);
          outcomes.push({ ok: false, value: error });
        }
      }
      const next = this.pending[0];
      const begin = next ? ['BEGIN', ...(next.singleWrite || next.unrefusable ? [] : [`SAVEPOINT ${UNIT_SAVEPOINT}`])] : [];
      await this.exec([...control, 'COMMIT', ...begin]);
      this.begun = begin.length > 0;
      this.savepointBegun = begin.length > 1;
    } catch (error) {
      // The batch, or its shared commit, failed: none of it is stored.
      await this.exec(['ROLLBACK']).catch(() => undefined);
      for (const unit of batch) unit.reject(error);
      return;
    } finally {
      // Between batches TypeORM sees the transaction begun for the next one, if any.
      state.isTransactionActive = this.begun;
      state.transactionDepth = this.begun ? 1 : 0;
    }
    batch.forEach((unit, index) => (outcomes[index].ok ? unit.resolve(outcomes[index].value) : unit.reject(outcomes[index].value)));
  }

  /** Runs statements without parameters in one call to the SQLite connection. */
  private exec(statements: string[]): Promise<void> {
    const sql = statements.join('; ');
    const connection = (this.dataSource.driver as unknown as { databaseConnection: { exec(sql: string, done: (error: Error | null) => void): void } }).databaseConnection;
    return new Promise((resolve, reject) => connection.exec(sql, (error) => (error ? reject(new QueryFailedError(sql, [], error)) : resolve())));
  }
}

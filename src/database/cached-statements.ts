import * as sqlite3 from 'sqlite3';

/** Statements kept prepared per connection at most; past it the least recently used one is finalized. */
export const MAX_CACHED_STATEMENTS = 256;
/** SQL texts seen once and remembered, at most: a statement is kept from its second use on. */
const MAX_SIGHTINGS = 1024;

/**
 * `run` leaves a cached statement after one step, so only statements that finish in one step are kept:
 * writes without RETURNING (TypeORM sends everything else, PRAGMAs included, through `all`).
 */
const ONE_STEP_WRITE = /^\s*(INSERT|UPDATE|DELETE)\b/i;
const RETURNS_ROWS = /\bRETURNING\b/i;

type Callback = (this: unknown, error: Error | null, rows?: unknown[]) => void;

/** The (sql, params array or nothing, callback) calls TypeORM makes; anything else takes sqlite3's own path. */
function typeOrmCall(args: unknown[]): { params: unknown[]; callback: Callback } | null {
  if (args.length === 1 && typeof args[0] === 'function') return { params: [], callback: args[0] as Callback };
  if (args.length === 2 && (args[0] === undefined || Array.isArray(args[0])) && typeof args[1] === 'function') {
    return { params: (args[0] as unknown[] | undefined) ?? [], callback: args[1] as Callback };
  }
  return null;
}

/**
 * A sqlite3 Database that keeps the statements TypeORM sends prepared, keyed by their SQL. sqlite3's own
 * `run` and `all` prepare, execute and finalize a new statement each time: three trips to SQLite's thread,
 * each waiting for the event loop in between. A kept statement takes one, which is what bounds a run's
 * latency (execute sends several statements per run, one after another on the single connection).
 * A statement is kept from its second use on: TypeORM writes numbers into the SQL text, so many texts are
 * used once, and keeping those would only push out the ones used again. Statements are finalized before the
 * connection closes.
 */
export class CachedStatementsDatabase extends sqlite3.Database {
  private readonly statements = new Map<string, Promise<sqlite3.Statement>>();
  private readonly sightings = new Set<string>();
  private closing = false;

  override run(sql: string, ...args: unknown[]): this {
    const call = typeOrmCall(args);
    if (!call || !ONE_STEP_WRITE.test(sql) || RETURNS_ROWS.test(sql) || !this.keeps(sql)) return super.run(sql, ...args);
    this.withStatement(sql, call.callback, (statement) => statement.run(call.params, call.callback));
    return this;
  }

  override all(sql: string, ...args: unknown[]): this {
    const call = typeOrmCall(args);
    if (!call || !this.keeps(sql)) return super.all(sql, ...args);
    this.withStatement(sql, call.callback, (statement) => statement.all(call.params, call.callback));
    return this;
  }

  override close(callback?: (error: Error | null) => void): void {
    this.closing = true;
    const statements = [...this.statements.values()];
    this.statements.clear();
    void Promise.allSettled(statements.map((statement) => statement.then(finalize))).then(() => super.close(callback));
  }

  /** True when the statement is kept prepared, or seen before and to be kept from now on. */
  private keeps(sql: string): boolean {
    if (this.closing) return false;
    if (this.statements.has(sql) || this.sightings.delete(sql)) return true;
    if (this.sightings.size >= MAX_SIGHTINGS) this.sightings.clear();
    this.sightings.add(sql);
    return false;
  }

  /** Hands `use` the prepared statement (attached at once, so an eviction's finalize queues behind it). */
  private withStatement(sql: string, callback: Callback, use: (statement: sqlite3.Statement) => void): void {
    let statement = this.statements.get(sql);
    if (statement) {
      this.statements.delete(sql); // re-inserted below: most recently used
    } else {
      statement = new Promise<sqlite3.Statement>((resolve, reject) => {
        const prepared = this.prepare(sql, (error) => (error ? reject(error) : resolve(prepared)));
      });
      // A statement that does not prepare (a syntax error, a missing table) is not kept.
      statement.catch(() => this.statements.get(sql) === statement && this.statements.delete(sql));
    }
    this.statements.set(sql, statement);
    statement.then(use, (error: Error) => callback.call(undefined, error));
    if (this.statements.size > MAX_CACHED_STATEMENTS) {
      const [oldestSql, oldest] = this.statements.entries().next().value!;
      this.statements.delete(oldestSql);
      oldest.then(finalize, () => undefined);
    }
  }
}

const finalize = (statement: sqlite3.Statement) => new Promise<void>((resolve) => statement.finalize(() => resolve()));

/**
 * sqlite3 as TypeORM gets it. TypeORM calls `verbose()`, which would wrap every method of the module,
 * process-wide (the data store's connections too), to capture a stack trace and inspect the arguments on each
 * call: a tenth of the CPU of a simple read, megabytes of garbage per JSON batch of an import. This one's
 * `verbose()` changes nothing (SQLite's own error messages stay), and its Database keeps statements prepared.
 */
export const sqlite3ForTypeOrm = { ...sqlite3, Database: CachedStatementsDatabase, verbose: (): unknown => sqlite3ForTypeOrm };

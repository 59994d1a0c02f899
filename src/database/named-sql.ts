import { EntityManager } from 'typeorm';

/**
 * A hand-written statement with `:name` parameters, turned once per dialect into the driver's numbered
 * placeholders (`?1` for SQLite, `$1` for PostgreSQL). TypeORM's own parameter escaping writes numbers into
 * the SQL text on SQLite, so every call would be a new statement to prepare; this text stays the same and
 * SQLite reuses the prepared statement (see cached-statements.ts). Only for SQL whose parameters are named
 * `:name` outside string literals; values are passed as they are (JSON columns: the caller stringifies).
 */
export class NamedSql {
  private readonly compiled = new Map<string, { sql: string; names: string[] }>();

  constructor(private readonly text: string) {}

  /** Runs the statement in the manager's transaction; resolves to the number of rows it changed. */
  async execute(manager: EntityManager, parameters: Record<string, unknown>): Promise<number> {
    const [sql, values] = this.bind(manager.connection.options.type, parameters);
    const result = (await manager.queryRunner!.query(sql, values, true)) as { affected?: number };
    return result.affected ?? 0;
  }

  /** Runs a query in the manager's transaction; resolves to its rows. */
  rows<T>(manager: EntityManager, parameters: Record<string, unknown>): Promise<T[]> {
    const [sql, values] = this.bind(manager.connection.options.type, parameters);
    return manager.query(sql, values);
  }

  bind(dialect: string, parameters: Record<string, unknown>): [string, unknown[]] {
    let compiled = this.compiled.get(dialect);
    if (!compiled) {
      const names: string[] = [];
      const sql = this.text.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
        const index = names.includes(name) ? names.indexOf(name) + 1 : names.push(name);
        return dialect === 'postgres' ? `$${index}` : `?${index}`;
      });
      this.compiled.set(dialect, (compiled = { sql, names }));
    }
    return [
      compiled.sql,
      compiled.names.map((name) => {
        if (!(name in parameters)) throw new Error(`no value for :${name}`);
        return parameters[name] ?? null;
      }),
    ];
  }
}

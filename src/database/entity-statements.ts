import { DataSource, EntityManager, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/**
 * Hot reads and writes of one entity as fixed statements, converted through the same column metadata, driver
 * conversions and transformers TypeORM's find and insert use:
 * - find builds, aliases and re-parses its query on every call: GET /instances/{id} spent about 90 of its 290 µs
 *   of CPU there (npm run bench, case get);
 * - the query builder writes numbers into the SQL text on SQLite, so each insert was a new statement to prepare;
 *   this text stays the same and is prepared once (see cached-statements.ts).
 */
export class EntityStatements<T extends ObjectLiteral> {
  private readonly metadata: EntityMetadata;
  private readonly byIdSql: string;
  private readonly insertedColumns: ColumnMetadata[];
  private readonly insertSql: string;

  constructor(
    private readonly dataSource: DataSource,
    entity: EntityTarget<T>,
  ) {
    this.metadata = dataSource.getMetadata(entity);
    const driver = dataSource.driver;
    const table = driver.escape(this.metadata.tableName);
    const [primary] = this.metadata.primaryColumns;
    this.byIdSql = `SELECT * FROM ${table} WHERE ${driver.escape(primary.databaseName)} = ${driver.createParameter('id', 0)}`;
    this.insertedColumns = this.metadata.columns.filter((column) => !column.isGenerated);
    const names = this.insertedColumns.map((column) => driver.escape(column.databaseName)).join(', ');
    const placeholders = this.insertedColumns.map((column, index) => driver.createParameter(column.databaseName, index)).join(', ');
    this.insertSql = `INSERT INTO ${table} (${names}) VALUES (${placeholders})`;
  }

  /** The row with this primary key, or null; inside a transaction when given its manager. */
  async findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<T | null> {
    const rows: Record<string, unknown>[] = await manager.query(this.byIdSql, [id]);
    return rows.length === 0 ? null : this.hydrate(rows[0]);
  }

  hydrate(row: Record<string, unknown>): T {
    const entity = this.metadata.create() as Record<string, unknown>;
    for (const column of this.metadata.columns) entity[column.propertyName] = this.dataSource.driver.prepareHydratedValue(row[column.databaseName], column);
    return entity as T;
  }

  /**
   * A bare INSERT of every column in the manager's transaction, nothing read back: every column must be set
   * (undefined would not take the column's default).
   */
  async insert(manager: EntityManager, entity: T): Promise<void> {
    await manager.query(this.insertSql, this.insertValues(entity));
  }

  /**
   * The same INSERT, but a row a unique index refuses is left out instead of failing the transaction
   * (`ON CONFLICT DO NOTHING`, in SQLite and PostgreSQL alike); true when the row went in.
   */
  async insertUnlessConflict(manager: EntityManager, entity: T): Promise<boolean> {
    // In a transaction (the manager's query runner): the structured result carries the number of rows written.
    const result = (await manager.queryRunner!.query(`${this.insertSql} ON CONFLICT DO NOTHING`, this.insertValues(entity), true)) as { affected?: number };
    return (result.affected ?? 0) > 0;
  }

  private insertValues(entity: T): unknown[] {
    return this.insertedColumns.map((column) => {
      const value: unknown = column.getEntityValue(entity);
      if (value === undefined) throw new Error(`${this.metadata.name}.${column.propertyName} is not set`);
      return this.dataSource.driver.preparePersistentValue(value, column);
    });
  }
}

import { DataSource, EntityManager, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/**
 * Hot inserts as one fixed `INSERT` of every column, with values prepared through the same column metadata,
 * transformers and driver conversions TypeORM's insert uses; no read-back (the caller sets every column).
 * TypeORM's query builder writes numbers into the SQL text on SQLite, so each insert was a new statement to
 * prepare; this text stays the same and is prepared once (see cached-statements.ts).
 */
export class EntityInserter<T extends ObjectLiteral> {
  private readonly metadata: EntityMetadata;
  private readonly columns: ColumnMetadata[];
  private readonly sql: string;

  constructor(
    private readonly dataSource: DataSource,
    entity: EntityTarget<T>,
  ) {
    this.metadata = dataSource.getMetadata(entity);
    const driver = dataSource.driver;
    this.columns = this.metadata.columns.filter((column) => !column.isGenerated);
    const names = this.columns.map((column) => driver.escape(column.databaseName)).join(', ');
    const placeholders = this.columns.map((column, index) => driver.createParameter(column.databaseName, index)).join(', ');
    this.sql = `INSERT INTO ${driver.escape(this.metadata.tableName)} (${names}) VALUES (${placeholders})`;
  }

  /** Inserts the entity in the manager's transaction; every column must be set (undefined would not take its default). */
  async insert(manager: EntityManager, entity: T): Promise<void> {
    const values = this.columns.map((column) => {
      const value: unknown = column.getEntityValue(entity);
      if (value === undefined) throw new Error(`${this.metadata.name}.${column.propertyName} is not set`);
      return this.dataSource.driver.preparePersistentValue(value, column);
    });
    await manager.query(this.sql, values);
  }
}

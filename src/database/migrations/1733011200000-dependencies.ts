import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dependencies between instances: `depends_on` on the instance (its declaration, as the API shows it) and
 * one row per edge, which the engine reads both ways (an upstream's dependents, a dependent's upstreams)
 * and which keeps the join's state: the upstream success that counts toward the dependent's next run.
 * A dependent's edges go with it; an upstream cannot be deleted while an edge names it.
 */
export class Dependencies1733011200000 implements MigrationInterface {
  name = 'Dependencies1733011200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const real = queryRunner.connection.options.type === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
    await queryRunner.query(`ALTER TABLE plugin_instances ADD COLUMN depends_on TEXT`);
    await queryRunner.query(`
      CREATE TABLE plugin_instance_dependencies (
        dependent_id TEXT NOT NULL REFERENCES plugin_instances (id) ON DELETE CASCADE,
        upstream_id TEXT NOT NULL REFERENCES plugin_instances (id),
        position INTEGER NOT NULL,
        satisfied_by TEXT,
        satisfied_at ${real},
        PRIMARY KEY (dependent_id, upstream_id)
      )`);
    await queryRunner.query(`CREATE INDEX idx_plugin_instance_dependencies_upstream ON plugin_instance_dependencies (upstream_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE plugin_instance_dependencies`);
    await queryRunner.query(`ALTER TABLE plugin_instances DROP COLUMN depends_on`);
  }
}

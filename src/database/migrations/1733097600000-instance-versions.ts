import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Change history: one row per version of an instance's definition (what a client set: name, config with its
 * secrets still sealed, enabled, policy, schedule, dependencies), with who changed it and how. Runs no longer
 * move an instance's version, so versions 1..n of an instance are exactly its history. Instances that exist
 * already get their current definition as a `baseline` row: history starts here. Deleting an instance deletes
 * its history.
 */
export class InstanceVersions1733097600000 implements MigrationInterface {
  name = 'InstanceVersions1733097600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const real = queryRunner.connection.options.type === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
    await queryRunner.query(`
      CREATE TABLE plugin_instance_versions (
        instance_id TEXT NOT NULL REFERENCES plugin_instances (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        name TEXT NOT NULL,
        template_id TEXT NOT NULL,
        config TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        execution_policy TEXT,
        schedule TEXT,
        depends_on TEXT,
        changed_at ${real} NOT NULL,
        changed_by TEXT NOT NULL,
        change_kind TEXT NOT NULL,
        PRIMARY KEY (instance_id, version)
      )`);
    await queryRunner.query(`
      INSERT INTO plugin_instance_versions (instance_id, version, name, template_id, config, enabled, execution_policy, schedule, depends_on, changed_at, changed_by, change_kind)
      SELECT id, version, name, template_id, config, enabled, execution_policy, schedule, depends_on, updated_at, 'system', 'baseline' FROM plugin_instances`);
    // A run that is asked to run a past version (execute?version=N) keeps that version through its claim and retries.
    await queryRunner.query(`ALTER TABLE plugin_executions ADD COLUMN pinned_version INTEGER`);
    await queryRunner.query(`CREATE INDEX idx_plugin_executions_config_version ON plugin_executions (instance_id, config_version)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX idx_plugin_executions_config_version`);
    await queryRunner.query(`ALTER TABLE plugin_executions DROP COLUMN pinned_version`);
    await queryRunner.query(`DROP TABLE plugin_instance_versions`);
  }
}

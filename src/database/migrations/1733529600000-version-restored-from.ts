import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `plugin_instance_versions.restored_from`: on a version written by a rollback (change_kind `rollback`), the version
 * whose content it restored; null on every other version. Rollbacks recorded before this column existed keep null:
 * which version they restored was not written down, and guessing it from equal content could name the wrong one.
 *
 * Also an index on `plugin_instances.status`, so counting a filtered list (`include_total=true`) by status reads the
 * index, not every row with its config.
 */
export class VersionRestoredFrom1733529600000 implements MigrationInterface {
  name = 'VersionRestoredFrom1733529600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE plugin_instance_versions ADD COLUMN restored_from INTEGER`);
    await queryRunner.query(`CREATE INDEX idx_plugin_instances_status ON plugin_instances (status)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX idx_plugin_instances_status`);
    await queryRunner.query(`ALTER TABLE plugin_instance_versions DROP COLUMN restored_from`);
  }
}

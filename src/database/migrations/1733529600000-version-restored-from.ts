import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `plugin_instance_versions.restored_from`: on a version written by a rollback (change_kind `rollback`), the version
 * whose content it restored; null on every other version. Rollbacks recorded before this column existed keep null:
 * which version they restored was not written down, and guessing it from equal content could name the wrong one.
 *
 * Also indexes for the instance list's equality filters, each ending in the list's order (created_at, id): a page
 * filtered by template or status walks its index newest first and stops after a page, instead of sorting every match,
 * and counting the matches (`include_total=true`) reads the index, not every row with its config. The template index
 * takes the place of the one on template_id alone (a prefix of the new one).
 */
export class VersionRestoredFrom1733529600000 implements MigrationInterface {
  name = 'VersionRestoredFrom1733529600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE plugin_instance_versions ADD COLUMN restored_from INTEGER`);
    await queryRunner.query(`CREATE INDEX idx_plugin_instances_status ON plugin_instances (status, created_at, id)`);
    await queryRunner.query(`CREATE INDEX idx_plugin_instances_template_created ON plugin_instances (template_id, created_at, id)`);
    await queryRunner.query(`DROP INDEX idx_plugin_instances_template`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX idx_plugin_instances_template ON plugin_instances (template_id)`);
    await queryRunner.query(`DROP INDEX idx_plugin_instances_template_created`);
    await queryRunner.query(`DROP INDEX idx_plugin_instances_status`);
    await queryRunner.query(`ALTER TABLE plugin_instance_versions DROP COLUMN restored_from`);
  }
}

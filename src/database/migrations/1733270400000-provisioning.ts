import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Provisioning from files: the file (relative to PROVISIONING_PATH) an instance is declared in. Such an
 * instance is read-only through the API until its file stops declaring it. Null: managed through the API.
 */
export class Provisioning1733270400000 implements MigrationInterface {
  name = 'Provisioning1733270400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE plugin_instances ADD COLUMN provisioned_from TEXT`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE plugin_instances DROP COLUMN provisioned_from`);
  }
}

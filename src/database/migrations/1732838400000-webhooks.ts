import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks: one row per webhook URL of an instance. The token is kept only as its SHA-256; signing secrets
 * (at most two: the current one and, during a rotation, the previous one) are sealed like config secrets.
 * Deleting an instance deletes its webhooks through the foreign key.
 */
export class Webhooks1732838400000 implements MigrationInterface {
  name = 'Webhooks1732838400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const real = queryRunner.connection.options.type === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
    await queryRunner.query(`
      CREATE TABLE plugin_webhooks (
        id TEXT PRIMARY KEY,
        instance_id TEXT NOT NULL REFERENCES plugin_instances (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL,
        signing TEXT,
        secrets TEXT,
        created_at ${real} NOT NULL,
        last_used_at ${real},
        revoked_at ${real}
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX uq_plugin_webhooks_token ON plugin_webhooks (token_hash)`);
    await queryRunner.query(`CREATE INDEX idx_plugin_webhooks_instance ON plugin_webhooks (instance_id, created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE plugin_webhooks`);
  }
}

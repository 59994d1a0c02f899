import { MigrationInterface, QueryRunner } from 'typeorm';

/** Access control: API keys (hashed tokens, scopes) and who created an instance or triggered a run. */
export class ApiKeys1732579200000 implements MigrationInterface {
  name = 'ApiKeys1732579200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const real = queryRunner.connection.options.type === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        prefix TEXT NOT NULL,
        hash TEXT NOT NULL,
        scopes TEXT NOT NULL,
        created_at ${real} NOT NULL,
        last_used_at ${real},
        expires_at ${real},
        revoked_at ${real}
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX uq_api_keys_name ON api_keys (name)`);
    await queryRunner.query(`CREATE UNIQUE INDEX uq_api_keys_hash ON api_keys (hash)`);
    await queryRunner.query(`CREATE INDEX idx_api_keys_created ON api_keys (created_at, id)`);
    // Key ids, kept as text without a foreign key: a revoked key is never deleted, and history outlives keys.
    await queryRunner.query(`ALTER TABLE plugin_instances ADD COLUMN created_by TEXT`);
    await queryRunner.query(`ALTER TABLE plugin_executions ADD COLUMN triggered_by TEXT`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE plugin_executions DROP COLUMN triggered_by`);
    await queryRunner.query(`ALTER TABLE plugin_instances DROP COLUMN created_by`);
    await queryRunner.query(`DROP TABLE api_keys`);
  }
}

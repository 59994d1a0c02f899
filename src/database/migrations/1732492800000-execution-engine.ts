import { MigrationInterface, QueryRunner } from 'typeorm';

/** Execution engine: per-instance policy, retry chains, idempotency keys, delayed retries, stored logs. */
export class ExecutionEngine1732492800000 implements MigrationInterface {
  name = 'ExecutionEngine1732492800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const real = postgres ? 'DOUBLE PRECISION' : 'REAL';
    await queryRunner.query(`ALTER TABLE plugin_instances ADD COLUMN execution_policy TEXT`);
    await queryRunner.query(`ALTER TABLE plugin_executions ADD COLUMN retry_of TEXT`);
    await queryRunner.query(`ALTER TABLE plugin_executions ADD COLUMN idempotency_key TEXT`);
    await queryRunner.query(`ALTER TABLE plugin_executions ADD COLUMN not_before ${real}`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX uq_plugin_executions_idempotency ON plugin_executions (instance_id, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX idx_plugin_executions_status ON plugin_executions (status)`);
    await queryRunner.query(`
      CREATE TABLE plugin_execution_logs (
        id ${postgres ? 'BIGSERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT'},
        execution_id TEXT NOT NULL REFERENCES plugin_executions (id) ON DELETE CASCADE,
        at ${real} NOT NULL,
        level TEXT NOT NULL,
        message TEXT NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX idx_plugin_execution_logs_execution ON plugin_execution_logs (execution_id, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE plugin_execution_logs`);
    await queryRunner.query(`DROP INDEX idx_plugin_executions_status`);
    await queryRunner.query(`DROP INDEX uq_plugin_executions_idempotency`);
    await queryRunner.query(`ALTER TABLE plugin_executions DROP COLUMN not_before`);
    await queryRunner.query(`ALTER TABLE plugin_executions DROP COLUMN idempotency_key`);
    await queryRunner.query(`ALTER TABLE plugin_executions DROP COLUMN retry_of`);
    await queryRunner.query(`ALTER TABLE plugin_instances DROP COLUMN execution_policy`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Schedules: an instance's schedule, what the scheduler did with it and its next slot; a run's slot, unique
 * per instance so that each slot runs at most once however many processes fire it.
 */
export class Schedules1732665600000 implements MigrationInterface {
  name = 'Schedules1732665600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const real = queryRunner.connection.options.type === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
    await queryRunner.query(`ALTER TABLE plugin_instances ADD COLUMN schedule TEXT`);
    await queryRunner.query(`ALTER TABLE plugin_instances ADD COLUMN schedule_state TEXT`);
    await queryRunner.query(`ALTER TABLE plugin_instances ADD COLUMN next_run_at ${real}`);
    await queryRunner.query(`CREATE INDEX idx_plugin_instances_next_run ON plugin_instances (next_run_at)`);
    await queryRunner.query(`ALTER TABLE plugin_executions ADD COLUMN scheduled_for ${real}`);
    await queryRunner.query(`CREATE UNIQUE INDEX uq_plugin_executions_slot ON plugin_executions (instance_id, scheduled_for)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX uq_plugin_executions_slot`);
    await queryRunner.query(`ALTER TABLE plugin_executions DROP COLUMN scheduled_for`);
    await queryRunner.query(`DROP INDEX idx_plugin_instances_next_run`);
    await queryRunner.query(`ALTER TABLE plugin_instances DROP COLUMN next_run_at`);
    await queryRunner.query(`ALTER TABLE plugin_instances DROP COLUMN schedule_state`);
    await queryRunner.query(`ALTER TABLE plugin_instances DROP COLUMN schedule`);
  }
}

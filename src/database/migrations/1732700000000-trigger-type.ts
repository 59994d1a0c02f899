import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A run's trigger type as a column of its own, so runs can be filtered and counted by what started them
 * without parsing the `trigger` JSON of every row. Existing rows take it from their JSON.
 */
export class TriggerType1732700000000 implements MigrationInterface {
  name = 'TriggerType1732700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    await queryRunner.query(`ALTER TABLE plugin_executions ADD COLUMN trigger_type TEXT NOT NULL DEFAULT 'manual'`);
    const typeOf = postgres ? `("trigger"::json ->> 'type')` : `json_extract("trigger", '$.type')`;
    await queryRunner.query(`UPDATE plugin_executions SET trigger_type = ${typeOf} WHERE ${typeOf} IS NOT NULL AND ${typeOf} <> 'manual'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE plugin_executions DROP COLUMN trigger_type`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** Names compare trimmed, NFKC-normalised and lower-cased; written out here so the migration never changes with the code. */
const nameKey = (name: string): string => name.trim().normalize('NFKC').toLowerCase();

/**
 * plugin_instances keeps the seed's columns and types (so a seed database can be adopted in place),
 * plus `version` and `name_key`; plugin_executions records every run.
 */
export class InitialSchema1732406400000 implements MigrationInterface {
  name = 'InitialSchema1732406400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const real = postgres ? 'DOUBLE PRECISION' : 'REAL';

    if (await queryRunner.hasTable('plugin_instances')) {
      // A seed database: keep its rows, add what this service needs.
      await queryRunner.query(`ALTER TABLE plugin_instances ADD COLUMN version INTEGER NOT NULL DEFAULT 1`);
      await queryRunner.query(`ALTER TABLE plugin_instances ADD COLUMN name_key TEXT`);
      const rows: { id: string; name: string }[] = await queryRunner.query(`SELECT id, name FROM plugin_instances`);
      for (const row of rows) {
        await queryRunner.query(`UPDATE plugin_instances SET name_key = ${postgres ? '$1' : '?'} WHERE id = ${postgres ? '$2' : '?'}`, [nameKey(row.name), row.id]);
      }
    } else {
      await queryRunner.query(`
        CREATE TABLE plugin_instances (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          template_id TEXT NOT NULL,
          config TEXT NOT NULL,
          enabled INTEGER DEFAULT 1,
          status TEXT,
          last_run ${real},
          last_result TEXT,
          created_at ${real} NOT NULL,
          updated_at ${real} NOT NULL,
          version INTEGER NOT NULL DEFAULT 1,
          name_key TEXT NOT NULL
        )`);
    }
    await queryRunner.query(`CREATE UNIQUE INDEX uq_plugin_instances_name_key ON plugin_instances (name_key)`);
    await queryRunner.query(`CREATE INDEX idx_plugin_instances_created ON plugin_instances (created_at, id)`);
    await queryRunner.query(`CREATE INDEX idx_plugin_instances_template ON plugin_instances (template_id)`);

    await queryRunner.query(`
      CREATE TABLE plugin_executions (
        id TEXT PRIMARY KEY,
        instance_id TEXT NOT NULL REFERENCES plugin_instances (id) ON DELETE CASCADE,
        template_id TEXT NOT NULL,
        status TEXT NOT NULL,
        trigger TEXT NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 1,
        config_version INTEGER NOT NULL,
        created_at ${real} NOT NULL,
        started_at ${real},
        finished_at ${real},
        duration_ms INTEGER,
        progress TEXT,
        result TEXT,
        error TEXT
      )`);
    await queryRunner.query(`CREATE INDEX idx_plugin_executions_instance ON plugin_executions (instance_id, created_at, id)`);
    // One unfinished run per instance, enforced by the database so it holds across processes.
    await queryRunner.query(
      `CREATE UNIQUE INDEX uq_plugin_executions_one_unfinished ON plugin_executions (instance_id) WHERE status IN ('queued', 'running')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE plugin_executions`);
    await queryRunner.query(`DROP INDEX uq_plugin_instances_name_key`);
    await queryRunner.query(`DROP INDEX idx_plugin_instances_created`);
    await queryRunner.query(`DROP INDEX idx_plugin_instances_template`);
    await queryRunner.query(`DROP TABLE plugin_instances`);
  }
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sqlite3 from 'sqlite3';
import { ON_POSTGRES, TestApp } from './helpers/test-app';

function execSqlite(file: string, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (openError) => {
      if (openError) return reject(openError);
      db.exec(sql, (error) => {
        db.close();
        if (error) reject(error);
        else resolve();
      });
    });
  });
}

// Seed rows keep their ids; instance ids are uuids (the path refuses anything else with 400).
const SEED_1 = '5e0d1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b';
const SEED_2 = '9f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f';

/** A database written by the seed application is adopted in place: its rows stay, the new columns are added. */
(ON_POSTGRES ? describe.skip : describe)('adopting a seed database (e2e)', () => {
  it('keeps the seed rows, adds version and name_key, and runs them', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-seed-'));
    await execSqlite(
      path.join(dataDir, 'app.sqlite'),
      `CREATE TABLE plugin_instances (
         id TEXT PRIMARY KEY, name TEXT NOT NULL, template_id TEXT NOT NULL, config TEXT NOT NULL,
         enabled INTEGER DEFAULT 1, status TEXT, last_run REAL, last_result TEXT,
         created_at REAL NOT NULL, updated_at REAL NOT NULL);
       INSERT INTO plugin_instances VALUES
         ('${SEED_1}', 'iLab Equipment 2024', 'fixture_function', '{"mode":"ok","label":"equipment"}', 1, 'active', 1700000100.5, '{"rows_imported":12}', 1700000000.25, 1700000100.5),
         ('${SEED_2}', 'PI Directory', 'fixture_function', '{"mode":"ok"}', 0, 'inactive', NULL, NULL, 1700000200, 1700000200);`,
    );
    const app = await TestApp.start({ dataDir });
    try {
      const list = (await app.get('/api/plugins/instances')).body.items;
      expect(list.map((i: { id: string }) => i.id)).toEqual([SEED_2, SEED_1]);
      const first = (await app.get(`/api/plugins/instances/${SEED_1}`)).body;
      expect(first).toEqual({
        id: SEED_1,
        name: 'iLab Equipment 2024',
        template_id: 'fixture_function',
        config: { mode: 'ok', label: 'equipment' },
        secret_fields: [],
        enabled: true,
        status: 'active',
        last_run: '2023-11-14T22:15:00.500Z',
        last_result: { rows_imported: 12 },
        consecutive_failures: 0, // no failure streak is known for seed rows
        created_at: '2023-11-14T22:13:20.250Z',
        updated_at: '2023-11-14T22:15:00.500Z',
        version: 1,
        template_version: '1.0.0', // rows from before template versions were recorded
        config_error: null,
        execution_policy: { timeout_ms: null, max_attempts: 1, backoff_ms: 1000, disable_after_failures: null },
        created_by: null, // seed rows predate API keys
        depends_on: [],
        schedule: null,
        next_run_at: null,
        schedule_state: { last_fired_for: null, missed: 0, skipped_overlap: 0, last_skip: null },
        provisioned_from: null,
      });
      // The backfilled name_key makes seed names unique case-insensitively too.
      const clash = await app.post('/api/plugins/instances', { template_id: 'fixture_function', name: 'ilab equipment 2024', config: { mode: 'ok' } });
      expect(clash.status).toBe(409);
      expect((await app.post(`/api/plugins/instances/${SEED_1}/execute`)).body).toMatchObject({ status: 'succeeded', result: { ok: true, label: 'equipment' } });
      expect((await app.put(`/api/plugins/instances/${SEED_2}`, { enabled: true })).body.status).toBe('pending');
    } finally {
      await app.close();
      app.removeData();
    }
  });
});

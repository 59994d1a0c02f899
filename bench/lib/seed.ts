import { randomUUID } from 'node:crypto';
import * as sqlite3 from 'sqlite3';

export interface SeedInstance {
  id: string;
  name: string;
}

/** A config like a user's: a few fields, validated by the bench_noop template. */
export const NOOP_CONFIG = { label: 'Nightly equipment sync for the imaging core', size: 250, tags: ['imaging', 'nightly', 'core'] };

/** A stored schedule (defaults filled in, as the API stores it) and its next slot in epoch seconds. */
export interface SeedSchedule {
  schedule: { cron?: string; every?: string; timezone: string; catch_up: 'once' | 'skip'; enabled: boolean };
  nextRunAt: number;
}

/**
 * Inserts `count` bench_noop instances straight into plugin_instances (the schema the framework's migrations
 * made), in one transaction: seeding 100,000 rows through the API would take longer than the benchmark.
 * `scheduleOf(i)` gives instance i a schedule; its next slot must be one the schedule really has, since the
 * scheduler fires the slot it finds in next_run_at.
 */
export async function seedInstances(file: string, count: number, prefix: string, scheduleOf?: (index: number) => SeedSchedule): Promise<SeedInstance[]> {
  const db = new sqlite3.Database(file);
  const exec = (sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
  const seeded: SeedInstance[] = [];
  await exec('BEGIN');
  const statement = db.prepare(
    `INSERT INTO plugin_instances (id, name, name_key, template_id, config, enabled, status, last_run, last_result, created_at, updated_at, execution_policy, version, schedule, next_run_at)
     VALUES (?, ?, ?, 'bench_noop', ?, 1, 'pending', NULL, NULL, ?, ?, NULL, 1, ?, ?)`,
  );
  const config = JSON.stringify(NOOP_CONFIG);
  const start = Date.now() / 1000 - count;
  let failure: Error | null = null;
  for (let i = 0; i < count; i++) {
    const instance = { id: randomUUID(), name: `${prefix} ${i}` };
    seeded.push(instance);
    // Queued without waiting: sqlite3 runs them in order; finalize waits for the queue.
    const scheduled = scheduleOf?.(i);
    statement.run(
      [instance.id, instance.name, instance.name.toLowerCase(), config, start + i, start + i, scheduled ? JSON.stringify(scheduled.schedule) : null, scheduled?.nextRunAt ?? null],
      (error) => (failure ??= error),
    );
  }
  await new Promise<void>((resolve, reject) => statement.finalize((error) => (error ? reject(error) : resolve())));
  if (failure) throw failure;
  await exec('COMMIT');
  await new Promise<void>((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
  return seeded;
}

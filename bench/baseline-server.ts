/**
 * The baseline for the API benchmarks: a bare Fastify server answering the same routes from the same SQLite
 * file with sqlite3 directly (no Nest, no TypeORM, no validation, no logging). Started as a child process by
 * bench/run.ts: `node dist/bench/baseline-server.js <sqlite file> <port>`; prints "listening" when ready.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import * as sqlite3 from 'sqlite3';

type Row = Record<string, unknown>;

const iso = (seconds: unknown) => (seconds === null ? null : new Date(Number(seconds) * 1000).toISOString());

/** The same JSON shape the framework answers with, so both sides serialise the same bytes. */
function toInstance(row: Row) {
  return {
    id: row.id,
    name: row.name,
    template_id: row.template_id,
    config: JSON.parse(row.config as string),
    enabled: row.enabled === 1,
    status: row.status,
    last_run: iso(row.last_run),
    last_result: row.last_result === null ? null : JSON.parse(row.last_result as string),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    version: row.version,
    execution_policy: { timeout_ms: null, max_attempts: 1, backoff_ms: 1000, ...(row.execution_policy ? JSON.parse(row.execution_policy as string) : {}) },
  };
}

async function main(): Promise<void> {
  const [file, portText] = process.argv.slice(2);
  const db = new sqlite3.Database(file);
  const all = (sql: string, params: unknown[]) =>
    new Promise<Row[]>((resolve, reject) => db.all(sql, params, (error, rows: Row[]) => (error ? reject(error) : resolve(rows))));
  const run = (sql: string, params: unknown[]) =>
    new Promise<void>((resolve, reject) => db.run(sql, params, (error) => (error ? reject(error) : resolve())));
  await run('PRAGMA journal_mode = WAL', []);
  await run('PRAGMA busy_timeout = 5000', []);

  const app = Fastify({ logger: false });
  app.get<{ Params: { id: string } }>('/api/plugins/instances/:id', async (request, reply) => {
    const [row] = await all('SELECT * FROM plugin_instances WHERE id = ?', [request.params.id]);
    if (!row) return reply.code(404).send({ status: 404 });
    return toInstance(row);
  });
  app.get<{ Querystring: { limit?: string } }>('/api/plugins/instances', async (request) => {
    const limit = Number(request.query.limit ?? 50);
    const rows = await all('SELECT * FROM plugin_instances ORDER BY created_at DESC, id DESC LIMIT ?', [limit + 1]);
    const items = rows.slice(0, limit).map(toInstance);
    return { items, next_cursor: rows.length > limit ? Buffer.from(JSON.stringify([rows[limit - 1].created_at, rows[limit - 1].id])).toString('base64url') : null };
  });
  app.post<{ Body: { template_id: string; name: string; config?: Row; enabled?: boolean } }>('/api/plugins/instances', async (request, reply) => {
    const now = Date.now() / 1000;
    const body = request.body;
    const enabled = body.enabled ?? true;
    const row = {
      id: randomUUID(), name: body.name, name_key: body.name.trim().normalize('NFKC').toLowerCase(), template_id: body.template_id,
      config: JSON.stringify(body.config ?? {}), enabled: enabled ? 1 : 0, status: enabled ? 'pending' : 'inactive',
      last_run: null, last_result: null, created_at: now, updated_at: now, execution_policy: null, version: 1,
    };
    const columns = Object.keys(row);
    await run(`INSERT INTO plugin_instances (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, Object.values(row));
    return reply.code(201).header('location', `/api/plugins/instances/${row.id}`).send(toInstance(row));
  });
  await app.listen({ host: '127.0.0.1', port: Number(portText) });
  process.stdout.write('listening\n');
  const stop = () => void app.close().then(() => db.close(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();

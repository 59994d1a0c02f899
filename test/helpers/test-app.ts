import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { createApp } from '../../src/bootstrap';
import { Clock } from '../../src/common/clock';
import { loadSettings } from '../../src/config/settings';

export const FIXTURE_ROOTS = {
  good: path.resolve(__dirname, '..', 'fixtures', 'plugins', 'good'),
  broken: path.resolve(__dirname, '..', 'fixtures', 'plugins', 'broken'),
};

export interface HttpResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** The real app on a temporary SQLite file, listening on loopback, driven over HTTP. */
export class TestApp {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly baseUrl: string,
    readonly dataDir: string,
  ) {}

  static async start(options: { dataDir?: string; pluginRoots?: string[]; env?: Record<string, string>; clock?: Clock; consoleRoot?: string } = {}): Promise<TestApp> {
    const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pif-test-'));
    const settings = loadSettings({
      DATA_DIR: dataDir,
      ...(await databaseEnvFor(dataDir)),
      PLUGIN_PATHS: (options.pluginRoots ?? [FIXTURE_ROOTS.good]).join(':'),
      LOG_LEVEL: 'silent',
      LOG_FORMAT: 'json',
      ...options.env,
    });
    const app = await createApp(settings, { clock: options.clock, consoleRoot: options.consoleRoot });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address() as { port: number };
    return new TestApp(app, `http://127.0.0.1:${address.port}`, dataDir);
  }

  async request<T = any>(method: string, url: string, options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${this.baseUrl}${url}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text.length > 0) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  get<T = any>(url: string, headers?: Record<string, string>) {
    return this.request<T>('GET', url, { headers });
  }
  post<T = any>(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', url, { body, headers });
  }
  put<T = any>(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('PUT', url, { body, headers });
  }
  delete<T = any>(url: string) {
    return this.request<T>('DELETE', url);
  }

  /** Stops the app; the data directory stays so a restart can reopen it. */
  async close(): Promise<void> {
    await this.app.close();
  }

  removeData(): void {
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** True when the suites run against PostgreSQL (scripts/test-postgres.sh) instead of SQLite files. */
export const ON_POSTGRES = Boolean(process.env.TEST_DATABASE_URL);

/** The database settings for a data directory: none on SQLite (the files live in it); its own databases under scripts/test-postgres.sh. */
export async function databaseEnvFor(dataDir: string): Promise<Record<string, string>> {
  if (!process.env.TEST_DATABASE_URL) return {};
  return { DATABASE_URL: await postgresDatabaseFor(path.basename(dataDir)), DATA_STORE_URL: await postgresDatabaseFor(`${path.basename(dataDir)}_tables`) };
}

/**
 * Under scripts/test-postgres.sh each data directory gets its own database, named after it, so a
 * restart on the same directory reopens the same database.
 */
async function postgresDatabaseFor(key: string): Promise<string> {
  const name = `pif_${key.replace(/[^a-zA-Z0-9]/g, '_').toLowerCase()}`;
  const admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Every error response is problem+json with the documented shape. */
export function expectProblem(response: HttpResponse, status: number, type: string): void {
  expect({ status: response.status, type: response.body?.type }).toEqual({ status, type });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(typeof response.body.title).toBe('string');
  expect(typeof response.body.detail).toBe('string');
  expect(response.body.status).toBe(status);
}

import * as path from 'node:path';
import sqlite3 from 'sqlite3';
import { InstanceRepository } from '../src/instances/instance.repository';
import { expectProblem, ON_POSTGRES, TestApp } from './helpers/test-app';

const BASE = '/api/plugins/instances';

function querySqlite<T>(file: string, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (openError) => {
      if (openError) return reject(openError);
      db.all(sql, (error, rows) => {
        db.close();
        if (error) reject(error);
        else resolve(rows as T[]);
      });
    });
  });
}

describe('instances (e2e)', () => {
  let app: TestApp;
  const create = (body: Record<string, unknown>) => app.post(BASE, body);

  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  describe('POST /instances', () => {
    it('creates an instance with Location, ETag and the full resource', async () => {
      const response = await create({ template_id: 'fixture_greeter', name: '  Greeter One  ', config: { who: 'Ada' } });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Greeter One',
        template_id: 'fixture_greeter',
        config: { who: 'Ada' },
        secret_fields: [],
        enabled: true,
        status: 'pending',
        last_run: null,
        last_result: null,
        consecutive_failures: 0,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        updated_at: expect.any(String),
        version: 1,
        template_version: '2.1.0', // fixture_greeter's version
        config_error: null,
        execution_policy: { timeout_ms: null, max_attempts: 1, backoff_ms: 1000, disable_after_failures: null },
        created_by: null, // no key: loopback before any key exists
        depends_on: [],
        schedule: null,
        next_run_at: null,
        schedule_state: { last_fired_for: null, missed: 0, skipped_overlap: 0, last_skip: null },
        provisioned_from: null,
      });
      expect(response.headers.get('location')).toBe(`${BASE}/${response.body.id}`);
      expect(response.headers.get('etag')).toBe('"1"');
      const fetched = await app.get(response.headers.get('location')!);
      expect(fetched.body).toEqual(response.body);
    });

    it('creates a disabled instance as inactive and defaults config to {}', async () => {
      const response = await create({ template_id: 'fixture_singleton', name: 'Only one', enabled: false });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ enabled: false, status: 'inactive', config: {} });
    });

    it('refuses a second instance of a single-instance template (409)', async () => {
      const response = await create({ template_id: 'fixture_singleton', name: 'Second one' });
      expectProblem(response, 409, 'single-instance-template');
      expect(response.body.instance_id).toEqual(expect.any(String));
    });

    it('refuses duplicate names case-insensitively and trimmed (409)', async () => {
      await create({ template_id: 'fixture_function', name: 'iLab Equipment 2024', config: { mode: 'ok' } });
      for (const name of ['ilab equipment 2024', ' ILAB EQUIPMENT 2024 ', 'iLab Equipment 2024']) {
        const response = await create({ template_id: 'fixture_greeter', name, config: { who: 'x' } });
        expectProblem(response, 409, 'name-taken');
      }
      const unicode = await create({ template_id: 'fixture_function', name: 'Équipe A', config: { mode: 'ok' } });
      expect(unicode.status).toBe(201);
      expectProblem(await create({ template_id: 'fixture_function', name: 'équipe a', config: { mode: 'ok' } }), 409, 'name-taken');
    });

    it('validates config against the template schema: 400 with one entry per field', async () => {
      const before = (await app.get(`${BASE}/stats`)).body.total;
      const response = await create({ template_id: 'fixture_greeter', name: 'Bad config', config: { times: 'three', who: 5, nope: 1 } });
      expectProblem(response, 400, 'config-invalid');
      expect(response.body.errors).toEqual(
        expect.arrayContaining([
          { path: '/config/times', message: 'must be integer' },
          { path: '/config/who', message: 'must be string' },
          { path: '/config/nope', message: 'is not an allowed property' },
        ]),
      );
      expect(response.body.errors).toHaveLength(3);
      expect((await app.get(`${BASE}/stats`)).body.total).toBe(before);
    });

    it('answers 422 for an unknown template', async () => {
      const response = await create({ template_id: 'no_such_template', name: 'Whatever' });
      expectProblem(response, 422, 'unknown-template');
      expect(response.body.errors).toEqual([{ path: '/template_id', message: 'unknown template' }]);
    });

    it.each([
      [{ name: 'x' }, '/template_id'],
      [{ template_id: 'fixture_function' }, '/name'],
      [{ template_id: 'fixture_function', name: '   ' }, '/name'],
      [{ template_id: 'fixture_function', name: 'a\u0000b' }, '/name'],
      [{ template_id: 'fixture_function', name: 'x'.repeat(201) }, '/name'],
      [{ template_id: 'fixture_function', name: 'x', config: [] }, '/config'],
      [{ template_id: 'fixture_function', name: 'x', config: null }, '/config'],
      [{ template_id: 'fixture_function', name: 'x', enabled: 'yes' }, '/enabled'],
      [{ template_id: 'fixture_function', name: 'x', id: 'mine' }, '/id'],
    ])('rejects a malformed body %j at %s', async (body, pathOfError) => {
      const response = await create(body);
      expectProblem(response, 400, 'validation-failed');
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(pathOfError);
    });
  });

  describe('GET /instances', () => {
    let ids: string[];

    beforeAll(async () => {
      ids = [];
      for (let i = 0; i < 7; i++) {
        const response = await create({ template_id: 'fixture_function', name: `Paged ${i}`, config: { mode: 'ok' }, enabled: i % 2 === 0 });
        ids.push(response.body.id);
      }
    });

    it('pages newest first with a cursor, without gaps or repeats', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const response: { body: { items: { id: string }[]; next_cursor: string | null } } = await app.get(
          `${BASE}?q=paged&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        seen.push(...response.body.items.map((item) => item.id));
        cursor = response.body.next_cursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].reverse());
    });

    it('filters by template, enabled, status and name substring', async () => {
      const byTemplate = await app.get(`${BASE}?template_id=fixture_greeter`);
      expect(byTemplate.body.items.every((i: { template_id: string }) => i.template_id === 'fixture_greeter')).toBe(true);
      const disabled = await app.get(`${BASE}?enabled=false&q=paged`);
      expect(disabled.body.items.map((i: { name: string }) => i.name)).toEqual(['Paged 5', 'Paged 3', 'Paged 1']);
      const inactive = await app.get(`${BASE}?status=inactive&q=PAGED`);
      expect(inactive.body.items).toHaveLength(3);
      const pending = await app.get(`${BASE}?status=pending&enabled=true&q=paged`);
      expect(pending.body.items).toHaveLength(4);
      const literal = await app.get(`${BASE}?q=${encodeURIComponent('%')}`);
      expect(literal.body.items).toEqual([]);
    });

    it('adds total (all matches, whatever the cursor) only with include_total=true, and counts nothing otherwise', async () => {
      const count = jest.spyOn(app.app.get(InstanceRepository), 'countMatching');
      try {
        const first = await app.get(`${BASE}?q=paged&limit=2&include_total=true`);
        expect(first.status).toBe(200);
        expect(first.body.items).toHaveLength(2);
        expect(first.body.total).toBe(7);
        const second = await app.get(`${BASE}?q=paged&limit=2&include_total=true&cursor=${encodeURIComponent(first.body.next_cursor)}`);
        expect(second.body.items.map((i: { id: string }) => i.id)).toEqual([ids[4], ids[3]]);
        expect(second.body.total).toBe(7);
        expect((await app.get(`${BASE}?q=paged&enabled=false&include_total=true&limit=1`)).body.total).toBe(3);
        expect((await app.get(`${BASE}?q=paged&status=pending&template_id=fixture_function&include_total=true`)).body.total).toBe(4);
        expect((await app.get(`${BASE}?q=nothing-matches&include_total=true`)).body).toEqual({ items: [], next_cursor: null, total: 0 });
        expect(count).toHaveBeenCalledTimes(5);
        count.mockClear();
        for (const query of ['q=paged&limit=2', 'q=paged&limit=2&include_total=false']) {
          const plain = await app.get(`${BASE}?${query}`);
          expect(Object.keys(plain.body).sort()).toEqual(['items', 'next_cursor']);
        }
        expect(count).not.toHaveBeenCalled();
      } finally {
        count.mockRestore();
      }
    });

    it.each(['limit=0', 'limit=501', 'limit=abc', 'enabled=maybe', 'status=sleeping', 'cursor=not-a-cursor', 'unknown=1', 'include_total=yes', 'include_total=1', 'include_total='])('rejects %s with 400', async (query) => {
      expectProblem(await app.get(`${BASE}?${query}`), 400, 'validation-failed');
    });
  });

  describe('GET /instances/{id}', () => {
    it('404s for unknown ids, 400s for malformed ones', async () => {
      expectProblem(await app.get(`${BASE}/00000000-0000-0000-0000-000000000000`), 404, 'instance-not-found');
      expectProblem(await app.get(`${BASE}/${encodeURIComponent("' OR 1=1 --")}`), 400, 'validation-failed');
    });
  });

  describe('PUT /instances/{id}', () => {
    let id: string;

    beforeAll(async () => {
      id = (await create({ template_id: 'fixture_greeter', name: 'Editable', config: { who: 'Ada', times: 2 } })).body.id;
    });

    it('updates the name alone and bumps the version and ETag', async () => {
      const response = await app.put(`${BASE}/${id}`, { name: 'Edited' });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ name: 'Edited', config: { who: 'Ada', times: 2 }, version: 2 });
      expect(response.headers.get('etag')).toBe('"2"');
    });

    it('replaces config whole and validates it', async () => {
      const response = await app.put(`${BASE}/${id}`, { config: { who: 'Grace' } });
      expect(response.status).toBe(200);
      expect(response.body.config).toEqual({ who: 'Grace' });
      const invalid = await app.put(`${BASE}/${id}`, { config: { times: 0 } });
      expectProblem(invalid, 400, 'config-invalid');
      expect(invalid.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/config/times', '/config/who']);
      expect((await app.get(`${BASE}/${id}`)).body.config).toEqual({ who: 'Grace' });
    });

    it('honours If-Match: the current ETag passes, a stale one is 412 and changes nothing', async () => {
      const current = await app.get(`${BASE}/${id}`);
      const etag = current.headers.get('etag')!;
      const ok = await app.put(`${BASE}/${id}`, { name: 'Conditional' }, { 'if-match': etag });
      expect(ok.status).toBe(200);
      const stale = await app.put(`${BASE}/${id}`, { name: 'Lost update' }, { 'if-match': etag });
      expectProblem(stale, 412, 'precondition-failed');
      expect(stale.body.current_etag).toBe(ok.headers.get('etag'));
      expect((await app.get(`${BASE}/${id}`)).body.name).toBe('Conditional');
      expect((await app.put(`${BASE}/${id}`, { name: 'Star' }, { 'if-match': '*' })).status).toBe(200);
    });

    it('disabling sets inactive; enabling restores pending when it never ran', async () => {
      const disabled = await app.put(`${BASE}/${id}`, { enabled: false });
      expect(disabled.body).toMatchObject({ enabled: false, status: 'inactive' });
      const enabled = await app.put(`${BASE}/${id}`, { enabled: true });
      expect(enabled.body).toMatchObject({ enabled: true, status: 'pending' });
    });

    it('refuses a taken name (409), an empty body (400), unknown ids (404)', async () => {
      const other = await create({ template_id: 'fixture_greeter', name: 'Taken Name', config: { who: 'x' } });
      expect(other.status).toBe(201);
      expectProblem(await app.put(`${BASE}/${id}`, { name: 'TAKEN name' }), 409, 'name-taken');
      expect((await app.put(`${BASE}/${other.body.id}`, { name: 'taken NAME' })).body.name).toBe('taken NAME');
      expectProblem(await app.put(`${BASE}/${id}`, {}), 400, 'validation-failed');
      expectProblem(await app.put(`${BASE}/${id}`, { name: null }), 400, 'validation-failed');
      expectProblem(await app.put(`${BASE}/${id}`, { template_id: 'table_loader' }), 400, 'validation-failed');
      expectProblem(await app.put(`${BASE}/00000000-0000-0000-0000-000000000000`, { name: 'x' }), 404, 'instance-not-found');
    });
  });

  describe('DELETE /instances/{id}', () => {
    it('deletes, then 404s', async () => {
      const id = (await create({ template_id: 'fixture_function', name: 'Doomed', config: { mode: 'ok' } })).body.id;
      const response = await app.delete(`${BASE}/${id}`);
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      expectProblem(await app.get(`${BASE}/${id}`), 404, 'instance-not-found');
      expectProblem(await app.delete(`${BASE}/${id}`), 404, 'instance-not-found');
      // The name is free again.
      expect((await create({ template_id: 'fixture_function', name: 'doomed', config: { mode: 'ok' } })).status).toBe(201);
    });
  });

  it('reports stats by status and template', async () => {
    const response = await app.get(`${BASE}/stats`);
    expect(response.status).toBe(200);
    const list = await app.get(`${BASE}?limit=500`);
    expect(response.body.total).toBe(list.body.items.length);
    expect(Object.keys(response.body.by_status).sort()).toEqual(['active', 'error', 'inactive', 'pending']);
    const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);
    expect(sum(response.body.by_status)).toBe(response.body.total);
    expect(sum(response.body.by_template)).toBe(response.body.total);
    expect(response.body.by_template.fixture_singleton).toBe(1);
    expect(response.body.by_status.inactive).toBe(list.body.items.filter((i: { status: string }) => i.status === 'inactive').length);
  });

  (ON_POSTGRES ? it.skip : it)("keeps the seed's plugin_instances columns and types in a real SQLite file in WAL mode", async () => {
    const file = path.join(app.dataDir, 'app.sqlite');
    const columns = await querySqlite<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>(file, 'PRAGMA table_info(plugin_instances)');
    const shape = Object.fromEntries(columns.map((c) => [c.name, `${c.type}${c.notnull ? ' NOT NULL' : ''}${c.pk ? ' PK' : ''}${c.dflt_value ? ` DEFAULT ${c.dflt_value}` : ''}`]));
    expect(shape).toEqual({
      id: 'TEXT PK',
      name: 'TEXT NOT NULL',
      template_id: 'TEXT NOT NULL',
      config: 'TEXT NOT NULL',
      enabled: 'INTEGER DEFAULT 1',
      status: 'TEXT',
      last_run: 'REAL',
      last_result: 'TEXT',
      created_at: 'REAL NOT NULL',
      updated_at: 'REAL NOT NULL',
      version: 'INTEGER NOT NULL DEFAULT 1',
      name_key: 'TEXT NOT NULL',
      execution_policy: 'TEXT',
      created_by: 'TEXT',
      schedule: 'TEXT',
      schedule_state: 'TEXT',
      next_run_at: 'REAL',
      depends_on: 'TEXT',
      template_version: "TEXT NOT NULL DEFAULT '1.0.0'",
      config_error: 'TEXT',
      provisioned_from: 'TEXT',
      consecutive_failures: 'INTEGER NOT NULL DEFAULT 0',
    });
    const [mode] = await querySqlite<{ journal_mode: string }>(file, 'PRAGMA journal_mode');
    expect(mode.journal_mode).toBe('wal');
    const rows = await querySqlite<{ config: string; enabled: number; created_at: number }>(file, "SELECT config, enabled, created_at FROM plugin_instances WHERE name = 'Only one'");
    expect(rows).toEqual([{ config: '{}', enabled: 0, created_at: expect.any(Number) }]);
    expect(rows[0].created_at).toBeGreaterThan(1.7e9);
  });
});

describe('instance rules under concurrency (e2e)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await TestApp.start();
  });
  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  it('creates exactly one instance of a single-instance template from 10 concurrent requests', async () => {
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => app.post(BASE, { template_id: 'fixture_singleton', name: `Racing singleton ${i}` })));
    expect(responses.map((r) => r.status).sort()).toEqual([201, ...Array(9).fill(409)]);
    expect(responses.filter((r) => r.status === 409).every((r) => r.body.type === 'single-instance-template')).toBe(true);
    expect((await app.get(`${BASE}?template_id=fixture_singleton`)).body.items).toHaveLength(1);
  });

  it('gives a name to exactly one of 10 concurrent requests that differ only in case', async () => {
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => app.post(BASE, { template_id: 'fixture_function', name: i % 2 ? 'Racing Name' : 'racing name', config: { mode: 'ok' } })),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([201, ...Array(9).fill(409)]);
    expect((await app.get(`${BASE}?q=${encodeURIComponent('racing name')}`)).body.items).toHaveLength(1);
  });
});

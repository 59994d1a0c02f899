import { TransformerTemplate } from '../plugins/transformer';
import { DataStoreService, ExecutionContext } from '../src/sdk';
import { expectProblem, TestApp } from './helpers/test-app';

const INSTANCES = '/api/plugins/instances';

const READINGS_COLUMNS = ['site', 'sensor', 'value', 'taken_at'];
const READINGS = [
  ['north', 's1', 10, '2024-01-01'],
  ['north', 's2', 15, '2024-01-02'],
  ['north', 's1', 20, '2024-01-03'],
  ['south', 's3', 7, '2024-01-01'],
  ['south', 's3', 8, '2024-01-02'],
  ['east', 's4', 1.5, '2024-01-01'],
];

describe('transformer (e2e)', () => {
  let app: TestApp;
  let store: DataStoreService;
  let counter = 0;

  const createInstance = (config: Record<string, unknown>) =>
    app.post(INSTANCES, { template_id: 'transformer', name: `transform ${++counter}`, config });
  const execute = async (id: string) => {
    const response = await app.post(`${INSTANCES}/${id}/execute`);
    expect(response.status).toBe(200);
    return response.body;
  };
  const runTransform = async (config: Record<string, unknown>) => {
    const created = await createInstance(config);
    expect(created.status).toBe(201);
    return { id: created.body.id as string, execution: await execute(created.body.id) };
  };
  /** All rows of a table through the HTTP API, following cursors. */
  const rowsOf = async (table: string) => {
    const rows: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: Record<string, unknown>[]; next_cursor: string | null } } = await app.get(
        `/api/data/tables/${table}/rows?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      rows.push(...page.body.items);
      cursor = page.body.next_cursor;
    } while (cursor);
    return rows;
  };
  const tableInfo = async (table: string) => (await app.get('/api/data/tables')).body.items.find((item: { name: string }) => item.name === table);

  beforeAll(async () => {
    app = await TestApp.start();
    store = app.app.get(DataStoreService);
    await store.writeTable('readings', READINGS, { mode: 'replace', columns: READINGS_COLUMNS });
  });
  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  const SUMMARY = 'SELECT site, COUNT(*) AS readings, SUM(value) AS total, AVG(value) AS mean, MAX(taken_at) AS last_taken FROM readings GROUP BY site ORDER BY site';
  const SUMMARY_ROWS = [
    { site: 'east', readings: 1, total: 1.5, mean: 1.5, last_taken: '2024-01-01' },
    { site: 'north', readings: 3, total: 45, mean: 15, last_taken: '2024-01-03' },
    { site: 'south', readings: 2, total: 15, mean: 7.5, last_taken: '2024-01-02' },
  ];

  it('materialises an aggregation into a new table with inferred column types, in the query column order', async () => {
    const { id, execution } = await runTransform({ query: SUMMARY, target_table: 'site_summary' });
    expect(execution).toMatchObject({ status: 'succeeded', error: null });
    const columns = [
      { name: 'site', type: 'TEXT' },
      { name: 'readings', type: 'INTEGER' },
      { name: 'total', type: 'REAL' },
      { name: 'mean', type: 'REAL' },
      { name: 'last_taken', type: 'TEXT' },
    ];
    expect(execution.result).toEqual({ rows_written: 3, target_table: 'site_summary', columns, duration_ms: expect.any(Number) });
    expect(await tableInfo('site_summary')).toEqual({ name: 'site_summary', columns, row_count: 3 });
    expect(await rowsOf('site_summary')).toEqual(SUMMARY_ROWS);
    expect((await app.get(`${INSTANCES}/${id}`)).body).toMatchObject({ status: 'active', last_result: execution.result });
  });

  it('replaces the table on every run (same rows twice) and appends when asked (rows doubled)', async () => {
    const { id } = await runTransform({ query: SUMMARY, target_table: 'rerun_summary', replace_existing: true });
    const second = await execute(id);
    expect(second).toMatchObject({ status: 'succeeded', result: { rows_written: 3 } });
    expect(await rowsOf('rerun_summary')).toEqual(SUMMARY_ROWS);

    const { execution: appended } = await runTransform({ query: SUMMARY, target_table: 'rerun_summary', replace_existing: false });
    expect(appended).toMatchObject({ status: 'succeeded', result: { rows_written: 3, target_table: 'rerun_summary' } });
    expect(await rowsOf('rerun_summary')).toEqual([...SUMMARY_ROWS, ...SUMMARY_ROWS]);
    expect((await tableInfo('rerun_summary')).row_count).toBe(6);
  });

  it('appending rows whose columns do not match the table fails and adds nothing', async () => {
    const { execution } = await runTransform({ query: 'SELECT site, sensor FROM readings', target_table: 'site_summary', replace_existing: false });
    expect(execution).toMatchObject({ status: 'failed', error: { message: expect.stringContaining("cannot append to 'site_summary'") } });
    expect(await rowsOf('site_summary')).toEqual(SUMMARY_ROWS);
  });

  it('may read the table it replaces: the new table is built beside the old one and swapped in at the end', async () => {
    await store.writeTable('shrinking', [[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd']], { mode: 'replace', columns: ['x', 'label'] });
    const { id, execution } = await runTransform({ query: 'SELECT * FROM shrinking WHERE x > 1', target_table: 'shrinking' });
    expect(execution).toMatchObject({ status: 'succeeded', result: { rows_written: 3 } });
    expect(await rowsOf('shrinking')).toEqual([
      { x: 2, label: 'b' },
      { x: 3, label: 'c' },
      { x: 4, label: 'd' },
    ]);
    // Appending from itself doubles what is there.
    const updated = await app.put(`${INSTANCES}/${id}`, { config: { query: 'SELECT x * 10 AS x, label FROM shrinking', target_table: 'shrinking', replace_existing: false } });
    expect(updated.status).toBe(200);
    expect(await execute(id)).toMatchObject({ status: 'succeeded', result: { rows_written: 3 } });
    expect((await rowsOf('shrinking')).map((row) => row.x)).toEqual([2, 3, 4, 20, 30, 40]);
  });

  it('binds parameters', async () => {
    const { execution } = await runTransform({ query: 'SELECT sensor, value FROM readings WHERE site = ? AND value >= ? ORDER BY value', params: ['north', 15], target_table: 'north_high' });
    expect(execution).toMatchObject({ status: 'succeeded', result: { rows_written: 2 } });
    expect(await rowsOf('north_high')).toEqual([
      { sensor: 's2', value: 15 },
      { sensor: 's1', value: 20 },
    ]);
  });

  it('creates nothing for a query without rows, and says so; an existing target is left as it was', async () => {
    const { execution } = await runTransform({ query: "SELECT * FROM readings WHERE site = 'nowhere'", target_table: 'never_created' });
    expect(execution).toMatchObject({
      status: 'succeeded',
      result: { rows_written: 0, target_table: 'never_created', columns: [], note: "the query returned no rows: table 'never_created' was not created" },
    });
    expect(await tableInfo('never_created')).toBeUndefined();
    expect((await app.get('/api/data/tables/never_created/rows')).status).toBe(404);

    const { execution: kept } = await runTransform({ query: 'SELECT * FROM readings WHERE value > 1000', target_table: 'site_summary' });
    expect(kept.result.note).toBe("the query returned no rows: table 'site_summary' was left unchanged");
    expect(await rowsOf('site_summary')).toEqual(SUMMARY_ROWS);
  });

  it('fails precisely on a query the data store cannot run, leaving the target untouched', async () => {
    const { execution } = await runTransform({ query: 'SELECT * FROM no_such_table', target_table: 'site_summary' });
    expect(execution).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(/no such table: no_such_table|relation "no_such_table" does not exist/) } });
    expect(await rowsOf('site_summary')).toEqual(SUMMARY_ROWS);
  });

  it.each([
    ['DELETE FROM readings'],
    ['SELECT 1; DROP TABLE readings'],
    ['WITH x AS (SELECT 1) INSERT INTO readings SELECT * FROM x'],
    ['PRAGMA table_info(readings)'],
    ["ATTACH DATABASE 'x' AS y"],
    ['UPDATE readings SET value = 0'],
    ['CREATE TABLE copy AS SELECT * FROM readings'],
    ['  '],
  ])('refuses at create time, with 400 at /config/query: %s', async (query) => {
    const before = (await app.get(`${INSTANCES}/stats`)).body.total;
    const response = await createInstance({ query, target_table: 'anything' });
    expectProblem(response, 400, 'config-invalid');
    expect(response.body.errors).toEqual([{ path: '/config/query', message: expect.any(String) }]);
    expect((await app.get(`${INSTANCES}/stats`)).body.total).toBe(before);
  });

  it('refuses a bad target table name and reports every problem at once', async () => {
    const response = await createInstance({ query: 'DELETE FROM readings', target_table: 'select' });
    expectProblem(response, 400, 'config-invalid');
    expect(response.body.errors).toEqual([
      { path: '/config/query', message: expect.stringContaining('DELETE') },
      { path: '/config/target_table', message: "table name 'select' is a reserved SQL word" },
    ]);
    const bad = await createInstance({ query: 'SELECT 1 AS one', target_table: 'has-dash' });
    expectProblem(bad, 400, 'config-invalid');
    expect(bad.body.errors).toEqual([{ path: '/config/target_table', message: expect.any(String) }]);
    const validated = await app.post('/api/plugins/templates/transformer/validate', { config: { query: 'SELECT 1 AS one', target_table: 'ok_name' } });
    expect(validated.body).toEqual({ valid: true, errors: [], config: { query: 'SELECT 1 AS one', target_table: 'ok_name', params: [], replace_existing: true }, secret_fields: [] });
  });

  it('refuses an update that would make the query write', async () => {
    const { id } = await runTransform({ query: 'SELECT 1 AS one', target_table: 'one_row' });
    const response = await app.put(`${INSTANCES}/${id}`, { config: { query: 'DROP TABLE readings', target_table: 'one_row' } });
    expectProblem(response, 400, 'config-invalid');
    expect(response.body.errors).toEqual([{ path: '/config/query', message: expect.any(String) }]);
  });

  it('accepts WITH ... SELECT and string literals holding ; or DELETE', async () => {
    const { execution } = await runTransform({
      query: "WITH per_site AS (SELECT site, MAX(value) AS peak FROM readings GROUP BY site) SELECT site, peak, 'a;b' AS semi, 'DELETE FROM readings' AS words FROM per_site ORDER BY peak DESC;",
      target_table: 'peaks',
    });
    expect(execution).toMatchObject({ status: 'succeeded', result: { rows_written: 3 } });
    expect(await rowsOf('peaks')).toEqual([
      { site: 'north', peak: 20, semi: 'a;b', words: 'DELETE FROM readings' },
      { site: 'south', peak: 8, semi: 'a;b', words: 'DELETE FROM readings' },
      { site: 'east', peak: 1.5, semi: 'a;b', words: 'DELETE FROM readings' },
    ]);
    expect((await rowsOf('readings')).length).toBe(READINGS.length);
  });

  it('makes column names that differ only in case unique, keeping values in order', async () => {
    // Quoted so PostgreSQL keeps the case too.
    const { execution } = await runTransform({ query: 'SELECT 1 AS "v", 2 AS "V", \'x\' AS "Label"', target_table: 'case_clash' });
    expect(execution).toMatchObject({ status: 'succeeded', result: { columns: [{ name: 'v', type: 'INTEGER' }, { name: 'V_2', type: 'INTEGER' }, { name: 'Label', type: 'TEXT' }] } });
    expect(await rowsOf('case_clash')).toEqual([{ v: 1, V_2: 2, Label: 'x' }]);
  });

  it('checks the query again at run time, whatever the stored config says', async () => {
    const ctx: ExecutionContext = {
      executionId: 'direct',
      instance: { id: 'direct', name: 'direct', template_id: 'transformer' },
      signal: new AbortController().signal,
      trigger: { type: 'manual' },
      progress: () => undefined,
      log: () => undefined,
    };
    const transformer = app.app.get(TransformerTemplate);
    await expect(transformer.execute({ query: 'DELETE FROM readings', target_table: 'x', replace_existing: true }, ctx)).rejects.toThrow(/DELETE/);
    await expect(transformer.execute({ query: 'SELECT 1 AS a', target_table: 'sqlite_x', replace_existing: true }, ctx)).rejects.toThrow(/reserved for internal tables/);
    expect((await rowsOf('readings')).length).toBe(READINGS.length);
  });

  it('streams a larger result in batches, reporting progress', async () => {
    await store.writeTable('many', (function* () {
      for (let i = 0; i < 20000; i++) yield [i, i % 7];
    })(), { mode: 'replace', columns: ['i', 'bucket'] });
    const { execution } = await runTransform({ query: 'SELECT i, bucket, i * 2 AS doubled FROM many WHERE bucket <> 0', target_table: 'many_doubled' });
    expect(execution).toMatchObject({ status: 'succeeded', result: { rows_written: 17142 } });
    expect(execution.progress.current).toBe(17142);
    expect((await tableInfo('many_doubled')).row_count).toBe(17142);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataStoreError, DataStoreService } from '../src/sdk';
import { expectProblem, ON_POSTGRES, TestApp } from './helpers/test-app';

async function* rowsOf(rows: unknown[][], failAfter?: number) {
  let index = 0;
  for (const row of rows) {
    if (failAfter !== undefined && index === failAfter) throw new Error(`source failed after ${failAfter} rows`);
    index++;
    yield row as never[];
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('data store (e2e)', () => {
  let app: TestApp;
  let store: DataStoreService;

  beforeAll(async () => {
    app = await TestApp.start();
    store = app.app.get(DataStoreService);
  });
  afterAll(async () => {
    await app.close();
    app.removeData();
  });

  it('writes a table with inferred types and serves it over /api/data', async () => {
    const result = await store.writeTable('people', [[1, 'Ada', 36.5, null], [2, 'Grace', 41, 'x'], [3, '007', null, null]], {
      mode: 'replace',
      columns: ['id', 'Full Name', 'score', 'empty'],
    });
    expect(result).toEqual({
      table_name: 'people',
      mode: 'replace',
      rows_written: 3,
      columns: [
        { name: 'id', type: 'INTEGER' },
        { name: 'Full Name', type: 'TEXT' },
        { name: 'score', type: 'REAL' },
        { name: 'empty', type: 'TEXT' },
      ],
    });
    const list = await app.get('/api/data/tables');
    expect(list.status).toBe(200);
    expect(list.body.items).toContainEqual({ name: 'people', columns: result.columns, row_count: 3 });
    const rows = await app.get('/api/data/tables/people/rows?limit=2');
    expect(rows.body.items).toEqual([
      { id: 1, 'Full Name': 'Ada', score: 36.5, empty: null },
      { id: 2, 'Full Name': 'Grace', score: 41, empty: 'x' },
    ]);
    const next = await app.get(`/api/data/tables/people/rows?limit=2&cursor=${rows.body.next_cursor}`);
    expect(next.body).toEqual({ items: [{ id: 3, 'Full Name': '007', score: null, empty: null }], next_cursor: null });
  });

  // The first write batch types the staging table; 30,000 rows put the wider values in a later batch.
  it('widens a column whose later rows need a wider type', async () => {
    const rows = [...range(30_000).map((i) => [i]), ['not a number']];
    const result = await store.writeTable('widened', rows, { mode: 'replace', columns: ['value'] });
    expect(result.columns).toEqual([{ name: 'value', type: 'TEXT' }]);
    expect((await store.describeTable('widened'))!.columns).toEqual([{ name: 'value', type: 'TEXT' }]);
    const reals = await store.writeTable('reals', [...range(30_000).map((i) => [i]), [0.5]], { mode: 'replace', columns: ['value'] });
    expect(reals.columns).toEqual([{ name: 'value', type: 'REAL' }]);
  });

  it('keeps text that looks numeric exactly when it widens a numeric column late', async () => {
    const rows = [...range(30_000).map((i) => [i, i / 2]), ['007', ' 42'], ['1e3', '+1'], [5, 2.5]];
    const result = await store.writeTable('late_text', rows, { mode: 'replace', columns: ['a', 'b'] });
    expect(result.columns).toEqual([{ name: 'a', type: 'TEXT' }, { name: 'b', type: 'TEXT' }]);
    const tail = await app.get('/api/data/tables/late_text/rows?limit=4&cursor=' + Buffer.from(JSON.stringify([29_999])).toString('base64url'));
    expect(tail.body.items).toEqual([
      { a: '29999', b: '14999.5' },
      { a: '007', b: ' 42' },
      { a: '1e3', b: '+1' },
      { a: '5', b: '2.5' },
    ]);
  });

  it('stores every value exactly: NUL and lone surrogates in text, extreme and tiny numbers', async () => {
    // PostgreSQL text cannot hold NUL at all.
    const texts = [...(ON_POSTGRES ? [] : [['a\u0000b', 'a\u0000b']]), ['x\ud800y', 'x\ufffdy'], ['😀 \u2028 "q" \\ \t', '😀 \u2028 "q" \\ \t']];
    const numbers = [1e-7, -5e-324, 1.7976931348623157e308, 123456789.12345678, 2 ** 53 - 1, 0.30000000000000004, -0];
    const rows = [...range(30_000).map((i) => [`text ${i}`, i + 0.25]), ...texts.map(([text]) => [text, null]), ...numbers.map((n) => [null, n])];
    await store.writeTable('exact', rows, { mode: 'replace', columns: ['t', 'n'] });
    const read: { t: string | null; n: number | null }[] = [];
    for await (const row of store.query('SELECT t, n FROM exact ORDER BY n IS NULL, n')) read.push(row as never);
    expect(read.filter((row) => row.n === null).map((row) => row.t)).toEqual(texts.map(([, stored]) => stored));
    expect(read.filter((row) => row.t === null).map((row) => row.n)).toEqual(numbers.map((n) => (Object.is(n, -0) ? 0 : n)).sort((a, b) => a - b));
  });

  it('takes rows in batches (writeTableBatches) with the same checks', async () => {
    const result = await store.writeTableBatches('batched', [range(3).map((i) => [i, `r${i}`]), [], [[3, null]]], { mode: 'replace', columns: ['n', 's'] });
    expect(result).toMatchObject({ rows_written: 4, columns: [{ name: 'n', type: 'INTEGER' }, { name: 's', type: 'TEXT' }] });
    await expect(store.writeTableBatches('batched', [[[1]], [[1, 2, 3]]], { mode: 'replace', columns: ['n', 's'] })).rejects.toThrow('row 2 has 3 values but the table has 2 columns');
    expect((await store.describeTable('batched'))!.row_count).toBe(4);
  });

  // Batches overlap (the next is encoded while one is written): the table keeps the input's order across many
  // batches, a late widening (rows moved to an untyped table), bound-row batches (a NUL) and an append.
  // (PostgreSQL promises no order without ORDER BY.)
  (ON_POSTGRES ? it.skip.each : it.each)([
    ['plain columns', ['n', 'label']],
    ['columns named like the rowid aliases', ['rowid', '_rowid_', 'oid']],
  ])('keeps rows in input order over many batches: %s', async (_, columns) => {
    const width = columns.length;
    const row = (i: number, text: string | number = `row ${i}`) => [i, text, ...range(width - 2).map(() => i % 7)];
    // A numeric second column first, text from row 30,001 on (the staging table is retyped in the middle).
    const first = range(40_001).map((i) => row(i, i < 30_000 ? i : i === 35_000 ? 'NUL \u0000 inside' : `row ${i}`));
    const batches = Array.from({ length: Math.ceil(first.length / 700) }, (_, k) => first.slice(k * 700, (k + 1) * 700));
    await store.writeTableBatches('ordered', batches, { mode: 'replace', columns });
    const more = range(5_000).map((i) => row(40_001 + i));
    await store.writeTable('ordered', more, { mode: 'append', columns });
    const stored: unknown[][] = [];
    for await (const values of store.query('SELECT * FROM ordered')) stored.push(Object.values(values));
    expect(stored).toHaveLength(45_001);
    expect(stored).toEqual([...first, ...more].map((values) => values.map((value, i) => (i === 1 ? String(value) : value))));
  });

  // The WAL is copied into the database file after a write, not in its COMMIT (and SQLite's own automatic
  // checkpoint is off): the file itself grows to hold the table soon after the write returns.
  (ON_POSTGRES ? it.skip : it)('checkpoints the WAL into the database file after a write', async () => {
    const fresh = await TestApp.start(); // a new file: no free pages of earlier tables to fill
    try {
      const file = path.join(fresh.dataDir, 'tables.sqlite');
      const before = fs.statSync(file).size;
      await fresh.app.get(DataStoreService).writeTable('checkpointed', range(20_000).map((i) => [i, `a row long enough to take some room: ${i}`]), { mode: 'replace', columns: ['n', 'text'] });
      const deadline = Date.now() + 10_000;
      while (fs.statSync(file).size < before + 500_000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(fs.statSync(file).size).toBeGreaterThanOrEqual(before + 500_000);
    } finally {
      await fresh.close();
      fresh.removeData();
    }
  });

  it('replace twice gives the same rows; append doubles them', async () => {
    const rows = range(1500).map((i) => [i, `row ${i}`]);
    await store.writeTable('counted', rows, { mode: 'replace', columns: ['n', 'label'] });
    await store.writeTable('counted', rows, { mode: 'replace', columns: ['n', 'label'] });
    expect((await store.describeTable('counted'))!.row_count).toBe(1500);
    await store.writeTable('counted', rows, { mode: 'append', columns: ['label', 'n'].reverse() });
    expect((await store.describeTable('counted'))!.row_count).toBe(3000);
  });

  it('a failing or aborted write leaves the old table untouched', async () => {
    await store.writeTable('kept', range(10).map((i) => [i]), { mode: 'replace', columns: ['n'] });
    await expect(store.writeTable('kept', rowsOf(range(5000).map((i) => [i * 2]), 2500), { mode: 'replace', columns: ['n'] })).rejects.toThrow('source failed after 2500 rows');
    await expect(store.writeTable('kept', rowsOf(range(5000).map((i) => [i]), 2500), { mode: 'append', columns: ['n'] })).rejects.toThrow('source failed');
    const controller = new AbortController();
    let seen = 0;
    async function* aborting() {
      for (const i of range(5000)) {
        if (++seen === 1000) controller.abort(new Error('cancelled by test'));
        yield [i];
      }
    }
    await expect(store.writeTable('kept', aborting(), { mode: 'replace', columns: ['n'], signal: controller.signal })).rejects.toThrow('cancelled by test');
    const kept = await store.describeTable('kept');
    expect(kept!.row_count).toBe(10);
    expect((await app.get('/api/data/tables')).body.items.map((t: { name: string }) => t.name).some((name: string) => name.startsWith('_pif_'))).toBe(false);
  });

  it('refuses bad names, mismatched appends and too-wide rows with a precise DataStoreError', async () => {
    await expect(store.writeTable('drop table', [], { mode: 'replace', columns: ['a'] })).rejects.toThrow(DataStoreError);
    await expect(store.writeTable('select', [], { mode: 'replace', columns: ['a'] })).rejects.toThrow('reserved');
    await expect(store.writeTable('dupes', [], { mode: 'replace', columns: ['a', 'A'] })).rejects.toThrow("duplicate column name 'A'");
    await expect(store.writeTable('counted', [[1]], { mode: 'append', columns: ['n'] })).rejects.toThrow("cannot append to 'counted'");
    await expect(store.writeTable('wide', [[1, 2]], { mode: 'replace', columns: ['a'] })).rejects.toThrow('row 1 has 2 values but the table has 1 columns');
  });

  it('streams read-only queries and refuses anything else', async () => {
    const rows: Record<string, unknown>[] = [];
    for await (const row of store.query('SELECT n, label FROM counted WHERE n < ? ORDER BY n', [3])) rows.push(row);
    expect(rows).toEqual([
      { n: 0, label: 'row 0' },
      { n: 0, label: 'row 0' },
      { n: 1, label: 'row 1' },
      { n: 1, label: 'row 1' },
      { n: 2, label: 'row 2' },
      { n: 2, label: 'row 2' },
    ]);
    let count = 0;
    for await (const _row of store.query('SELECT * FROM counted')) count++;
    expect(count).toBe(3000);
    if (!ON_POSTGRES) {
      // SQLite parameters bind as node-sqlite3 bound them: booleans as 1/0, dates as epoch milliseconds, integers as integers.
      const bound: Record<string, unknown>[] = [];
      const when = new Date(Date.UTC(2026, 0, 2));
      for await (const row of store.query('SELECT ? AS yes, ? AS no, ? AS at, typeof(?) AS kind', [true, false, when, 7])) bound.push(row);
      expect(bound).toEqual([{ yes: 1, no: 0, at: when.getTime(), kind: 'integer' }]);
    }
    const drain = async (sql: string) => {
      for await (const _row of store.query(sql)) void _row;
    };
    await expect(drain('DELETE FROM counted')).rejects.toThrow('not DELETE');
    await expect(drain('SELECT * FROM missing_table')).rejects.toThrow('query failed');
    expect((await store.describeTable('counted'))!.row_count).toBe(3000);
  });

  it('answers unknown tables and bad cursors with problems', async () => {
    expectProblem(await app.get('/api/data/tables/nope/rows'), 404, 'table-not-found');
    expectProblem(await app.get('/api/data/tables/sqlite_master/rows'), 404, 'table-not-found');
    expectProblem(await app.get(`/api/data/tables/${encodeURIComponent('people"; DROP TABLE people; --')}/rows`), 404, 'table-not-found');
    expectProblem(await app.get('/api/data/tables/people/rows?cursor=bogus'), 400, 'validation-failed');
    expectProblem(await app.get('/api/data/tables/people/rows?limit=0'), 400, 'validation-failed');
    expect((await store.describeTable('people'))!.row_count).toBe(3);
  });
});

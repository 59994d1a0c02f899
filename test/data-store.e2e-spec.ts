import { DataStoreError, DataStoreService } from '../src/sdk';
import { expectProblem, TestApp } from './helpers/test-app';

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

  it('widens a column whose later rows need a wider type', async () => {
    const rows = [...range(1200).map((i) => [i]), ['not a number']];
    const result = await store.writeTable('widened', rows, { mode: 'replace', columns: ['value'] });
    expect(result.columns).toEqual([{ name: 'value', type: 'TEXT' }]);
    expect((await store.describeTable('widened'))!.columns).toEqual([{ name: 'value', type: 'TEXT' }]);
    const reals = await store.writeTable('reals', [...range(1200).map((i) => [i]), [0.5]], { mode: 'replace', columns: ['value'] });
    expect(reals.columns).toEqual([{ name: 'value', type: 'REAL' }]);
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

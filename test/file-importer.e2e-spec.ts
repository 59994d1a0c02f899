import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataStoreService } from '../src/sdk';
import { expectProblem, TestApp } from './helpers/test-app';

const INSTANCES = '/api/plugins/instances';
const FIXTURES = path.resolve(__dirname, 'fixtures', 'files');

describe('file_importer (e2e)', () => {
  let app: TestApp;
  let outside: string;
  let counter = 0;

  const write = (relative: string, content: string | Buffer): string => {
    const target = path.join(app.dataDir, 'imports', relative);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
    return `imports/${relative}`;
  };
  const create = (config: Record<string, unknown>) => app.post(INSTANCES, { template_id: 'file_importer', name: `importer ${++counter}`, config });
  const execute = async (id: string) => {
    const response = await app.post(`${INSTANCES}/${id}/execute`);
    expect(response.status).toBe(200);
    return response.body;
  };
  const run = async (config: Record<string, unknown>) => {
    const created = await create(config);
    expect(created.status).toBe(201);
    return { id: created.body.id as string, execution: await execute(created.body.id) };
  };
  const rows = async (table: string): Promise<Record<string, unknown>[]> => {
    const all: Record<string, unknown>[] = [];
    let url = `/api/data/tables/${table}/rows?limit=500`;
    for (;;) {
      const page = await app.get(url);
      expect(page.status).toBe(200);
      all.push(...page.body.items);
      if (!page.body.next_cursor) return all;
      url = `/api/data/tables/${table}/rows?limit=500&cursor=${encodeURIComponent(page.body.next_cursor)}`;
    }
  };
  const describeTable = (name: string) => app.app.get(DataStoreService).describeTable(name);
  const expectFailure = (execution: any, message: string | RegExp) => {
    expect(execution.status).toBe('failed');
    expect(execution.error.type).toBe('handler_error');
    if (typeof message === 'string') expect(execution.error.message).toBe(message);
    else expect(execution.error.message).toMatch(message);
  };

  beforeAll(async () => {
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-outside-'));
    app = await TestApp.start();
    fs.mkdirSync(path.join(app.dataDir, 'fixtures'), { recursive: true });
    for (const name of fs.readdirSync(FIXTURES)) fs.copyFileSync(path.join(FIXTURES, name), path.join(app.dataDir, 'fixtures', name));
  });
  afterAll(async () => {
    await app.close();
    app.removeData();
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('is listed as a file_importer template whose schema documents the column rule', async () => {
    const response = await app.get('/api/plugins/templates/file_importer');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: 'file_importer', category: 'file_importer', version: '1.0.0' });
    expect(response.body.config_schema.description).toMatch(/first record/);
    expect(response.body.config_schema.additionalProperties).toBe(false);
  });

  it('imports a top-level JSON array: typed columns, nested values as JSON text, booleans as 1/0', async () => {
    const file = write(
      'people.json',
      JSON.stringify([
        { id: 1, 'Full name': 'Ada Lovelace', badge: '007', score: 9.5, active: true, tags: ['math', 'engines'], address: { city: 'London' } },
        { id: 2, 'Full name': 'Grace Hopper', badge: '0042', score: 10, active: false, tags: [], address: null },
        { 'Full name': 'Katherine Johnson', id: 3 },
      ]),
    );
    const { id, execution } = await run({ file_path: file, table_name: 'people' });
    expect(execution.status).toBe('succeeded');
    expect(execution.result).toEqual({
      rows_imported: 3,
      columns: [
        { name: 'id', type: 'INTEGER' },
        { name: 'Full name', type: 'TEXT' },
        { name: 'badge', type: 'TEXT' },
        { name: 'score', type: 'REAL' },
        { name: 'active', type: 'INTEGER' },
        { name: 'tags', type: 'TEXT' },
        { name: 'address', type: 'TEXT' },
      ],
      table_name: 'people',
      file_path: file,
      file_type: 'json',
      mode: 'replace',
      duration_ms: expect.any(Number),
    });
    // Results are stored and served as JSON text, so their field order is part of what clients see.
    expect(Object.keys(execution.result)).toEqual(['rows_imported', 'columns', 'table_name', 'file_path', 'file_type', 'mode', 'duration_ms']);
    expect(execution.progress).toEqual({ current: 3, total: 3, message: '3 records imported' });
    const logs = await app.get(`/api/plugins/executions/${execution.id}/logs`);
    expect(logs.body.items.map((line: { level: string; message: string }) => [line.level, line.message])).toEqual([
      ['info', `importing JSON ${file} into 'people' with 7 columns`],
      ['info', "imported 3 records into 'people' (replace)"],
    ]);
    expect(await rows('people')).toEqual([
      { id: 1, 'Full name': 'Ada Lovelace', badge: '007', score: 9.5, active: 1, tags: '["math","engines"]', address: '{"city":"London"}' },
      { id: 2, 'Full name': 'Grace Hopper', badge: '0042', score: 10, active: 0, tags: '[]', address: null },
      { id: 3, 'Full name': 'Katherine Johnson', badge: null, score: null, active: null, tags: null, address: null },
    ]);
    expect((await app.get(`${INSTANCES}/${id}`)).body.status).toBe('active');
  });

  it('imports the records at a JSON Pointer; an unknown field fails unless declared or ignored', async () => {
    const strict = await run({ file_path: 'fixtures/instruments.json', table_name: 'instruments', records_pointer: '/data/items' });
    expectFailure(strict.execution, "record 3 has unknown field 'owner' (columns: asset_tag, name, room, price, active, tags)");
    expect(await describeTable('instruments')).toBeNull();

    const ignoring = await run({ file_path: 'fixtures/instruments.json', table_name: 'instruments', records_pointer: '/data/items', ignore_unknown_fields: true });
    expect(ignoring.execution.result).toMatchObject({ rows_imported: 3 });
    expect((await rows('instruments'))[2]).toEqual({ asset_tag: '01001', name: 'Centrifuge', room: null, price: 18500, active: 0, tags: null });

    const declared = await run({ file_path: 'fixtures/instruments.json', table_name: 'instruments_owned', records_pointer: '/data/items', columns: ['asset_tag', 'owner'] });
    expect(declared.execution.result.columns.map((c: { name: string }) => c.name)).toEqual(['asset_tag', 'owner', 'name', 'room', 'price', 'active', 'tags']);
    expect((await rows('instruments_owned'))[2]).toMatchObject({ asset_tag: '01001', owner: '{"pi":"Hopper","lab":"C-3"}' });
  });

  it('follows escaped pointer tokens and array indices', async () => {
    const file = write('nested.json', JSON.stringify({ 'a/b': [{ 'x~y': [{ k: 1 }, { k: 2 }] }] }));
    const { execution } = await run({ file_path: file, table_name: 'nested', records_pointer: '/a~1b/0/x~0y' });
    expect(execution.result.rows_imported).toBe(2);
    expect(await rows('nested')).toEqual([{ k: 1 }, { k: 2 }]);
  });

  it('fails precisely when the records are not where the pointer says, or are not objects', async () => {
    const file = write('shape.json', JSON.stringify({ data: { items: { not: 'an array' } }, list: [{ a: 1 }, [1, 2]] }));
    expectFailure((await run({ file_path: file, table_name: 'shape' })).execution, `the top-level value of ${file} is an object, not an array of records: set records_pointer to the array of records (e.g. /data)`);
    expectFailure((await run({ file_path: file, table_name: 'shape', records_pointer: '/data/items' })).execution, "the value at records_pointer '/data/items' is an object, not an array of records");
    expectFailure((await run({ file_path: file, table_name: 'shape', records_pointer: '/data/missing' })).execution, `records_pointer '/data/missing' matches nothing in ${file}`);
    expectFailure((await run({ file_path: file, table_name: 'shape', records_pointer: '/list' })).execution, 'record 2 is an array, not an object');
    expectFailure((await run({ file_path: write('scalars.json', '[1,2]'), table_name: 'shape' })).execution, 'record 1 is a number, not an object');
    expectFailure((await run({ file_path: write('broken.json', '[{"a":1},{"a":'), table_name: 'shape' })).execution, /^invalid JSON in imports\/broken\.json: /);
    expect(await describeTable('shape')).toBeNull();
  });

  it('imports NDJSON (.ndjson and .jsonl): blank and whitespace lines skipped, CRLF and a BOM tolerated', async () => {
    const lines = ['\ufeff{"doi":"10.1000/1","title":"First","year":2021}', '', '   ', '{"doi":"10.1000/2","title":"Second","year":2022,"authors":null}'];
    const file = write('pubs.ndjson', lines.join('\r\n') + '\r\n');
    const failing = await run({ file_path: file, table_name: 'pubs' });
    expectFailure(failing.execution, "line 4: record 2 has unknown field 'authors' (columns: doi, title, year)");

    const { execution } = await run({ file_path: file, table_name: 'pubs', columns: ['doi', 'title', 'year', 'authors'] });
    expect(execution.result).toMatchObject({ rows_imported: 2, file_type: 'ndjson' });
    expect(await rows('pubs')).toEqual([
      { doi: '10.1000/1', title: 'First', year: 2021, authors: null },
      { doi: '10.1000/2', title: 'Second', year: 2022, authors: null },
    ]);

    const jsonl = await run({ file_path: write('pubs.jsonl', '{"a":1}\n{"a":2}'), table_name: 'pubs_jsonl' });
    expect(jsonl.execution.result).toMatchObject({ rows_imported: 2, file_type: 'ndjson' });
  });

  it('fails on a bad NDJSON line with its line number, leaving the old table intact', async () => {
    const good = Array.from({ length: 1200 }, (_, i) => JSON.stringify({ n: i + 1, label: `item ${i + 1}` }));
    const file = write('items.ndjson', good.join('\n') + '\n');
    const id = (await create({ file_path: file, table_name: 'items' })).body.id;
    expect((await execute(id)).result.rows_imported).toBe(1200);

    write('items.ndjson', [...good, '', ...good.slice(0, 900), '{"n": 9999, "label": }', '{"n":1}'].join('\n') + '\n');
    const failed = await execute(id);
    expectFailure(failed, /^line 2102: /);
    expect(failed.error.message).toContain('JSON');
    expect((await describeTable('items'))!.row_count).toBe(1200);

    write('items.ndjson', '{"n":1}\n"just a string"\n');
    expectFailure(await execute(id), 'line 2: record 2 is a string, not an object');
  });

  it('replaces by default and appends when asked', async () => {
    const file = write('append.json', JSON.stringify([{ k: 'a' }, { k: 'b' }]));
    const replace = (await create({ file_path: file, table_name: 'json_replace' })).body.id;
    await execute(replace);
    await execute(replace);
    expect(await rows('json_replace')).toEqual([{ k: 'a' }, { k: 'b' }]);

    const append = (await create({ file_path: file, table_name: 'json_append', replace_existing: false })).body.id;
    await execute(append);
    expect((await execute(append)).result).toMatchObject({ rows_imported: 2, mode: 'append' });
    expect(await rows('json_append')).toEqual([{ k: 'a' }, { k: 'b' }, { k: 'a' }, { k: 'b' }]);
  });

  it('creates an empty table from declared columns; with no records and no columns it fails', async () => {
    const file = write('none.json', '[]');
    const empty = await run({ file_path: file, table_name: 'empty_declared', columns: ['id', 'name'] });
    expect(empty.execution.result).toMatchObject({ rows_imported: 0 });
    expect(await describeTable('empty_declared')).toMatchObject({ row_count: 0, columns: [{ name: 'id' }, { name: 'name' }] });
    expectFailure((await run({ file_path: file, table_name: 'empty_none' })).execution, 'no records in imports/none.json and no columns configured: nothing to create');
    expectFailure((await run({ file_path: write('blank.json', '[{}]'), table_name: 'empty_none' })).execution, 'record 1 has no fields and no columns are configured');
  });

  it('imports examples/publications.ndjson', async () => {
    fs.copyFileSync(path.resolve(__dirname, '..', 'examples', 'publications.ndjson'), path.join(app.dataDir, 'imports', 'publications.ndjson'));
    const { execution } = await run({ file_path: 'imports/publications.ndjson', table_name: 'example_publications' });
    expect(execution.result).toMatchObject({ rows_imported: 5, file_type: 'ndjson' });
    expect(execution.result.columns).toEqual([
      { name: 'doi', type: 'TEXT' },
      { name: 'title', type: 'TEXT' },
      { name: 'year', type: 'INTEGER' },
      { name: 'journal', type: 'TEXT' },
      { name: 'authors', type: 'TEXT' },
      { name: 'open_access', type: 'INTEGER' },
      { name: 'citations', type: 'INTEGER' },
    ]);
    expect((await rows('example_publications'))[4]).toEqual({
      doi: '10.1000/lab.2022.031',
      title: 'A shared booking model for core facilities',
      year: 2022,
      journal: null,
      authors: '["K. Johnson","A. Lovelace"]',
      open_access: 0,
      citations: 0,
    });
  });

  it('fails with "file not found" naming the configured path', async () => {
    expectFailure((await run({ file_path: 'imports/nothing.ndjson', table_name: 'nothing_here' })).execution, 'file not found: imports/nothing.ndjson');
  });

  it('rejects bad configs at create time with the field named', async () => {
    fs.writeFileSync(path.join(outside, 'secret.json'), '[]');
    fs.mkdirSync(path.join(app.dataDir, 'imports'), { recursive: true });
    fs.symlinkSync(path.join(outside, 'secret.json'), path.join(app.dataDir, 'imports', 'link.json'));
    const cases: [Record<string, unknown>, string][] = [
      [{ file_path: '../x.json', table_name: 't' }, '/config/file_path'],
      [{ file_path: path.join(outside, 'secret.json'), table_name: 't' }, '/config/file_path'],
      [{ file_path: 'imports/link.json', table_name: 't' }, '/config/file_path'],
      [{ file_path: 'imports/data.xml', table_name: 't' }, '/config/file_path'],
      [{ file_path: 'imports/x.json', table_name: '9lives' }, '/config/table_name'],
      [{ file_path: 'imports/x.json', table_name: 'order' }, '/config/table_name'],
      [{ file_path: 'imports/x.json', table_name: 't', records_pointer: 'data/items' }, '/config/records_pointer'],
      [{ file_path: 'imports/x.ndjson', table_name: 't', records_pointer: '/data' }, '/config/records_pointer'],
      [{ file_path: 'imports/x.json', table_name: 't', columns: ['a', 'a'] }, '/config/columns'],
    ];
    for (const [config, pointer] of cases) {
      const response = await create(config);
      expectProblem(response, 400, 'config-invalid');
      expect(response.body.errors).toEqual([{ path: pointer, message: expect.any(String) }]);
    }
  });
});

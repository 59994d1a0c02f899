import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import * as ExcelJS from 'exceljs';
import { ExporterTemplate } from '../plugins/exporter';
import { DataStoreService, ExecutionContext } from '../src/sdk';
import { expectProblem, TestApp } from './helpers/test-app';

const INSTANCES = '/api/plugins/instances';

/** Values that stress quoting: a comma, quotes, a newline, a CR, unicode beyond the BMP, empty and null. */
const SAMPLE_COLUMNS = ['id', 'name', 'value', 'note'];
const SAMPLE_ROWS = [
  [1, 'Ada', 1.5, 'plain'],
  [2, 'Zoë, "the" ünïcode ☃ 𝄞', 2.25, 'multi\nline'],
  [3, null, null, 'tab\there; cr\rend'],
  [4, '007', -3, ''],
];

describe('exporter (e2e)', () => {
  let app: TestApp;
  let store: DataStoreService;
  let exportRoot: string;
  let outside: string;
  let counter = 0;

  const createInstance = (config: Record<string, unknown>) =>
    app.post(INSTANCES, { template_id: 'exporter', name: `export ${++counter}`, config });

  /** Creates an instance, runs it, and returns the execution. */
  const runExport = async (config: Record<string, unknown>) => {
    const created = await createInstance(config);
    expect(created.status).toBe(201);
    const execution = await app.post(`${INSTANCES}/${created.body.id}/execute`);
    expect(execution.status).toBe(200);
    return execution.body;
  };

  const exported = (relative: string) => path.join(exportRoot, relative);
  const read = (relative: string) => fs.readFileSync(exported(relative), 'utf8');
  /** Every file below the export root, temporary ones included. */
  const listAll = (dir = exportRoot): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? listAll(full) : [path.relative(exportRoot, full)];
    });
  const expectNoTemporaryFiles = () => expect(listAll().filter((name) => name.endsWith('.tmp'))).toEqual([]);

  beforeAll(async () => {
    exportRoot = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pif-export-root-')));
    outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pif-export-outside-')));
    app = await TestApp.start({ env: { EXPORT_ROOT: exportRoot } });
    store = app.app.get(DataStoreService);
    await store.writeTable('samples', SAMPLE_ROWS, { mode: 'replace', columns: SAMPLE_COLUMNS });
    await store.writeTable('numbers', (function* () {
      for (let i = 1; i <= 5000; i++) yield [i, `n${i}`];
    })(), { mode: 'replace', columns: ['n', 'label'] });
  });
  afterAll(async () => {
    await app.close();
    app.removeData();
    fs.rmSync(exportRoot, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });
  afterEach(() => expectNoTemporaryFiles());

  it('exports a table to CSV with RFC 4180 quoting, creating parent folders, and reports what it wrote', async () => {
    const execution = await runExport({ source: { table: 'samples' }, format: 'csv', file_path: 'out/nested/samples.csv' });
    expect(execution).toMatchObject({ status: 'succeeded', error: null });
    const content = read('out/nested/samples.csv');
    expect(content).toBe(
      'id,name,value,note\n' +
        '1,Ada,1.5,plain\n' +
        '2,"Zoë, ""the"" ünïcode ☃ 𝄞",2.25,"multi\nline"\n' +
        '3,,,"tab\there; cr\rend"\n' +
        '4,007,-3,\n',
    );
    expect(execution.result).toEqual({
      rows_exported: 4,
      file_path: exported('out/nested/samples.csv'),
      format: 'csv',
      bytes: Buffer.byteLength(content),
      duration_ms: expect.any(Number),
    });
    // Round trip: parsing the file gives back every value as text (null as empty).
    expect(parse(content, { columns: true })).toEqual(
      SAMPLE_ROWS.map((row) => Object.fromEntries(SAMPLE_COLUMNS.map((column, i) => [column, row[i] === null ? '' : String(row[i])]))),
    );
    const instance = (await app.get(`${INSTANCES}/${execution.instance_id}`)).body;
    expect(instance).toMatchObject({ status: 'active', last_result: execution.result });
  });

  it('writes CSV without a header and with another delimiter', async () => {
    const execution = await runExport({ source: { table: 'samples' }, file_path: 'plain.csv', include_header: false, delimiter: ';' });
    expect(execution.status).toBe('succeeded');
    expect(execution.result.format).toBe('csv');
    expect(read('plain.csv')).toBe(
      '1;Ada;1.5;plain\n' + '2;"Zoë, ""the"" ünïcode ☃ 𝄞";2.25;"multi\nline"\n' + '3;;;"tab\there; cr\rend"\n' + '4;007;-3;\n',
    );
  });

  it('exports TSV', async () => {
    const execution = await runExport({ source: { table: 'samples' }, format: 'tsv', file_path: 'samples.tsv' });
    expect(execution.status).toBe('succeeded');
    expect(read('samples.tsv')).toBe(
      'id\tname\tvalue\tnote\n' +
        '1\tAda\t1.5\tplain\n' +
        '2\t"Zoë, ""the"" ünïcode ☃ 𝄞"\t2.25\t"multi\nline"\n' +
        '3\t\t\t"tab\there; cr\rend"\n' +
        '4\t007\t-3\t\n',
    );
    // Fields holding quotes, tabs or line breaks are quoted as in CSV, so a CSV parser reads the TSV back exactly.
    expect(parse(read('samples.tsv'), { delimiter: '\t', columns: true })).toEqual(
      SAMPLE_ROWS.map((row) => Object.fromEntries(SAMPLE_COLUMNS.map((column, i) => [column, row[i] === null ? '' : String(row[i])]))),
    );
  });

  it('exports JSON as one array of row objects, with types kept', async () => {
    const execution = await runExport({ source: { table: 'samples' }, format: 'json', file_path: 'samples.json' });
    expect(execution.status).toBe('succeeded');
    const expected = SAMPLE_ROWS.map((row) => Object.fromEntries(SAMPLE_COLUMNS.map((column, i) => [column, row[i]])));
    expect(read('samples.json')).toBe(`[\n${expected.map((row) => JSON.stringify(row)).join(',\n')}\n]\n`);
    expect(JSON.parse(read('samples.json'))).toEqual(expected);
    expect(execution.result).toMatchObject({ rows_exported: 4, format: 'json', bytes: fs.statSync(exported('samples.json')).size });
  });

  it('exports NDJSON, one object per line', async () => {
    const execution = await runExport({ source: { table: 'samples' }, format: 'ndjson', file_path: 'samples.ndjson' });
    expect(execution.status).toBe('succeeded');
    const expected = SAMPLE_ROWS.map((row) => Object.fromEntries(SAMPLE_COLUMNS.map((column, i) => [column, row[i]])));
    expect(read('samples.ndjson')).toBe(expected.map((row) => `${JSON.stringify(row)}\n`).join(''));
  });

  it('exports XLSX that Excel readers parse back to the same typed cells', async () => {
    const execution = await runExport({ source: { table: 'samples' }, format: 'xlsx', file_path: 'book.xlsx', sheet_name: 'Données' });
    expect(execution.status).toBe('succeeded');
    expect(execution.result).toMatchObject({ rows_exported: 4, format: 'xlsx', bytes: fs.statSync(exported('book.xlsx')).size });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(exported('book.xlsx'));
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['Données']);
    const sheet = workbook.worksheets[0];
    const values: unknown[][] = [];
    sheet.eachRow({ includeEmpty: true }, (row) => values.push((row.values as unknown[]).slice(1)));
    expect(values).toEqual([
      SAMPLE_COLUMNS,
      [1, 'Ada', 1.5, 'plain'],
      [2, 'Zoë, "the" ünïcode ☃ 𝄞', 2.25, 'multi\nline'],
      // XML cannot keep a carriage return: it reads back as a line feed. Null and '' are both an empty cell.
      [3, undefined, undefined, 'tab\there; cr\nend'],
      [4, '007', -3],
    ]);

    // Without a header the first row is data.
    const noHeader = await runExport({ source: { table: 'samples' }, format: 'xlsx', file_path: 'book-no-header.xlsx', include_header: false });
    expect(noHeader.status).toBe('succeeded');
    const second = new ExcelJS.Workbook();
    await second.xlsx.readFile(exported('book-no-header.xlsx'));
    expect(second.worksheets[0].name).toBe('Sheet1');
    expect(second.worksheets[0].rowCount).toBe(4);
    expect(second.worksheets[0].getRow(1).getCell(2).value).toBe('Ada');
  });

  it('exports the rows of a query with parameters, columns in the order the query names them', async () => {
    const execution = await runExport({
      source: { query: 'SELECT note, id * 10 AS tenfold, name FROM samples WHERE value > ? AND id <> ? ORDER BY id DESC', params: [0, 4] },
      file_path: 'query.csv',
    });
    expect(execution.status).toBe('succeeded');
    expect(execution.result.rows_exported).toBe(2);
    expect(read('query.csv')).toBe('note,tenfold,name\n"multi\nline",20,"Zoë, ""the"" ünïcode ☃ 𝄞"\nplain,10,Ada\n');
  });

  it('writes what is known for an empty result: the header of an empty table, nothing (or []) for an empty query', async () => {
    await store.writeTable('empty_table', [], { mode: 'replace', columns: ['a', 'b'] });
    expect((await runExport({ source: { table: 'empty_table' }, file_path: 'empty-table.csv' })).result.rows_exported).toBe(0);
    expect(read('empty-table.csv')).toBe('a,b\n');
    expect(await runExport({ source: { table: 'empty_table' }, format: 'xlsx', file_path: 'empty-table.xlsx' })).toMatchObject({ status: 'succeeded', result: { rows_exported: 0 } });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(exported('empty-table.xlsx'));
    expect((workbook.worksheets[0].getRow(1).values as unknown[]).slice(1)).toEqual(['a', 'b']);

    const none = { query: 'SELECT * FROM samples WHERE id > ?', params: [100] };
    expect((await runExport({ source: none, file_path: 'empty-query.csv' })).result).toMatchObject({ rows_exported: 0, bytes: 0 });
    expect(read('empty-query.csv')).toBe('');
    await runExport({ source: none, format: 'json', file_path: 'empty-query.json' });
    expect(read('empty-query.json')).toBe('[]\n');
    await runExport({ source: none, format: 'ndjson', file_path: 'empty-query.ndjson' });
    expect(read('empty-query.ndjson')).toBe('');
  });

  it('streams a larger table and reports progress', async () => {
    const execution = await runExport({ source: { table: 'numbers' }, format: 'ndjson', file_path: 'numbers.ndjson' });
    expect(execution.status).toBe('succeeded');
    expect(execution.result.rows_exported).toBe(5000);
    expect(execution.progress).toMatchObject({ current: 5000, total: 5000 });
    const lines = read('numbers.ndjson').trimEnd().split('\n');
    expect(lines).toHaveLength(5000);
    expect(lines[4999]).toBe('{"n":5000,"label":"n5000"}');
  });

  it('with overwrite false, fails on an existing file and leaves it untouched; overwrite true replaces it', async () => {
    fs.writeFileSync(exported('keep.csv'), 'original\n');
    const refused = await runExport({ source: { table: 'samples' }, file_path: 'keep.csv', overwrite: false });
    expect(refused).toMatchObject({ status: 'failed', result: null, error: { message: `file exists: ${exported('keep.csv')}` } });
    expect(read('keep.csv')).toBe('original\n');

    const replaced = await runExport({ source: { table: 'samples' }, file_path: 'keep.csv' });
    expect(replaced.status).toBe('succeeded');
    expect(read('keep.csv')).toMatch(/^id,name,value,note\n1,Ada/);

    const fresh = await runExport({ source: { table: 'samples' }, file_path: 'fresh.csv', overwrite: false });
    expect(fresh.status).toBe('succeeded');
    expect(read('fresh.csv')).toBe(read('keep.csv'));
  });

  it('refuses at create time, with 400, a path that leaves the export root (.., absolute outside, symlink out)', async () => {
    fs.symlinkSync(outside, path.join(exportRoot, 'escape'));
    try {
      const before = (await app.get(`${INSTANCES}/stats`)).body.total;
      for (const file_path of ['../outside.csv', 'a/../../outside.csv', path.join(outside, 'x.csv'), '/etc/passwd', 'escape/x.csv', 'escape']) {
        const response = await createInstance({ source: { table: 'samples' }, file_path });
        expectProblem(response, 400, 'config-invalid');
        expect(response.body.errors).toEqual([{ path: '/config/file_path', message: expect.any(String) }]);
      }
      expect((await app.get(`${INSTANCES}/stats`)).body.total).toBe(before);
      // An absolute path inside the root is fine.
      const inside = await runExport({ source: { table: 'samples' }, file_path: exported('absolute.csv') });
      expect(inside).toMatchObject({ status: 'succeeded', result: { file_path: exported('absolute.csv') } });
    } finally {
      fs.unlinkSync(path.join(exportRoot, 'escape'));
    }
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('refuses at create time a bad table name, a query that is not read-only, a mixed source and a bad sheet name', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ source: { table: 'bad-name' }, file_path: 'x.csv' }, '/config/source/table'],
      [{ source: { table: 'select' }, file_path: 'x.csv' }, '/config/source/table'],
      [{ source: { query: 'DELETE FROM samples' }, file_path: 'x.csv' }, '/config/source/query'],
      [{ source: { query: 'SELECT 1; DROP TABLE samples' }, file_path: 'x.csv' }, '/config/source/query'],
      [{ source: { table: 'samples', query: 'SELECT 1' }, file_path: 'x.csv' }, '/config/source'],
      [{ source: {}, file_path: 'x.csv' }, '/config/source/table'],
      [{ source: { table: 'samples', params: [1] }, file_path: 'x.csv' }, '/config/source'],
      [{ source: { table: 'samples' }, file_path: 'x.xlsx', format: 'xlsx', sheet_name: 'a/b' }, '/config/sheet_name'],
      [{ source: { table: 'samples' }, file_path: 'x.txt', format: 'xml' }, '/config/format'],
    ];
    for (const [config, pointer] of cases) {
      const response = await createInstance(config);
      expectProblem(response, 400, 'config-invalid');
      expect(response.body.errors).toEqual(expect.arrayContaining([{ path: pointer, message: expect.any(String) }]));
    }
    const validated = await app.post('/api/plugins/templates/exporter/validate', { config: { source: { query: 'PRAGMA table_info(samples)' }, file_path: 'x.csv' } });
    expect(validated.body).toMatchObject({ valid: false, errors: [{ path: '/config/source/query', message: expect.stringContaining('PRAGMA') }] });
  });

  it('fails precisely on a missing table, writing nothing', async () => {
    const execution = await runExport({ source: { table: 'no_such_table' }, file_path: 'missing/never.csv' });
    expect(execution).toMatchObject({ status: 'failed', error: { message: "table 'no_such_table' does not exist" } });
    expect(fs.existsSync(exported('missing/never.csv'))).toBe(false);
  });

  it.each(['csv', 'json', 'xlsx'])('removes the temporary file when the query fails part-way (%s), and keeps an older file', async (format) => {
    const file = `failing.${format}`;
    fs.writeFileSync(exported(file), 'previous\n');
    // abs() of the smallest integer overflows when row 4000 is reached (SQLite: "integer overflow", PostgreSQL: "bigint out of range").
    const execution = await runExport({
      source: { query: 'SELECT n, CASE WHEN n < 4000 THEN n ELSE abs(-9223372036854775807 - 1) END AS boom FROM numbers ORDER BY n' },
      format,
      file_path: file,
    });
    expect(execution).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(/integer overflow|bigint out of range/) } });
    expect(read(file)).toBe('previous\n');
    expect(listAll().filter((name) => name.startsWith('.failing'))).toEqual([]);
  });

  it.each(['csv', 'ndjson', 'xlsx'])('removes the temporary file when the run is aborted part-way (%s)', async (format) => {
    const controller = new AbortController();
    let temporarySeen = false;
    const ctx: ExecutionContext = {
      executionId: `abort-${format}`,
      instance: { id: 'direct', name: 'direct', template_id: 'exporter' },
      signal: controller.signal,
      trigger: { type: 'manual' },
      // Abort at the first progress report, while the temporary file is being written.
      progress: () => {
        temporarySeen ||= listAll().some((name) => name === `.aborted.${format}.abort-${format}.tmp`);
        controller.abort(new Error('cancelled by test'));
      },
      log: () => undefined,
    };
    const exporter = app.app.get(ExporterTemplate);
    const config = { source: { table: 'numbers' }, format, file_path: `aborted.${format}`, overwrite: true, include_header: true, sheet_name: 'Sheet1', delimiter: ',' };
    await expect(exporter.execute(config as never, ctx)).rejects.toThrow();
    expect(temporarySeen).toBe(true);
    expect(fs.existsSync(exported(`aborted.${format}`))).toBe(false);
  });
});

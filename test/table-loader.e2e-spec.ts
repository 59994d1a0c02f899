import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as ExcelJS from 'exceljs';
import { DataStoreService } from '../src/sdk';
import { expectProblem, TestApp } from './helpers/test-app';

const INSTANCES = '/api/plugins/instances';
const FIXTURES = path.resolve(__dirname, 'fixtures', 'files');

/** A zip of the given members, deflated, as a workbook writer would make it (for hand-written .xlsx parts). */
function zipOf(members: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(members)) {
    const data = Buffer.from(text, 'utf8');
    const packed = zlib.deflateRawSync(data);
    const fileName = Buffer.from(name, 'utf8');
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(8, 8);
    header.writeUInt32LE(zlib.crc32(data), 14);
    header.writeUInt32LE(packed.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    header.copy(central, 8, 6, 26); // flags, method, time, date, crc, sizes
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(header, fileName, packed);
    centrals.push(central, fileName);
    offset += 30 + fileName.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A one-sheet workbook from hand-written XML: the sheet's rows, the shared strings, styles' cellXfs numFmtIds. */
function workbookOf(sheetData: string, options: { strings?: string[]; formats?: number[]; date1904?: boolean; prefix?: string } = {}): Buffer {
  const main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const p = options.prefix ? `${options.prefix}:` : '';
  const ns = options.prefix ? `xmlns:${options.prefix}="${main}"` : `xmlns="${main}"`;
  return zipOf({
    'xl/workbook.xml':
      `<?xml version="1.0" encoding="UTF-8"?><${p}workbook ${ns} xmlns:rel="${rel}">${options.date1904 ? `<${p}workbookPr date1904="true"/>` : ''}` +
      `<${p}sheets><${p}sheet name="R&amp;D" sheetId="1" rel:id="rId1"/></${p}sheets></${p}workbook>`,
    'xl/_rels/workbook.xml.rels':
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      `<Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/data.xml"/>` +
      `<Relationship Id="rId2" Type="${rel}/sharedStrings" Target="/xl/strings.xml"/>` +
      `<Relationship Id="rId3" Type="${rel}/styles" Target="styles.xml"/></Relationships>`,
    'xl/strings.xml': `<${p}sst ${ns}>${(options.strings ?? []).map((text) => `<${p}si><${p}t>${text}</${p}t></${p}si>`).join('')}</${p}sst>`,
    'xl/styles.xml':
      `<${p}styleSheet ${ns}><${p}numFmts><${p}numFmt numFmtId="164" formatCode="dd&quot;.&quot;mm&quot;.&quot;yyyy"/></${p}numFmts>` +
      `<${p}cellXfs>${(options.formats ?? [0]).map((id) => `<${p}xf numFmtId="${id}"/>`).join('')}</${p}cellXfs></${p}styleSheet>`,
    'xl/worksheets/data.xml': `<${p}worksheet ${ns}><${p}sheetData>${sheetData}</${p}sheetData></${p}worksheet>`,
  });
}

describe('table_loader (e2e)', () => {
  let app: TestApp;
  let outside: string; // a directory outside every import root
  let extraRoot: string; // an absolute import root (IMPORT_ROOTS)
  let counter = 0;

  /** Writes a file under DATA_DIR/imports; returns the path relative to DATA_DIR, as a config names it. */
  const write = (relative: string, content: string | Buffer): string => {
    const target = path.join(app.dataDir, 'imports', relative);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
    return `imports/${relative}`;
  };
  const create = (config: Record<string, unknown>) => app.post(INSTANCES, { template_id: 'table_loader', name: `loader ${++counter}`, config });
  const execute = async (id: string) => {
    const response = await app.post(`${INSTANCES}/${id}/execute`);
    expect(response.status).toBe(200);
    return response.body;
  };
  /** Creates an instance and runs it once. */
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
    extraRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-import-root-'));
    app = await TestApp.start({ env: { IMPORT_ROOTS: extraRoot } });
  });
  afterAll(async () => {
    await app.close();
    app.removeData();
    fs.rmSync(outside, { recursive: true, force: true });
    fs.rmSync(extraRoot, { recursive: true, force: true });
  });

  it('is listed as a data_import template with a complete schema', async () => {
    const response = await app.get('/api/plugins/templates/table_loader');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: 'table_loader', category: 'data_import', version: '2.0.0', supports_multiple_instances: true });
    const schema = response.body.config_schema;
    expect(schema.required).toEqual(['file_path', 'table_name']);
    expect(schema.additionalProperties).toBe(false);
    for (const property of Object.values<any>(schema.properties)) {
      expect(typeof property.title).toBe('string');
      expect(typeof property.description).toBe('string');
    }
  });

  it('imports a CSV with a header: names and values exactly, typed columns, quoted fields', async () => {
    const file = write(
      'equipment.csv',
      [
        'Serial No.,Lab (room),Name,Price,Units,Notes',
        '007,B-201,"Centrifuge, large",1250.5,2,',
        '0042,C-3,Microscope,899,1,"line one',
        'line two"',
        'X-9,B-201,"Pipette ""P20""",12.75,40,ok',
      ].join('\r\n') + '\r\n',
    );
    const { id, execution } = await run({ file_path: file, table_name: 'equipment' });
    expect(execution.status).toBe('succeeded');
    expect(execution.result).toEqual({
      rows_imported: 3,
      columns: [
        { name: 'Serial No.', type: 'TEXT' },
        { name: 'Lab (room)', type: 'TEXT' },
        { name: 'Name', type: 'TEXT' },
        { name: 'Price', type: 'REAL' },
        { name: 'Units', type: 'INTEGER' },
        { name: 'Notes', type: 'TEXT' },
      ],
      table_name: 'equipment',
      file_path: file,
      file_type: 'csv',
      mode: 'replace',
      rows_padded: 0,
      warnings: [],
      duration_ms: expect.any(Number),
    });
    // Results are stored and served as JSON text, so their field order is part of what clients see.
    expect(Object.keys(execution.result)).toEqual(['rows_imported', 'columns', 'table_name', 'file_path', 'file_type', 'mode', 'rows_padded', 'warnings', 'duration_ms']);
    expect(execution.progress).toEqual({ current: 3, total: 3, message: '3 rows imported' });
    const logs = await app.get(`/api/plugins/executions/${execution.id}/logs`);
    expect(logs.body.items.map((line: { level: string; message: string }) => [line.level, line.message])).toEqual([
      ['info', `importing CSV ${file} into 'equipment' with 6 columns`],
      ['info', "imported 3 rows into 'equipment' (replace)"],
    ]);
    expect(await rows('equipment')).toEqual([
      { 'Serial No.': '007', 'Lab (room)': 'B-201', Name: 'Centrifuge, large', Price: 1250.5, Units: 2, Notes: null },
      { 'Serial No.': '0042', 'Lab (room)': 'C-3', Name: 'Microscope', Price: 899, Units: 1, Notes: 'line one\r\nline two' },
      { 'Serial No.': 'X-9', 'Lab (room)': 'B-201', Name: 'Pipette "P20"', Price: 12.75, Units: 40, Notes: 'ok' },
    ]);
    expect(await describeTable('equipment')).toEqual({
      name: 'equipment',
      row_count: 3,
      columns: [
        { name: 'Serial No.', type: 'TEXT' },
        { name: 'Lab (room)', type: 'TEXT' },
        { name: 'Name', type: 'TEXT' },
        { name: 'Price', type: 'REAL' },
        { name: 'Units', type: 'INTEGER' },
        { name: 'Notes', type: 'TEXT' },
      ],
    });
    const instance = (await app.get(`${INSTANCES}/${id}`)).body;
    expect(instance).toMatchObject({ status: 'active', last_result: execution.result });
  });

  it('imports TSV (.tsv and .tab) with tabs inside quotes kept', async () => {
    const content = 'Sample ID\tConcentration (ng/uL)\tOK\nS-001\t12.5\ttrue\nS-002\t\tfalse\n"S\t3"\t7\t\n';
    const tsv = await run({ file_path: write('samples.tsv', content), table_name: 'samples_tsv' });
    expect(tsv.execution).toMatchObject({ status: 'succeeded', result: { rows_imported: 3, file_type: 'tsv' } });
    expect(await rows('samples_tsv')).toEqual([
      { 'Sample ID': 'S-001', 'Concentration (ng/uL)': 12.5, OK: 'true' },
      { 'Sample ID': 'S-002', 'Concentration (ng/uL)': null, OK: 'false' },
      { 'Sample ID': 'S\t3', 'Concentration (ng/uL)': 7, OK: null },
    ]);
    const tab = await run({ file_path: write('samples.tab', content), table_name: 'samples_tab' });
    expect(tab.execution.result).toMatchObject({ rows_imported: 3, file_type: 'tsv' });
  });

  it('reads the shipped fixture files', async () => {
    fs.mkdirSync(path.join(app.dataDir, 'fixtures'), { recursive: true });
    for (const name of fs.readdirSync(FIXTURES)) fs.copyFileSync(path.join(FIXTURES, name), path.join(app.dataDir, 'fixtures', name));
    const csv = await run({ file_path: 'fixtures/instruments.csv', table_name: 'fixture_instruments' });
    expect(csv.execution).toMatchObject({ status: 'succeeded', result: { rows_imported: 4, file_type: 'csv' } });
    expect((await rows('fixture_instruments'))[0]).toEqual({ 'Asset Tag': '00317', Instrument: 'Confocal microscope', Room: 'B-201', 'Purchase price (USD)': 412000.5, 'In service': 'yes' });
    const semicolons = await run({ file_path: 'fixtures/orders_semicolon.txt', table_name: 'fixture_orders', delimiter: ';', quote: "'" });
    expect(semicolons.execution.status).toBe('succeeded');
    expect(await rows('fixture_orders')).toEqual([
      { order: 'PO-1', item: 'gloves; nitrile', qty: 20 },
      { order: 'PO-2', item: 'tips', qty: 960 },
    ]);
  });

  it('imports the example files shipped in examples/', async () => {
    const examples = path.resolve(__dirname, '..', 'examples');
    fs.mkdirSync(path.join(app.dataDir, 'examples'), { recursive: true });
    for (const name of ['equipment.csv', 'lab_resources_q1.tsv', 'pi_directory.xlsx']) fs.copyFileSync(path.join(examples, name), path.join(app.dataDir, 'examples', name));

    const equipment = await run({ file_path: 'examples/equipment.csv', table_name: 'example_equipment' });
    expect(equipment.execution.result).toMatchObject({ rows_imported: 8, file_type: 'csv' });
    expect((await rows('example_equipment'))[0]).toMatchObject({ 'Serial No.': '007', 'Lab (room)': 'B-201', 'Price (USD)': 412000.5 });

    const resources = await run({ file_path: 'examples/lab_resources_q1.tsv', table_name: 'example_resources' });
    expect(resources.execution.result).toMatchObject({ rows_imported: 6, file_type: 'tsv' });
    expect(resources.execution.result.columns).toContainEqual({ name: 'Hours booked', type: 'REAL' });

    const directory = await run({ file_path: 'examples/pi_directory.xlsx', table_name: 'example_pis' });
    expect(directory.execution.result).toMatchObject({ rows_imported: 6, sheet: 'Directory' });
    expect((await rows('example_pis'))[0]).toMatchObject({ PI: 'Ada Lovelace', Appointed: '2015-09-01', 'Accepting students': 1 });
    const grants = await run({ file_path: 'examples/pi_directory.xlsx', table_name: 'example_grants', sheet: 'Grants' });
    expect(grants.execution.result).toMatchObject({ rows_imported: 4, sheet: 'Grants' });
  });

  describe('xlsx', () => {
    let workbookPath: string;

    beforeAll(async () => {
      const workbook = new ExcelJS.Workbook();
      const directory = workbook.addWorksheet('Directory');
      directory.addRow(['PI', 'Lab (room)', 'Start date', 'Grant total', 'Active', 'Staff', 'Total cost']);
      directory.addRow(['Ada Lovelace', 'B-201', new Date(Date.UTC(2019, 8, 1)), 125000.5, true, 4, { formula: 'D2*2', result: 250001 }]);
      directory.addRow([{ richText: [{ text: 'Grace ' }, { font: { bold: true }, text: 'Hopper' }] }, '007', new Date(Date.UTC(2021, 0, 15, 9, 30)), 80000, false, null, null]);
      directory.addRow([]);
      directory.addRow(['Katherine Johnson', 'C-3', null, 0, true, 2, null]);
      directory.getColumn(3).numFmt = 'yyyy-mm-dd';
      const budgets = workbook.addWorksheet('Budgets 2024');
      budgets.addRow(['Account', 'Amount']);
      budgets.addRow(['A-100', 10.25]);
      budgets.addRow(['A-200', 99]);
      workbookPath = write('pi_directory.xlsx', Buffer.from(await workbook.xlsx.writeBuffer()));
    });

    it('imports the first sheet by default: numbers, dates, booleans, formula results, rich text, empty cells', async () => {
      const { execution } = await run({ file_path: workbookPath, table_name: 'pi_directory' });
      expect(execution.status).toBe('succeeded');
      expect(execution.result).toMatchObject({ rows_imported: 3, file_type: 'xlsx', sheet: 'Directory' });
      expect(Object.keys(execution.result)).toEqual(['rows_imported', 'columns', 'table_name', 'file_path', 'file_type', 'sheet', 'mode', 'rows_padded', 'warnings', 'duration_ms']);
      expect(await rows('pi_directory')).toEqual([
        { PI: 'Ada Lovelace', 'Lab (room)': 'B-201', 'Start date': '2019-09-01', 'Grant total': 125000.5, Active: 1, Staff: 4, 'Total cost': 250001 },
        { PI: 'Grace Hopper', 'Lab (room)': '007', 'Start date': '2021-01-15T09:30:00.000Z', 'Grant total': 80000, Active: 0, Staff: null, 'Total cost': null },
        { PI: 'Katherine Johnson', 'Lab (room)': 'C-3', 'Start date': null, 'Grant total': 0, Active: 1, Staff: 2, 'Total cost': null },
      ]);
      expect((await describeTable('pi_directory'))!.columns).toEqual([
        { name: 'PI', type: 'TEXT' },
        { name: 'Lab (room)', type: 'TEXT' },
        { name: 'Start date', type: 'TEXT' },
        { name: 'Grant total', type: 'REAL' },
        { name: 'Active', type: 'INTEGER' },
        { name: 'Staff', type: 'INTEGER' },
        { name: 'Total cost', type: 'INTEGER' },
      ]);
    });

    it('selects a sheet by name and by 0-based index', async () => {
      const byName = await run({ file_path: workbookPath, table_name: 'budgets_by_name', sheet: 'Budgets 2024' });
      expect(byName.execution.result).toMatchObject({ rows_imported: 2, sheet: 'Budgets 2024' });
      const byIndex = await run({ file_path: workbookPath, table_name: 'budgets_by_index', sheet: 1 });
      expect(byIndex.execution.result).toMatchObject({ rows_imported: 2, sheet: 'Budgets 2024' });
      const expected = [
        { Account: 'A-100', Amount: 10.25 },
        { Account: 'A-200', Amount: 99 },
      ];
      expect(await rows('budgets_by_name')).toEqual(expected);
      expect(await rows('budgets_by_index')).toEqual(expected);
    });

    it('keeps empty rows as nulls when skip_empty_lines is false', async () => {
      const { execution } = await run({ file_path: workbookPath, table_name: 'pi_with_blank', skip_empty_lines: false });
      expect(execution.result.rows_imported).toBe(4);
      expect((await rows('pi_with_blank'))[2]).toEqual({ PI: null, 'Lab (room)': null, 'Start date': null, 'Grant total': null, Active: null, Staff: null, 'Total cost': null });
    });

    it('fails precisely for a missing sheet name or index', async () => {
      const byName = await run({ file_path: workbookPath, table_name: 'nope', sheet: 'Summary' });
      expectFailure(byName.execution, "sheet 'Summary' not found (sheets: Directory, Budgets 2024)");
      const byIndex = await run({ file_path: workbookPath, table_name: 'nope', sheet: 2 });
      expectFailure(byIndex.execution, 'sheet index 2 not found (sheets: Directory, Budgets 2024)');
      expect(await describeTable('nope')).toBeNull();
    });

    // Writers order the zip differently: Excel puts sheets before the shared strings and styles, others put
    // the shared strings first and the workbook part last. Names, tab order and date formats must hold either way.
    it.each(['excel_order.xlsx', 'strings_first.xlsx'])('reads %s whatever order its zip parts are in', async (name) => {
      const target = path.join(app.dataDir, 'imports', 'order', name);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(path.join(FIXTURES, name), target);
      const table = name.replace('.xlsx', '');
      const expected = [
        { 'Serial No.': '007', Item: 'Centrifuge', Bought: '2020-03-01' },
        { 'Serial No.': '0042', Item: 'Microscope', Bought: '2022-11-30' },
      ];
      const byName = await run({ file_path: `imports/order/${name}`, table_name: `${table}_name`, sheet: 'Equipment' });
      expect(byName.execution.result).toMatchObject({ rows_imported: 2, sheet: 'Equipment' });
      expect(await rows(`${table}_name`)).toEqual(expected);
      const byIndex = await run({ file_path: `imports/order/${name}`, table_name: `${table}_index`, sheet: 1 });
      expect(byIndex.execution.result).toMatchObject({ rows_imported: 2, sheet: 'Equipment' });
      const first = await run({ file_path: `imports/order/${name}`, table_name: `${table}_first` });
      expect(first.execution.result).toMatchObject({ rows_imported: 1, sheet: 'Summary' });
      expect(await rows(`${table}_first`)).toEqual([{ Lab: 'B-201', 'Head count': 4 }]);
    });

    it('reports a ragged sheet row by its row number', async () => {
      const workbook = new ExcelJS.Workbook();
      const sheet = workbook.addWorksheet('Data');
      sheet.addRow(['a', 'b']);
      sheet.addRow([1, 2]);
      sheet.addRow([3, 4, 5]);
      const file = write('ragged.xlsx', Buffer.from(await workbook.xlsx.writeBuffer()));
      expectFailure((await run({ file_path: file, table_name: 'ragged_xlsx' })).execution, 'ragged row 3: expected 2 fields, found 3');
    });

    it('reads hand-written parts: prefixed elements, cells without r, inline rich text, 1904 dates, custom date formats', async () => {
      const sheetData =
        '<x:row r="1"><x:c t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c t="inlineStr"><x:is><x:t>Note</x:t></x:is></x:c><x:c t="s"><x:v>2</x:v></x:c></x:row>' +
        '<x:row r="3"><x:c s="1"><x:v>0</x:v></x:c><x:c s="2"><x:v>43844.5</x:v></x:c>' +
        '<x:c t="inlineStr"><x:is><x:r><x:t xml:space="preserve">Grace </x:t></x:r><x:r><x:t>&lt;Hopper&gt;</x:t></x:r></x:is></x:c><x:c t="e"><x:f>1/0</x:f><x:v>#DIV/0!</x:v></x:c></x:row>' +
        '<x:row r="4"><x:c r="D4" t="b"><x:v>1</x:v></x:c></x:row>';
      const file = write('hand_written.xlsx', workbookOf(sheetData, { strings: ['Day', 'When', 'Error'], formats: [0, 14, 164], date1904: true, prefix: 'x' }));
      const { execution } = await run({ file_path: file, table_name: 'hand_written', skip_empty_lines: false });
      expect(execution.result).toMatchObject({ rows_imported: 3, sheet: 'R&D' });
      expect(await rows('hand_written')).toEqual([
        { Day: null, When: null, Note: null, Error: null },
        { Day: '1904-01-01', When: '2024-01-15T12:00:00.000Z', Note: 'Grace <Hopper>', Error: '#DIV/0!' },
        { Day: null, When: null, Note: null, Error: '1' }, // a TEXT column: the boolean keeps its spelling
      ]);
    });

    it('fails precisely on a sheet whose XML is corrupt, naming the sheet', async () => {
      const file = write('corrupt_sheet.xlsx', workbookOf('<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></row>'));
      expectFailure((await run({ file_path: file, table_name: 'corrupt_sheet' })).execution, "cannot read sheet 'R&D' of imports/corrupt_sheet.xlsx: unexpected </row> (<c> is open)");
      expect(await describeTable('corrupt_sheet')).toBeNull();
    });

    it('fails precisely on a file that is not a workbook', async () => {
      const file = write('not_really.xlsx', 'a,b\n1,2\n');
      expectFailure((await run({ file_path: file, table_name: 'not_xlsx' })).execution, /^cannot read imports\/not_really\.xlsx as an \.xlsx workbook: /);
    });
  });

  it('names columns col_0, col_1, ... without a header', async () => {
    const { execution } = await run({ file_path: write('no_header.csv', '1,alpha,2.5\n2,beta,\n'), table_name: 'no_header', has_header: false });
    expect(execution.result).toMatchObject({ rows_imported: 2, columns: [{ name: 'col_0', type: 'INTEGER' }, { name: 'col_1', type: 'TEXT' }, { name: 'col_2', type: 'REAL' }] });
    expect(await rows('no_header')).toEqual([
      { col_0: 1, col_1: 'alpha', col_2: 2.5 },
      { col_0: 2, col_1: 'beta', col_2: null },
    ]);
  });

  it('drops a byte-order mark and reads utf16le and latin1', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id,name\n1,Zoë\n', 'utf8')]);
    await run({ file_path: write('bom.csv', bom), table_name: 'bom' });
    expect(await rows('bom')).toEqual([{ id: 1, name: 'Zoë' }]);

    await run({ file_path: write('utf16.csv', Buffer.from('\ufeffid,name\n2,Zoë\n', 'utf16le')), table_name: 'utf16', encoding: 'utf16le' });
    expect(await rows('utf16')).toEqual([{ id: 2, name: 'Zoë' }]);

    await run({ file_path: write('latin1.csv', Buffer.from('id,name\n3,Zoë\n', 'latin1')), table_name: 'latin1', encoding: 'latin1' });
    expect(await rows('latin1')).toEqual([{ id: 3, name: 'Zoë' }]);
  });

  it('makes duplicate and empty header names unique', async () => {
    const { execution } = await run({ file_path: write('dupes.csv', 'name,,name,Name, \na,b,c,d,e\n'), table_name: 'dupes' });
    expect(execution.result.columns.map((c: { name: string }) => c.name)).toEqual(['name', 'col_1', 'name_2', 'Name_3', 'col_4']);
    expect(await rows('dupes')).toEqual([{ name: 'a', col_1: 'b', name_2: 'c', Name_3: 'd', col_4: 'e' }]);
  });

  it('skips blank lines (or keeps them as null rows) and pads short rows with null', async () => {
    const content = '\n\nid,label,value\n1,a,10\n\n2,b\n3\n';
    const skipped = await run({ file_path: write('blanks.csv', content), table_name: 'blanks' });
    expect(skipped.execution.result.rows_imported).toBe(3);
    expect(skipped.execution.result.rows_padded).toBe(2);
    expect(skipped.execution.result.warnings).toEqual([
      { line: 6, message: 'short row: expected 3 fields, found 2; the missing fields are null' },
      { line: 7, message: 'short row: expected 3 fields, found 1; the missing fields are null' },
    ]);
    expect(await rows('blanks')).toEqual([
      { id: 1, label: 'a', value: 10 },
      { id: 2, label: 'b', value: null },
      { id: 3, label: null, value: null },
    ]);
    const kept = await run({ file_path: write('blanks.csv', content), table_name: 'blanks_kept', skip_empty_lines: false });
    expect(kept.execution.result.rows_imported).toBe(4);
    expect((await rows('blanks_kept'))[1]).toEqual({ id: null, label: null, value: null });
    // The kept blank line is a row of nulls by request, not a short row.
    expect(kept.execution.result).toMatchObject({ rows_padded: 2, warnings: [{ line: 6 }, { line: 7 }] });
  });

  it('says when it pads short rows: rows_padded counts them all, warnings name the first 100 by physical line, a log line sums up', async () => {
    const lines = ['id,note,value', '1,"two', 'lines",5', '2,x', '3,y,7'];
    for (let i = 0; i < 150; i++) lines.push(`${i + 4}`);
    const { id, execution } = await run({ file_path: write('short.csv', lines.join('\n') + '\n'), table_name: 'short_rows' });
    expect(execution.status).toBe('succeeded');
    expect(execution.result).toMatchObject({ rows_imported: 153, rows_padded: 151 });
    expect(execution.result.warnings).toHaveLength(100);
    expect(execution.result.warnings[0]).toEqual({ line: 4, message: 'short row: expected 3 fields, found 2; the missing fields are null' });
    expect(execution.result.warnings[1]).toEqual({ line: 6, message: 'short row: expected 3 fields, found 1; the missing fields are null' });
    expect(execution.result.warnings[99].line).toBe(104);
    expect((await rows('short_rows')).slice(0, 3)).toEqual([
      { id: 1, note: 'two\nlines', value: 5 },
      { id: 2, note: 'x', value: null },
      { id: 3, note: 'y', value: 7 },
    ]);
    const logs = await app.get(`/api/plugins/executions/${execution.id}/logs`);
    expect(logs.body.items.slice(-2).map((line: { level: string; message: string }) => [line.level, line.message])).toEqual([
      ['info', "imported 153 rows into 'short_rows' (replace)"],
      ['warn', 'padded 151 short rows with nulls (first at line 4); set strict_columns to refuse them'],
    ]);
    // A file without short rows says so too.
    write('short.csv', 'id,note,value\n1,a,2\n');
    expect((await execute(id)).result).toMatchObject({ rows_imported: 1, rows_padded: 0, warnings: [] });
  });

  it('strict_columns: a short row fails the run naming its line, and a replaced table stays as it was', async () => {
    const file = write('strict.tsv', 'id\tname\tscore\n1\tAda\t9\n2\tGrace\t8\n');
    const created = await create({ file_path: file, table_name: 'strict_rows', strict_columns: true });
    expect(created.status).toBe(201);
    expect(created.body.config.strict_columns).toBe(true);
    expect((await execute(created.body.id)).result).toMatchObject({ rows_imported: 2, rows_padded: 0, warnings: [] });

    const good = ['id\tname\tscore', ...Array.from({ length: 3000 }, (_, i) => `${i + 1}\tname ${i}\t${i}`)];
    write('strict.tsv', [...good, '3001\tshort', '3002\tlast\t1'].join('\n') + '\n');
    const failed = await execute(created.body.id);
    expectFailure(failed, 'short row 3002: expected 3 fields, found 2 (strict_columns is on)');
    expect(await rows('strict_rows')).toEqual([
      { id: 1, name: 'Ada', score: 9 },
      { id: 2, name: 'Grace', score: 8 },
    ]);
    // An append stops there too and adds nothing.
    const append = await create({ file_path: file, table_name: 'strict_rows', strict_columns: true, mode: 'append' });
    expectFailure(await execute(append.body.id), 'short row 3002: expected 3 fields, found 2 (strict_columns is on)');
    expect((await describeTable('strict_rows'))!.row_count).toBe(2);
    // Too-long rows fail with strict_columns off as well, as before.
    const ragged = await run({ file_path: write('long.tsv', 'a\tb\n1\t2\t3\n'), table_name: 'long_rows', strict_columns: false });
    expectFailure(ragged.execution, 'ragged row 2: expected 2 fields, found 3');
    expect((await create({ file_path: file, table_name: 'strict_bad', strict_columns: 'yes' })).status).toBe(400);
  });

  it('types a TSV column of .097-style rates as REAL, and keeps codes with leading zeros as TEXT', async () => {
    const tsv = ['instrument\trate\tdelta\tscale\tcode', 'NMR\t.097\t-.5\t1.5E+10\t007', 'MS\t.103\t+3\t1e-3\t0042', 'XRD\t0.25\t\t2\t12'].join('\n') + '\n';
    const { execution } = await run({ file_path: write('rates.tsv', tsv), table_name: 'rates' });
    expect(execution.status).toBe('succeeded');
    expect(execution.result.columns).toEqual([
      { name: 'instrument', type: 'TEXT' },
      { name: 'rate', type: 'REAL' },
      { name: 'delta', type: 'REAL' },
      { name: 'scale', type: 'REAL' },
      { name: 'code', type: 'TEXT' },
    ]);
    expect(await rows('rates')).toEqual([
      { instrument: 'NMR', rate: 0.097, delta: -0.5, scale: 15000000000, code: '007' },
      { instrument: 'MS', rate: 0.103, delta: 3, scale: 0.001, code: '0042' },
      { instrument: 'XRD', rate: 0.25, delta: null, scale: 2, code: '12' },
    ]);
    const sums: Record<string, unknown>[] = [];
    for await (const row of app.app.get(DataStoreService).query('SELECT SUM(rate) AS total FROM rates')) sums.push(row);
    expect(sums[0].total).toBeCloseTo(0.45, 10);
  });

  it('replacing twice gives the same rows; appending twice doubles them', async () => {
    const file = write('repeat.csv', 'id,v\n1,x\n2,y\n');
    const replace = (await create({ file_path: file, table_name: 'repeat_replace' })).body.id;
    await execute(replace);
    await execute(replace);
    expect(await rows('repeat_replace')).toEqual([
      { id: 1, v: 'x' },
      { id: 2, v: 'y' },
    ]);

    const append = (await create({ file_path: file, table_name: 'repeat_append', mode: 'append' })).body.id;
    expect((await execute(append)).result).toMatchObject({ rows_imported: 2, mode: 'append' });
    expect((await execute(append)).result).toMatchObject({ rows_imported: 2, mode: 'append' });
    expect(await rows('repeat_append')).toEqual([
      { id: 1, v: 'x' },
      { id: 2, v: 'y' },
      { id: 1, v: 'x' },
      { id: 2, v: 'y' },
    ]);
    expect((await describeTable('repeat_append'))!.row_count).toBe(4);
  });

  it('a failing replace (ragged row after several batches) leaves the old table intact', async () => {
    const good = ['id,name,score', ...Array.from({ length: 3000 }, (_, i) => `${i + 1},row ${i + 1},${i % 7}`)];
    const file = write('batches.csv', good.join('\n') + '\n');
    const id = (await create({ file_path: file, table_name: 'batches' })).body.id;
    expect((await execute(id)).result.rows_imported).toBe(3000);

    // Same table, a longer file whose line 5002 has one field too many.
    const longer = [...good, ...Array.from({ length: 2000 }, (_, i) => `${i + 3001},more,1`), '5001,bad,1,extra', '5002,after,1'];
    write('batches.csv', longer.join('\n') + '\n');
    const failed = await execute(id);
    expectFailure(failed, 'ragged row 5002: expected 3 fields, found 4');
    expect((await app.get(`${INSTANCES}/${id}`)).body.status).toBe('error');

    const info = await describeTable('batches');
    expect(info!.row_count).toBe(3000);
    const kept = await rows('batches');
    expect(kept[0]).toEqual({ id: 1, name: 'row 1', score: 0 });
    expect(kept[2999]).toEqual({ id: 3000, name: 'row 3000', score: 2999 % 7 });
  });

  it('reports the starting line of a ragged record that follows a multi-line field', async () => {
    const file = write('ragged_multiline.csv', 'a,b\n1,"two\nlines"\n\n2,3,4\n');
    expectFailure((await run({ file_path: file, table_name: 'ragged_ml' })).execution, 'ragged row 5: expected 2 fields, found 3');
  });

  it('fails precisely on malformed CSV', async () => {
    const file = write('unclosed.csv', 'a,b\n1,"never closed\n2,3\n');
    expectFailure((await run({ file_path: file, table_name: 'unclosed' })).execution, /^invalid CSV in imports\/unclosed\.csv: Quote Not Closed/);
  });

  // The fast scanner hands rare shapes and every error to csv-parse, mid-file: results and messages stay csv-parse's.
  it('reads a file whose line breaks change mid-file as csv-parse does (a stray \\r is data)', async () => {
    const lines = ['id,name', ...Array.from({ length: 4000 }, (_, i) => `${i + 1},row ${i + 1}`)];
    lines[3000] = '3000,carriage\r';
    const { execution } = await run({ file_path: write('mixed_breaks.csv', lines.join('\n') + '\n'), table_name: 'mixed_breaks' });
    expect(execution.result.rows_imported).toBe(4000);
    const all = await rows('mixed_breaks');
    expect(all[2999]).toEqual({ id: 3000, name: 'carriage\r' });
    expect(all[3999]).toEqual({ id: 4000, name: 'row 4000' });
  });

  it("reports csv-parse's message for a bad quote deep in the file", async () => {
    const lines = ['id,name', ...Array.from({ length: 4000 }, (_, i) => `${i + 1},row ${i + 1}`)];
    lines[3500] = '3500,"quoted"tail';
    const failed = (await run({ file_path: write('bad_quote.csv', lines.join('\n') + '\n'), table_name: 'bad_quote' })).execution;
    expectFailure(failed, /^invalid CSV in imports\/bad_quote\.csv: Invalid Closing Quote: got "t" at line 3501/);
    expect(await describeTable('bad_quote')).toBeNull();
  });

  it('counts \\r\\n inside a quoted field as one line break', async () => {
    const file = write('ragged_crlf.csv', 'a,b\r\n1,"two\r\nlines"\r\n2,3,4\r\n');
    expectFailure((await run({ file_path: file, table_name: 'ragged_crlf' })).execution, 'ragged row 4: expected 2 fields, found 3');
  });

  it('fails with "file not found" naming the configured path, and on an empty file', async () => {
    expectFailure((await run({ file_path: 'imports/missing.csv', table_name: 'missing' })).execution, 'file not found: imports/missing.csv');
    expectFailure((await run({ file_path: write('empty.csv', '\n\n'), table_name: 'empty' })).execution, 'imports/empty.csv is empty: nothing to import');
    fs.mkdirSync(path.join(app.dataDir, 'imports', 'a_dir.csv'), { recursive: true });
    expectFailure((await run({ file_path: 'imports/a_dir.csv', table_name: 'a_dir' })).execution, 'not a regular file: imports/a_dir.csv');
  });

  it('refuses .xls and unknown extensions at create time (400, /config/file_path)', async () => {
    const xls = await create({ file_path: 'imports/old.xls', table_name: 'old' });
    expectProblem(xls, 400, 'config-invalid');
    expect(xls.body.errors).toEqual([{ path: '/config/file_path', message: expect.stringMatching(/^unsupported file type \.xls: save it as \.xlsx/) }]);

    const unknown = await create({ file_path: 'imports/data.parquet', table_name: 'pq' });
    expectProblem(unknown, 400, 'config-invalid');
    expect(unknown.body.errors[0]).toEqual({ path: '/config/file_path', message: expect.stringMatching(/^unsupported file type \(\.parquet\)/) });

    // An explicit type is the user's call: a .dat file read as CSV.
    const dat = await run({ file_path: write('export.dat', 'k,v\na,1\n'), table_name: 'dat', file_type: 'csv' });
    expect(dat.execution.result).toMatchObject({ rows_imported: 1, file_type: 'csv' });
  });

  it('rejects paths outside the import roots at create time (400, /config/file_path)', async () => {
    fs.writeFileSync(path.join(outside, 'secret.csv'), 'a\n1\n');
    fs.mkdirSync(path.join(app.dataDir, 'imports'), { recursive: true });
    fs.symlinkSync(path.join(outside, 'secret.csv'), path.join(app.dataDir, 'imports', 'link.csv'));
    fs.symlinkSync(outside, path.join(app.dataDir, 'imports', 'linked_dir'));

    for (const filePath of ['../outside.csv', 'imports/../../outside.csv', path.join(outside, 'secret.csv'), '/etc/hosts.csv', 'imports/link.csv', 'imports/linked_dir/secret.csv']) {
      const response = await create({ file_path: filePath, table_name: 'escaped' });
      expectProblem(response, 400, 'config-invalid');
      expect(response.body.errors).toEqual([{ path: '/config/file_path', message: expect.any(String) }]);
    }
    // The template's validate endpoint gives the same answer.
    const validation = await app.post('/api/plugins/templates/table_loader/validate', { config: { file_path: '../x.csv', table_name: 't' } });
    expect(validation.body.valid).toBe(false);
    expect(validation.body.errors).toEqual([{ path: '/config/file_path', message: expect.stringContaining('..') }]);
    expect(await describeTable('escaped')).toBeNull();
  });

  it('accepts an absolute path under IMPORT_ROOTS', async () => {
    const file = path.join(extraRoot, 'shared.csv');
    fs.writeFileSync(file, 'x,y\n1,2\n');
    const { execution } = await run({ file_path: file, table_name: 'shared' });
    expect(execution.result).toMatchObject({ rows_imported: 1, file_path: file });
  });

  it('rejects bad table names at create time (400, /config/table_name)', async () => {
    for (const table_name of ['1st', 'lab-data', 'select', '_pif_staging', 'sqlite_master']) {
      const response = await create({ file_path: 'imports/x.csv', table_name });
      expectProblem(response, 400, 'config-invalid');
      expect(response.body.errors).toEqual([{ path: '/config/table_name', message: expect.any(String) }]);
    }
  });

  // Opt-in (PIF_BIG_IMPORT=1): ~90 MB of CSV, about a minute. Memory must not grow with the file.
  (process.env.PIF_BIG_IMPORT ? it : it.skip)(
    'imports a 1,000,000-row, 10-column CSV in flat memory',
    async () => {
      const target = path.join(app.dataDir, 'imports', 'million.csv');
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const out = fs.createWriteStream(target);
      out.write('id,sample,lab,value,count,flag,note,batch,ratio,code\n');
      for (let start = 1; start <= 1_000_000; start += 10_000) {
        let chunk = '';
        for (let i = start; i < start + 10_000; i++) chunk += `${i},S-${i},Lab ${i % 40},${(i * 0.37).toFixed(2)},${i % 1000},${i % 2},"note, ${i}",B${i % 97},0.${i % 10},${String(i % 100).padStart(3, '0')}\n`;
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      await new Promise<void>((resolve) => out.end(() => resolve()));

      // RSS includes native memory (SQLite's cache and journal); the JS heap is what would grow with rows held.
      const before = process.memoryUsage();
      const peak = { rss: before.rss, heapUsed: before.heapUsed };
      const sampler = setInterval(() => {
        const now = process.memoryUsage();
        peak.rss = Math.max(peak.rss, now.rss);
        peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
      }, 100);
      const started = Date.now();
      const { execution } = await run({ file_path: 'imports/million.csv', table_name: 'million' });
      clearInterval(sampler);
      expect(execution).toMatchObject({ status: 'succeeded', result: { rows_imported: 1_000_000 } });
      expect((await describeTable('million'))!.row_count).toBe(1_000_000);
      const mb = (bytes: number) => Math.round(bytes / 1e6);
      console.log(
        `1M-row CSV: ${Date.now() - started} ms; RSS ${mb(before.rss)} -> peak ${mb(peak.rss)} MB; JS heap ${mb(before.heapUsed)} -> peak ${mb(peak.heapUsed)} MB`,
      );
      expect(peak.heapUsed - before.heapUsed).toBeLessThan(256 * 1024 * 1024);
    },
    600_000,
  );

  it('rejects unknown options and bad option values at create time', async () => {
    for (const [config, pointer] of [
      [{ file_path: 'imports/x.csv', table_name: 't', header: true }, '/config/header'],
      [{ file_path: 'imports/x.csv', table_name: 't', encoding: 'utf32' }, '/config/encoding'],
      [{ file_path: 'imports/x.csv', table_name: 't', quote: '""' }, '/config/quote'],
      [{ file_path: 'imports/x.csv', table_name: 't', sheet: -1 }, '/config/sheet'],
      [{ file_path: 'imports/x.csv', table_name: 't', delimiter: '"' }, '/config/delimiter'],
      [{ file_path: 'imports/x.csv', table_name: 't', delimiter: '\n' }, '/config/delimiter'],
    ] as const) {
      const response = await create(config);
      expectProblem(response, 400, 'config-invalid');
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(pointer);
    }
  });
});

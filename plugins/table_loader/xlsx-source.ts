import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as ExcelJS from 'exceljs';
import { ZipDirectory } from './zip-directory';

/** A cell value as stored: numbers stay numbers, everything else is text or null. */
export type SheetValue = string | number | null;

/** One sheet row: its 1-based row number and its values up to the last non-empty cell. */
export interface SheetRow {
  line: number;
  values: SheetValue[];
}

export interface XlsxSourceOptions {
  /** A sheet name, a 0-based index in tab order (hidden sheets count), or undefined for the first sheet. */
  sheet?: string | number;
  /** Emit rows with no values (and rows missing from the file between two others) as all-null rows. */
  keepEmptyRows: boolean;
  displayPath: string;
  /** Called once the sheet is found, with its name. */
  onSheet?: (name: string) => void;
  signal?: AbortSignal;
}

interface Relationship {
  Id: string;
  Type: string;
  Target: string;
}

/**
 * The parts of exceljs' streaming WorkbookReader we drive ourselves (exceljs 4.4; its type declarations
 * leave them out). Each parses one zip member given as a stream; we choose which members and in what order.
 */
interface WorkbookParts {
  model?: { sheets?: { name: string; id: number; rId: string }[] };
  workbookRels?: Relationship[];
  sharedStrings?: unknown[];
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>;
  _parseWorksheet(iterator: AsyncIterable<unknown>, sheetNo: string): Generator<{ eventType: string; value: unknown }>;
}

/** 2024-01-15 for a date without a time of day, the full ISO form otherwise. */
function isoDate(date: Date): string | null {
  if (Number.isNaN(date.getTime())) return null;
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

/** Converts what exceljs reports for a cell into the value to store. */
export function sheetValue(value: unknown): SheetValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return isoDate(value);
  if (typeof value === 'object') {
    const cell = value as Record<string, unknown>;
    if (Array.isArray(cell.richText)) {
      const text = (cell.richText as { text?: string }[]).map((run) => run.text ?? '').join('');
      return text === '' ? null : text;
    }
    // Formulas (plain and shared) store their last computed result; that is the value a user sees.
    if ('formula' in cell || 'sharedFormula' in cell) return sheetValue(cell.result);
    if ('error' in cell) return typeof cell.error === 'string' ? cell.error : null; // '#DIV/0!', '#N/A', ...
    if ('text' in cell) return sheetValue(cell.text); // hyperlinks
  }
  return String(value);
}

function rowValues(row: ExcelJS.Row): SheetValue[] {
  const values: SheetValue[] = [];
  let last = 0;
  row.eachCell({ includeEmpty: false }, (cell, column) => {
    const value = sheetValue(cell.value);
    if (value === null) return;
    while (values.length < column - 1) values.push(null);
    values[column - 1] = value;
    last = column;
  });
  values.length = last;
  return values;
}

/** A failure whose message is final (the others get wrapped with the file's name). */
class SheetError extends Error {}

function describeSelector(sheet: string | number): string {
  return typeof sheet === 'number' ? `sheet index ${sheet}` : `sheet '${sheet}'`;
}

/** A relationship target ('worksheets/sheet1.xml' or '/xl/worksheets/sheet1.xml') as a zip member name. */
const memberName = (target: string): string => (target.startsWith('/') ? target.slice(1) : path.posix.normalize(path.posix.join('xl', target)));

/**
 * Streams the rows of one sheet of an .xlsx/.xlsm workbook; rows are parsed and handed over one at a time,
 * never kept. The zip's directory is read first (see ZipDirectory for why), then the workbook part (sheet
 * names and order), the styles (which tell dates from numbers) and the shared strings (held in memory, as any
 * reader must), and finally the selected sheet, streamed straight from the file: other sheets are not read.
 */
export async function* readSheet(absolutePath: string, options: XlsxSourceOptions): AsyncGenerator<SheetRow> {
  const fail = (reason: string) => new SheetError(`cannot read ${options.displayPath} as an .xlsx workbook: ${reason}`);
  const open: Readable[] = [];
  const member = async (name: string) => {
    const stream = await zip.open(name, options.signal);
    open.push(stream);
    return stream;
  };
  let zip: ZipDirectory;
  try {
    zip = await ZipDirectory.open(absolutePath);
  } catch (error) {
    throw fail((error as Error).message);
  }

  const parts = new ExcelJS.stream.xlsx.WorkbookReader(absolutePath, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  }) as unknown as WorkbookParts;

  let worksheet: { name: string } & AsyncIterable<ExcelJS.Row>;
  try {
    if (!zip.has('xl/workbook.xml') || !zip.has('xl/_rels/workbook.xml.rels')) throw fail('xl/workbook.xml or its relationships are missing');
    await parts._parseRels(await member('xl/_rels/workbook.xml.rels'));
    await parts._parseWorkbook(await member('xl/workbook.xml'));
    const rels = parts.workbookRels ?? [];
    const sheets = parts.model?.sheets ?? [];
    const related = (type: string) => rels.find((rel) => rel.Type.endsWith(`/${type}`) && zip.has(memberName(rel.Target)));

    const index = options.sheet === undefined ? 0 : typeof options.sheet === 'number' ? options.sheet : sheets.findIndex((entry) => entry.name === options.sheet);
    const sheet = sheets[index];
    if (!sheet) {
      if (options.sheet === undefined) throw new SheetError(`workbook ${options.displayPath} has no sheets`);
      throw new SheetError(`${describeSelector(options.sheet)} not found (sheets: ${sheets.map((entry) => entry.name).join(', ')})`);
    }
    const rel = rels.find((candidate) => candidate.Id === sheet.rId);
    if (!rel || !rel.Type.endsWith('/worksheet')) throw new SheetError(`sheet '${sheet.name}' is not a worksheet (a chart or dialog sheet?)`);
    const sheetMember = memberName(rel.Target);
    if (!zip.has(sheetMember)) throw fail(`${sheetMember} (sheet '${sheet.name}') is missing`);

    const styles = related('styles');
    if (styles) await parts._parseStyles(await member(memberName(styles.Target)));
    const strings = related('sharedStrings');
    if (strings) for await (const _ of parts._parseSharedStrings(await member(memberName(strings.Target)))); // fills parts.sharedStrings

    const created = parts._parseWorksheet(await member(sheetMember), String(sheet.id)).next();
    worksheet = (created.value as { value: { name: string } & AsyncIterable<ExcelJS.Row> }).value;
    worksheet.name = sheet.name;
  } catch (error) {
    for (const stream of open) stream.destroy();
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    if (error instanceof SheetError) throw error;
    throw fail((error as Error).message);
  }

  options.onSheet?.(worksheet.name);
  const rows = worksheet[Symbol.asyncIterator]();
  try {
    let previous = 0;
    for (;;) {
      let step: IteratorResult<ExcelJS.Row>;
      try {
        step = await rows.next();
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason ?? error;
        throw new Error(`cannot read sheet '${worksheet.name}' of ${options.displayPath}: ${(error as Error).message}`);
      }
      if (step.done) break;
      const row = step.value;
      const values = rowValues(row);
      if (options.keepEmptyRows) {
        // The file leaves out empty rows entirely; put them back as all-null rows.
        for (let missing = previous + 1; missing < row.number; missing++) yield { line: missing, values: [] };
      } else if (values.length === 0) {
        previous = row.number;
        continue;
      }
      previous = row.number;
      yield { line: row.number, values };
    }
  } finally {
    await rows.return?.(undefined).catch(() => undefined);
    for (const stream of open) stream.destroy();
  }
}

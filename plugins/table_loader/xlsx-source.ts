import * as path from 'node:path';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { BUILT_IN_DATE_FORMATS, isDateFormat, SheetParser, SheetValue } from './sheet-parser';
import { XmlHandler, XmlScanner } from './xml-scanner';
import { ZipDirectory } from './zip-directory';

export type { SheetValue } from './sheet-parser';

/** Sheet rows in order: their values (up to the last non-empty cell) and their 1-based row numbers. */
export interface SheetBatch {
  rows: SheetValue[][];
  lines: number[];
}

export interface XlsxSourceOptions {
  /** A sheet name, a 0-based index in tab order (hidden sheets count), or undefined for the first sheet. */
  sheet?: string | number;
  /** Emit rows with no values (and rows missing from the file between two others) as empty rows. */
  keepEmptyRows: boolean;
  displayPath: string;
  /** Called once the sheet is found, with its name. */
  onSheet?: (name: string) => void;
  signal?: AbortSignal;
}

/**
 * Rows per batch at most: small batches that leave quickly keep the garbage collector's young generation cheap,
 * and a run of missing rows (filled in when empty rows are kept) never piles up in one.
 */
const SHEET_BATCH_ROWS = 256;

interface Relationship {
  id: string;
  type: string;
  target: string;
}

/** A failure whose message is final (the others get wrapped with the file's name). */
class SheetError extends Error {}

function describeSelector(sheet: string | number): string {
  return typeof sheet === 'number' ? `sheet index ${sheet}` : `sheet '${sheet}'`;
}

/** A relationship target ('worksheets/sheet1.xml' or '/xl/worksheets/sheet1.xml') as a zip member name. */
const memberName = (target: string): string => (target.startsWith('/') ? target.slice(1) : path.posix.normalize(path.posix.join('xl', target)));

/** A member's text, decoded as its byte-order mark says (UTF-8 without one, as Excel writes). */
async function* memberText(stream: Readable, signal?: AbortSignal): AsyncGenerator<string> {
  let decoder: StringDecoder | undefined;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    signal?.throwIfAborted();
    if (!decoder) {
      const utf16 = chunk.length >= 2 && chunk[0] === 0xff && chunk[1] === 0xfe;
      decoder = new StringDecoder(utf16 ? 'utf16le' : 'utf8');
      const text = decoder.write(chunk);
      yield text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    } else {
      yield decoder.write(chunk);
    }
  }
  const tail = decoder?.end() ?? '';
  if (tail !== '') yield tail;
}

/** Parses a small part of the workbook whole; the handler gets the scanner to read attributes with. */
async function scanPart(zip: ZipDirectory, name: string, makeHandler: (scanner: () => XmlScanner) => XmlHandler, signal?: AbortSignal): Promise<void> {
  const scanner: XmlScanner = new XmlScanner(makeHandler(() => scanner));
  const stream = await zip.open(name, signal);
  try {
    for await (const text of memberText(stream, signal)) scanner.feed(text);
    scanner.end();
  } catch (error) {
    if (signal?.aborted) throw signal.reason ?? error;
    throw new Error(`${name}: ${(error as Error).message}`);
  } finally {
    stream.destroy();
  }
}

const ignore = () => undefined;

async function readRelationships(zip: ZipDirectory, name: string, signal?: AbortSignal): Promise<Relationship[]> {
  const relationships: Relationship[] = [];
  await scanPart(
    zip,
    name,
    (scanner) => ({
      open: (element) => {
        if (element !== 'Relationship') return;
        const attributes = scanner().attributeMap();
        if (attributes.TargetMode === 'External') return;
        relationships.push({ id: attributes.Id ?? '', type: attributes.Type ?? '', target: attributes.Target ?? '' });
      },
      close: ignore,
      text: ignore,
    }),
    signal,
  );
  return relationships;
}

interface WorkbookPart {
  sheets: { name: string; relationshipId: string }[];
  date1904: boolean;
}

async function readWorkbook(zip: ZipDirectory, signal?: AbortSignal): Promise<WorkbookPart> {
  const workbook: WorkbookPart = { sheets: [], date1904: false };
  let inSheets = false;
  await scanPart(
    zip,
    'xl/workbook.xml',
    (scanner) => ({
      open: (element) => {
        if (element === 'sheets') inSheets = true;
        else if (element === 'sheet' && inSheets) {
          const attributes = scanner().attributeMap();
          // r:id, whatever prefix the writer bound to the relationships namespace.
          const relationshipId = Object.entries(attributes).find(([key]) => key.endsWith(':id'))?.[1] ?? '';
          workbook.sheets.push({ name: attributes.name ?? '', relationshipId });
        } else if (element === 'workbookPr') {
          const date1904 = scanner().attributeMap().date1904;
          workbook.date1904 = date1904 === '1' || date1904 === 'true';
        }
      },
      close: (element) => {
        if (element === 'sheets') inSheets = false;
      },
      text: ignore,
    }),
    signal,
  );
  return workbook;
}

/** Per cellXfs index: whether its number format is a date or a time. */
async function readDateStyles(zip: ZipDirectory, name: string, signal?: AbortSignal): Promise<boolean[]> {
  const customFormats = new Map<number, string>();
  const formatIds: number[] = [];
  let inNumFmts = false;
  let inCellXfs = false;
  await scanPart(
    zip,
    name,
    (scanner) => ({
      open: (element) => {
        if (element === 'numFmts') inNumFmts = true;
        else if (element === 'cellXfs') inCellXfs = true;
        else if (element === 'numFmt' && inNumFmts) {
          const attributes = scanner().attributeMap();
          customFormats.set(parseInt(attributes.numFmtId ?? '', 10), attributes.formatCode ?? '');
        } else if (element === 'xf' && inCellXfs) {
          formatIds.push(parseInt(scanner().attributeMap().numFmtId ?? '0', 10) || 0);
        }
      },
      close: (element) => {
        if (element === 'numFmts') inNumFmts = false;
        else if (element === 'cellXfs') inCellXfs = false;
      },
      text: ignore,
    }),
    signal,
  );
  return formatIds.map((id) => {
    if (id === 0) return false;
    const custom = customFormats.get(id);
    return custom ? isDateFormat(custom) : BUILT_IN_DATE_FORMATS.has(id);
  });
}

/**
 * A copy of a string that does not keep the text it was cut from alive (V8 slices point into their parent,
 * here a whole decoded chunk of the part).
 */
const detached = (text: string): string => (text.length < 13 ? text : (' ' + text).slice(1));

/** The shared strings: each item's text (rich text runs joined, phonetic runs left out), '' as null. */
async function readSharedStrings(zip: ZipDirectory, name: string, signal?: AbortSignal): Promise<(string | null)[]> {
  const strings: (string | null)[] = [];
  let item: string | null = null;
  let inPhonetic = false;
  await scanPart(
    zip,
    name,
    (scanner) => ({
      open: (element) => {
        if (element === 'si') item = '';
        else if (element === 'rPh') inPhonetic = true;
        else if (element === 't' && item !== null && !inPhonetic) scanner().captureText = true;
      },
      close: (element) => {
        if (element === 't') scanner().captureText = false;
        else if (element === 'rPh') inPhonetic = false;
        else if (element === 'si') {
          strings.push(item === '' || item === null ? null : detached(item));
          item = null;
        }
      },
      text: (value) => {
        item += value;
      },
    }),
    signal,
  );
  return strings;
}

/**
 * Streams the rows of one sheet of an .xlsx/.xlsm workbook in batches; rows are parsed and handed over as they
 * come, never kept. The zip's directory is read first (see ZipDirectory for why), then the workbook part (sheet
 * names and order), the styles (which tell dates from numbers) and the shared strings (held in memory, as any
 * reader must), and finally the selected sheet, streamed straight from the file: other sheets are not read.
 * The sheet's XML goes through SheetParser, a lean scanner for `<row>`/`<c>`/`<v>` (see there for the rules).
 */
export async function* readSheet(absolutePath: string, options: XlsxSourceOptions): AsyncGenerator<SheetBatch> {
  const { signal } = options;
  const fail = (reason: string) => new SheetError(`cannot read ${options.displayPath} as an .xlsx workbook: ${reason}`);

  let sheetName: string;
  let sheetMember: string;
  let zip: ZipDirectory;
  let parser: SheetParser;
  try {
    try {
      zip = await ZipDirectory.open(absolutePath);
    } catch (error) {
      throw fail((error as Error).message);
    }
    if (!zip.has('xl/workbook.xml') || !zip.has('xl/_rels/workbook.xml.rels')) throw fail('xl/workbook.xml or its relationships are missing');
    const rels = await readRelationships(zip, 'xl/_rels/workbook.xml.rels', signal);
    const { sheets, date1904 } = await readWorkbook(zip, signal);
    const related = (type: string) => rels.find((rel) => rel.type.endsWith(`/${type}`) && zip.has(memberName(rel.target)));

    const index = options.sheet === undefined ? 0 : typeof options.sheet === 'number' ? options.sheet : sheets.findIndex((entry) => entry.name === options.sheet);
    const sheet = sheets[index];
    if (!sheet) {
      if (options.sheet === undefined) throw new SheetError(`workbook ${options.displayPath} has no sheets`);
      throw new SheetError(`${describeSelector(options.sheet)} not found (sheets: ${sheets.map((entry) => entry.name).join(', ')})`);
    }
    const rel = rels.find((candidate) => candidate.id === sheet.relationshipId);
    if (!rel || !rel.type.endsWith('/worksheet')) throw new SheetError(`sheet '${sheet.name}' is not a worksheet (a chart or dialog sheet?)`);
    sheetName = sheet.name;
    sheetMember = memberName(rel.target);
    if (!zip.has(sheetMember)) throw fail(`${sheetMember} (sheet '${sheet.name}') is missing`);

    const styles = related('styles');
    const dateStyles = styles ? await readDateStyles(zip, memberName(styles.target), signal) : [];
    const strings = related('sharedStrings');
    const sharedStrings = strings ? await readSharedStrings(zip, memberName(strings.target), signal) : [];
    parser = new SheetParser({ sharedStrings, dateStyles, date1904, keepEmptyRows: options.keepEmptyRows });
  } catch (error) {
    if (signal?.aborted) throw signal.reason ?? error;
    if (error instanceof SheetError) throw error;
    throw fail((error as Error).message);
  }

  options.onSheet?.(sheetName);
  let stream: Readable | undefined;
  try {
    let batch: SheetBatch = { rows: [], lines: [] };
    let previous = 0;
    const sheetText = async function* (): AsyncGenerator<string> {
      stream = await zip.open(sheetMember, signal);
      yield* memberText(stream, signal);
    };
    for (let source = sheetText(), step = await source.next(); ; step = await source.next()) {
      if (step.done) parser.end();
      else parser.feed(step.value);
      const { rows, lines } = parser.take();
      for (let k = 0; k < rows.length; k++) {
        const line = lines[k];
        // The file leaves out empty rows entirely; put them back when empty rows are kept.
        if (options.keepEmptyRows) {
          for (let missing = previous + 1; missing < line; missing++) {
            batch.rows.push([]);
            batch.lines.push(missing);
            if (batch.rows.length === SHEET_BATCH_ROWS) {
              yield batch;
              batch = { rows: [], lines: [] };
            }
          }
        }
        previous = line;
        batch.rows.push(rows[k]);
        batch.lines.push(line);
        if (batch.rows.length === SHEET_BATCH_ROWS) {
          yield batch;
          batch = { rows: [], lines: [] };
        }
      }
      if (step.done) break;
    }
    if (batch.rows.length > 0) yield batch;
  } catch (error) {
    if (signal?.aborted) throw signal.reason ?? error;
    throw new Error(`cannot read sheet '${sheetName}' of ${options.displayPath}: ${(error as Error).message}`);
  } finally {
    stream?.destroy();
  }
}

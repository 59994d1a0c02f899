import { XmlError, XmlHandler, XmlScanner } from './xml-scanner';

/** A cell value as stored: numbers stay numbers, everything else is text or null. */
export type SheetValue = string | number | null;

/** What a worksheet's cells need from the rest of the workbook. */
export interface SheetContext {
  /** sharedStrings.xml in order, '' already turned into null. */
  sharedStrings: readonly (string | null)[];
  /** Per cellXfs index (a cell's s): whether its number format shows a date or a time. */
  dateStyles: readonly boolean[];
  /** workbookPr date1904: serial 0 is 1904-01-01 instead of 1899-12-30. */
  date1904: boolean;
  /** Keep rows with no values (they come out as empty arrays); otherwise they are left out. */
  keepEmptyRows: boolean;
}

/** Columns Excel allows (A..XFD); a reference beyond is a corrupt file, not a reason to allocate millions of nulls. */
const MAX_COLUMNS = 16384;
const EXCEL_EPOCH_DAYS = 25569; // 1970-01-01 as an Excel serial (1900 system)
const DAYS_1904 = 1462;
const MS_PER_DAY = 86_400_000;

const enum CellType {
  Number,
  Shared,
  Text, // t="str" (a formula's text result)
  Inline,
  Boolean,
  Error,
  IsoDate,
}

/** 2024-01-15 for a date without a time of day, the full ISO form otherwise; null for a date JS cannot hold. */
export function isoDate(date: Date): string | null {
  if (Number.isNaN(date.getTime())) return null;
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

/** An Excel date serial as an ISO string (rounded to the millisecond, as exceljs did). */
export function serialToIso(serial: number, date1904: boolean): string | null {
  return isoDate(new Date(Math.round((serial - EXCEL_EPOCH_DAYS + (date1904 ? DAYS_1904 : 0)) * MS_PER_DAY)));
}

/** Date columns repeat the same days over and over; formatting one costs more than looking it up. */
const DAY_CACHE_LIMIT = 4096;

/**
 * Whether an Excel number format shows a date or a time: a date/time letter outside [brackets] and "quotes"
 * (the rule exceljs applied, kept so imports stay as they were).
 */
export function isDateFormat(format: string): boolean {
  return /[ymdhMsb]/.test(format.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

/** Built-in number formats that are dates or times (14-22, 45-47); the locale-specific ones have no fixed code. */
export const BUILT_IN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47]);

function typeOf(text: string, from: number, to: number): CellType {
  const length = to - from;
  if (length === 1) {
    switch (text.charCodeAt(from)) {
      case 0x73: // s
        return CellType.Shared;
      case 0x62: // b
        return CellType.Boolean;
      case 0x65: // e
        return CellType.Error;
      case 0x64: // d
        return CellType.IsoDate;
      default:
        return CellType.Number;
    }
  }
  if (length === 3 && text.startsWith('str', from)) return CellType.Text;
  if (length === 9 && text.startsWith('inlineStr', from)) return CellType.Inline;
  return CellType.Number;
}

/** A non-negative decimal integer from text, or -1. */
function parseIndex(text: string, from: number, to: number): number {
  if (from >= to) return -1;
  let value = 0;
  for (let at = from; at < to; at++) {
    const digit = text.charCodeAt(at) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** An ISO date or date-time (t="d"); one without a zone is read as UTC, like serial dates. */
function isoCellDate(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const zoned = /(?:[zZ]|[+-]\d\d:?\d\d)$/.test(trimmed) || !trimmed.includes('T');
  return isoDate(new Date(zoned ? trimmed : `${trimmed}Z`));
}

/**
 * Turns a worksheet's XML (fed to `scanner`) into rows of values: `<row r>`, `<c r t s>`, `<v>` and inline
 * strings (`<is>`, rich text runs joined, phonetic runs left out). Formula cells give their cached result. A
 * number is a date when its cell's style (or, for a cell without one, its row's) has a date format. Cells may
 * leave out `r` (they follow the previous one) and rows may be missing (the caller fills gaps if it wants).
 */
export class SheetParser implements XmlHandler {
  readonly scanner = new XmlScanner(this);
  /** Rows parsed since the last take(): their values (up to the last non-empty cell) and 1-based row numbers. */
  private rows: SheetValue[][] = [];
  private lines: number[] = [];

  private inSheetData = false;
  private inRow = false;
  private rowNumber = 0;
  private rowIsDate = false;
  private values: SheetValue[] = [];

  private inCell = false;
  private column = 0;
  private cellType = CellType.Number;
  private cellStyle = 0;
  private hasValue = false;
  private valueText = '';
  private inInline = false;
  private inPhonetic = false;
  private hasInline = false;
  private inlineText = '';
  private capturing: 'value' | 'inline' | null = null;

  private readonly days = new Map<number, string | null>();

  constructor(private readonly context: SheetContext) {}

  feed(text: string): void {
    this.scanner.feed(text);
  }

  end(): void {
    this.scanner.end();
  }

  /** The rows completed so far, handed over (the parser forgets them). */
  take(): { rows: SheetValue[][]; lines: number[] } {
    const taken = { rows: this.rows, lines: this.lines };
    this.rows = [];
    this.lines = [];
    return taken;
  }

  open(name: string): void {
    switch (name) {
      case 'c':
        if (this.inRow) this.openCell();
        return;
      case 'v':
        if (this.inCell && !this.inInline) {
          this.hasValue = true;
          this.valueText = '';
          this.capture('value');
        }
        return;
      case 't':
        if (this.inInline && !this.inPhonetic) {
          this.hasInline = true;
          this.capture('inline');
        }
        return;
      case 'is':
        if (this.inCell) {
          this.inInline = true;
          this.inlineText = '';
        }
        return;
      case 'rPh':
        if (this.inInline) this.inPhonetic = true;
        return;
      case 'row':
        if (this.inSheetData) this.openRow();
        return;
      case 'sheetData':
        this.inSheetData = true;
        return;
    }
  }

  close(name: string): void {
    switch (name) {
      case 'c':
        if (this.inCell) this.closeCell();
        return;
      case 'v':
      case 't':
        this.capture(null);
        return;
      case 'is':
        this.inInline = false;
        return;
      case 'rPh':
        this.inPhonetic = false;
        return;
      case 'row':
        if (this.inRow) this.closeRow();
        return;
      case 'sheetData':
        this.inSheetData = false;
        return;
    }
  }

  text(value: string): void {
    if (this.capturing === 'value') this.valueText += value;
    else this.inlineText += value;
  }

  private capture(what: 'value' | 'inline' | null): void {
    this.capturing = what;
    this.scanner.captureText = what !== null;
  }

  private openRow(): void {
    let number = -1;
    let style = -1;
    const scanner = this.scanner;
    scanner.attributes((name, from, to) => {
      if (name === 'r') number = parseIndex(scanner.buffer, from, to);
      else if (name === 's') style = parseIndex(scanner.buffer, from, to);
    });
    this.rowNumber = number > 0 ? number : this.rowNumber + 1;
    // exceljs let a row's style stand for the cells without one of their own; kept so dates stay dates.
    this.rowIsDate = style >= 0 && this.context.dateStyles[style] === true;
    this.inRow = true;
    this.values = [];
    this.column = 0;
  }

  private closeRow(): void {
    this.inRow = false;
    if (this.values.length === 0 && !this.context.keepEmptyRows) return;
    this.rows.push(this.values);
    this.lines.push(this.rowNumber);
  }

  private readonly cellAttribute = (name: string, from: number, to: number): void => {
    const text = this.scanner.buffer;
    if (name === 'r') this.column = columnOf(text, from, to);
    else if (name === 't') this.cellType = typeOf(text, from, to);
    else if (name === 's') this.cellStyle = parseIndex(text, from, to);
  };

  private openCell(): void {
    const previous = this.column;
    this.column = -1;
    this.cellType = CellType.Number;
    this.cellStyle = 0;
    this.scanner.attributes(this.cellAttribute);
    if (this.column < 0) this.column = previous + 1; // no r: the cell after the previous one
    this.inCell = true;
    this.hasValue = false;
    this.hasInline = false;
    this.valueText = '';
  }

  private closeCell(): void {
    this.inCell = false;
    this.inInline = false;
    const value = this.cellValue();
    if (value === null) return;
    const values = this.values;
    const index = this.column - 1;
    while (values.length < index) values.push(null);
    values[index] = value;
  }

  private dateOf(serial: number): string | null {
    let iso = this.days.get(serial);
    if (iso === undefined) {
      iso = serialToIso(serial, this.context.date1904);
      if (this.days.size >= DAY_CACHE_LIMIT) this.days.clear();
      this.days.set(serial, iso);
    }
    return iso;
  }

  private cellValue(): SheetValue {
    if (this.cellType === CellType.Inline) {
      const text = this.hasInline ? this.inlineText : this.hasValue ? this.valueText : '';
      return text === '' ? null : text;
    }
    if (!this.hasValue) return null;
    const text = this.valueText;
    switch (this.cellType) {
      case CellType.Shared: {
        const index = parseIndex(text, 0, text.length);
        return index >= 0 && index < this.context.sharedStrings.length ? this.context.sharedStrings[index] : null;
      }
      case CellType.Text:
      case CellType.Error:
        return text === '' ? null : text;
      case CellType.Boolean:
        return parseInt(text, 10) !== 0 ? 1 : 0;
      case CellType.IsoDate:
        return isoCellDate(text);
      default: {
        const number = parseFloat(text);
        if (!Number.isFinite(number)) return null;
        const style = this.cellStyle;
        // As exceljs did: s="0" (or none) keeps the row's format.
        const isDate = style > 0 && style < this.context.dateStyles.length ? this.context.dateStyles[style] : this.rowIsDate;
        return isDate ? this.dateOf(number) : number;
      }
    }
  }
}

/** The 1-based column of a cell reference like "AB12"; -1 for an empty one. */
function columnOf(text: string, from: number, to: number): number {
  if (from === to) return -1;
  let column = 0;
  let at = from;
  for (; at < to; at++) {
    const code = text.charCodeAt(at);
    if (code < 0x41 || code > 0x5a) break; // A-Z
    column = column * 26 + (code - 0x40);
  }
  const digitsFrom = at;
  for (; at < to; at++) {
    const code = text.charCodeAt(at);
    if (code < 0x30 || code > 0x39) break;
  }
  if (at !== to || column === 0 || digitsFrom === to) throw new XmlError(`invalid cell reference "${text.slice(from, to)}"`);
  if (column > MAX_COLUMNS) throw new XmlError(`cell reference "${text.slice(from, to)}" lies beyond column XFD`);
  return column;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
/** A record longer than this while still incomplete goes to csv-parse, which does not rescan it per chunk. */
const MAX_PENDING_CHARS = 8 * 1024 * 1024;

/**
 * A fast scanner for the common shape of delimited text: a one-character delimiter, `"` quotes doubled to
 * escape them (or no quoting) and one kind of line break, discovered like csv-parse does (the first of
 * \r\n, \n or \r outside quotes). It gives exactly the records csv-parse gives for that shape (with our
 * options: relax_column_count, skip_empty_lines as configured), and gives up (`push` returns false) at the first
 * record that is anything else: a malformed quote, an unclosed quote, a different line break. Those are rare,
 * and csv-parse then takes over from the same record, so its results and its error messages stay the reference.
 *
 * Line numbers are physical: \r\n, \n and \r each end one line, inside quoted fields too.
 */
export class CsvScanner {
  private pending = '';
  private lineBreak: 'lf' | 'crlf' | 'cr' | null = null;
  /** The line the next record starts on. */
  private line = 1;

  constructor(
    private readonly delimiter: number,
    private readonly quoting: boolean,
    private readonly skipEmptyLines: boolean,
  ) {}

  /**
   * Scans `text` (following what earlier calls left pending) and appends every complete record to `records`,
   * with the line it starts on to `lines`. `end` says no more text follows. Returns false when the input needs
   * csv-parse from the next record on (the records appended before that are final).
   */
  push(text: string, end: boolean, records: string[][], lines: number[]): boolean {
    const s = this.pending.length === 0 ? text : this.pending + text;
    this.pending = '';
    const length = s.length;
    const delimiter = this.delimiter;
    const quote = this.quoting ? QUOTE : -1;
    let pos = 0;
    for (;;) {
      if (pos >= length) return true;
      const start = pos;
      const startLine = this.line;
      let innerBreaks = 0;
      let code = s.charCodeAt(pos);
      if (code === CR || code === LF) {
        const consumed = this.lineBreakAt(s, pos, end);
        if (consumed === 0) return this.keep(s, start, startLine);
        if (consumed < 0) return false;
        pos += consumed;
        this.line++;
        if (!this.skipEmptyLines) {
          records.push(['']);
          lines.push(startLine);
        }
        continue;
      }
      const fields: string[] = [];
      let complete = false;
      fields: for (;;) {
        if (pos < length && s.charCodeAt(pos) === quote) {
          // Quoted field: up to a quote that is not doubled; it must be followed by a delimiter, a line break or the end.
          let value = '';
          let segment = ++pos;
          for (;;) {
            const closing = s.indexOf('"', pos);
            if (closing === -1) {
              if (end) return false; // unclosed quote: csv-parse reports it
              return this.keep(s, start, startLine);
            }
            for (let k = pos; k < closing; k++) {
              code = s.charCodeAt(k);
              if (code === LF || (code === CR && s.charCodeAt(k + 1) !== LF)) innerBreaks++;
            }
            if (closing + 1 === length && !end) return this.keep(s, start, startLine);
            const next = s.charCodeAt(closing + 1);
            if (next === QUOTE) {
              value += s.slice(segment, closing + 1);
              pos = segment = closing + 2;
              continue;
            }
            value += s.slice(segment, closing);
            pos = closing + 1;
            fields.push(value);
            if (pos === length) {
              complete = true; // the end of the input ends the record
              break fields;
            }
            if (next === delimiter) {
              pos++;
              continue fields;
            }
            if (next === CR || next === LF) break;
            return false; // a character after the closing quote: csv-parse reports it
          }
        } else {
          const fieldStart = pos;
          while (pos < length) {
            code = s.charCodeAt(pos);
            if (code === delimiter || code === LF || code === CR || code === quote) break;
            pos++;
          }
          if (pos === length) {
            if (!end) return this.keep(s, start, startLine);
            fields.push(s.slice(fieldStart, pos));
            complete = true;
            break fields;
          }
          if (code === quote) return false; // a quote inside an unquoted field: csv-parse reports it
          fields.push(s.slice(fieldStart, pos));
          if (code === delimiter) {
            pos++;
            continue fields;
          }
        }
        // At a line break that ends the record.
        const consumed = this.lineBreakAt(s, pos, end);
        if (consumed === 0) return this.keep(s, start, startLine);
        if (consumed < 0) return false;
        pos += consumed;
        complete = true;
        break;
      }
      if (complete) {
        records.push(fields);
        lines.push(startLine);
        this.line += 1 + innerBreaks;
      }
    }
  }

  /**
   * The length of the line break at `pos` (discovering the file's kind on the first one), 0 when more text
   * is needed to tell, -1 when it is not the file's line break (csv-parse would treat it as data).
   */
  private lineBreakAt(s: string, pos: number, end: boolean): number {
    const code = s.charCodeAt(pos);
    if (code === CR && pos + 1 === s.length && !end) return 0;
    const crlf = code === CR && s.charCodeAt(pos + 1) === LF;
    this.lineBreak ??= crlf ? 'crlf' : code === CR ? 'cr' : 'lf';
    if (this.lineBreak === 'crlf') return crlf ? 2 : -1;
    if (this.lineBreak === 'cr') return code === CR && !crlf ? 1 : -1;
    return code === LF ? 1 : -1;
  }

  /** Keeps an incomplete record for the next push; a huge one goes to csv-parse instead of being rescanned. */
  private keep(s: string, start: number, startLine: number): boolean {
    this.pending = s.slice(start);
    this.line = startLine;
    return this.pending.length <= MAX_PENDING_CHARS;
  }
}

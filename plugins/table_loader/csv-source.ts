import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CsvError, Info, parse } from 'csv-parse';
import { CsvScanner } from './csv-scanner';

export interface CsvSourceOptions {
  delimiter: string;
  /** '' turns quoting off (every quote character is data). */
  quote: string;
  encoding: 'utf8' | 'utf16le' | 'latin1';
  skipEmptyLines: boolean;
  /** Names the file in error messages (the path as configured). */
  displayPath: string;
  /** 'CSV' or 'TSV', for error messages. */
  label: string;
  signal?: AbortSignal;
}

/** Parsed records, in file order: their raw text fields and the 1-based line of the file each starts on. */
export interface RecordBatch {
  records: string[][];
  lines: number[];
}

/**
 * Records per batch handed on at least, and bytes per read: small batches that leave quickly keep the garbage
 * collector's young generation cheap (a batch that lives across collections gets copied), yet per-batch
 * costs stay negligible.
 */
const BATCH_RECORDS = 256;
const READ_CHUNK_BYTES = 64 * 1024;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const UTF16LE_BOM = Buffer.from([0xff, 0xfe]);

/**
 * Streams the records of a delimited text file in batches (constant memory: the file is read chunk by chunk).
 * Fields stay raw strings; record lengths are not checked here (the caller knows the header width).
 * The usual shape (one-character delimiter, `"` or no quoting, UTF-8 or Latin-1) goes through CsvScanner;
 * csv-parse reads everything else and takes over wherever the scanner gives up, so it stays the reference for
 * results and error messages. Closing the generator early (return/throw) closes the file.
 */
export async function* readDelimited(absolutePath: string, options: CsvSourceOptions): AsyncGenerator<RecordBatch> {
  try {
    let scanned = 0;
    if (options.delimiter.length === 1 && (options.quote === '"' || options.quote === '') && options.encoding !== 'utf16le') {
      const scan = scanDelimited(absolutePath, options);
      for (;;) {
        const step = await scan.next();
        if (step.done) {
          if (step.value === 'done') return;
          scanned = step.value;
          break;
        }
        yield step.value;
      }
    }
    yield* parseDelimited(absolutePath, options, scanned);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    if (error instanceof CsvError) throw new Error(`invalid ${options.label} in ${options.displayPath}: ${error.message}`);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ABORT_ERR') throw error;
    throw new Error(`cannot read ${options.displayPath}: ${(error as Error).message}`);
  }
}

/** The fast path: returns 'done', or how many records it handed on before csv-parse must take over. */
async function* scanDelimited(absolutePath: string, options: CsvSourceOptions): AsyncGenerator<RecordBatch, number | 'done'> {
  const scanner = new CsvScanner(options.delimiter.charCodeAt(0), options.quote === '"', options.skipEmptyLines);
  const input = createReadStream(absolutePath, { signal: options.signal, highWaterMark: READ_CHUNK_BYTES });
  let decoder: StringDecoder | null = null;
  let handed = 0;
  let gaveUp = false;
  let batch: RecordBatch = { records: [], lines: [] };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let bytes = chunk;
      if (!decoder) {
        // A byte-order mark is dropped and names the encoding, as csv-parse does (which looks once 3 bytes are in).
        let encoding: BufferEncoding = options.encoding;
        if (bytes.length >= 3 && bytes.subarray(0, 3).equals(UTF8_BOM)) {
          bytes = bytes.subarray(3);
          encoding = 'utf8';
        } else if (bytes.length >= 3 && bytes.subarray(0, 2).equals(UTF16LE_BOM)) {
          return 0; // UTF-16: csv-parse reads it all
        }
        decoder = new StringDecoder(encoding);
      }
      const ok = scanner.push(decoder.write(bytes), false, batch.records, batch.lines);
      if (!ok) {
        gaveUp = true;
        break;
      }
      if (batch.records.length >= BATCH_RECORDS) {
        handed += batch.records.length;
        yield batch;
        batch = { records: [], lines: [] };
      }
    }
    // Here the input ended, or the scanner gave up (then the records before that point are still good).
    const ok = !gaveUp && scanner.push(decoder ? decoder.end() : '', true, batch.records, batch.lines);
    handed += batch.records.length;
    if (batch.records.length > 0) yield batch;
    return ok ? 'done' : handed;
  } finally {
    input.destroy();
  }
}

/** csv-parse from the start of the file, skipping the first `skip` records (already handed on). */
async function* parseDelimited(absolutePath: string, options: CsvSourceOptions, skip: number): AsyncGenerator<RecordBatch> {
  const parser = parse({
    delimiter: options.delimiter,
    quote: options.quote === '' ? false : options.quote,
    encoding: options.encoding,
    bom: true, // a UTF-8 (or UTF-16LE) byte-order mark is dropped instead of ending up in the first header
    skip_empty_lines: options.skipEmptyLines,
    relax_column_count: true, // the caller pads short rows and reports long ones with their line number
    info: true,
  });
  const input = createReadStream(absolutePath, { signal: options.signal, highWaterMark: READ_CHUNK_BYTES });
  // pipeline destroys both streams on an error in either; the parser then rejects the iteration below.
  pipeline(input, parser, () => undefined);

  let previousEndLine = 0;
  let previousEmptyLines = 0;
  let previousCommentLines = 0;
  let index = 0;
  let batch: RecordBatch = { records: [], lines: [] };
  try {
    for await (const chunk of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      const { record, info } = chunk;
      // info.lines is the line a record ends on; skipped blank lines since the previous record sit before it.
      const line = previousEndLine + 1 + (info.empty_lines - previousEmptyLines) + (info.comment_lines - previousCommentLines);
      previousEndLine = info.lines;
      previousEmptyLines = info.empty_lines;
      previousCommentLines = info.comment_lines;
      if (index++ < skip) continue;
      batch.records.push(record);
      batch.lines.push(line);
      if (batch.records.length >= BATCH_RECORDS) {
        yield batch;
        batch = { records: [], lines: [] };
      }
    }
    if (batch.records.length > 0) yield batch;
  } finally {
    input.destroy();
    parser.destroy();
  }
}

import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { CsvError, Info, parse } from 'csv-parse';

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

/** One parsed record: its raw text fields and the 1-based line of the file it starts on. */
export interface RawRecord {
  line: number;
  fields: string[];
}

/**
 * Streams the records of a delimited text file (constant memory: csv-parse reads the file chunk by chunk).
 * Fields stay raw strings; record lengths are not checked here (the caller knows the header width).
 * Closing the generator early (return/throw) destroys the file stream.
 */
export async function* readDelimited(absolutePath: string, options: CsvSourceOptions): AsyncGenerator<RawRecord> {
  const parser = parse({
    delimiter: options.delimiter,
    quote: options.quote === '' ? false : options.quote,
    encoding: options.encoding,
    bom: true, // a UTF-8 (or UTF-16LE) byte-order mark is dropped instead of ending up in the first header
    skip_empty_lines: options.skipEmptyLines,
    relax_column_count: true, // the caller pads short rows and reports long ones with their line number
    info: true,
  });
  const input = createReadStream(absolutePath, { signal: options.signal, highWaterMark: 256 * 1024 });
  // pipeline destroys both streams on an error in either; the parser then rejects the iteration below.
  pipeline(input, parser, () => undefined);

  let previousEndLine = 0;
  let previousEmptyLines = 0;
  let previousCommentLines = 0;
  try {
    for await (const chunk of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      const { record, info } = chunk;
      // info.lines is the line a record ends on; skipped blank lines since the previous record sit before it.
      const line = previousEndLine + 1 + (info.empty_lines - previousEmptyLines) + (info.comment_lines - previousCommentLines);
      previousEndLine = info.lines;
      previousEmptyLines = info.empty_lines;
      previousCommentLines = info.comment_lines;
      yield { line, fields: record };
    }
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    if (error instanceof CsvError) throw new Error(`invalid ${options.label} in ${options.displayPath}: ${error.message}`);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ABORT_ERR') throw error;
    throw new Error(`cannot read ${options.displayPath}: ${(error as Error).message}`);
  } finally {
    input.destroy();
    parser.destroy();
  }
}

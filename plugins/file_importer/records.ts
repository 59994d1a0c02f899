import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import { pipeline, Transform, TransformCallback } from 'node:stream';
// stream-json is CommonJS; these are its documented entry points.
import { parser as jsonParser } from 'stream-json';
import { pick } from 'stream-json/filters/Pick';
import { streamArray } from 'stream-json/streamers/StreamArray';

export type RecordFileType = 'json' | 'ndjson';

/** One record read from the file: its 1-based position, the 1-based line it is on (NDJSON), and its value. */
export interface SourceRecord {
  index: number;
  line?: number;
  value: unknown;
}

/** The longest NDJSON line accepted (one record). */
const MAX_LINE_CHARS = 64 * 1024 * 1024;

const BY_EXTENSION: Record<string, RecordFileType> = { '.json': 'json', '.ndjson': 'ndjson', '.jsonl': 'ndjson' };

export function unsupportedTypeReason(filePath: string, fileType: string): string | null {
  if (fileType !== 'auto') return null;
  const extension = path.extname(filePath).toLowerCase();
  if (extension in BY_EXTENSION) return null;
  const shown = extension === '' ? 'no extension' : extension;
  return `unsupported file type (${shown}): use .json, .ndjson or .jsonl, or set file_type to json or ndjson`;
}

export function resolveFileType(filePath: string, fileType: string): RecordFileType {
  const reason = unsupportedTypeReason(filePath, fileType);
  if (reason) throw new Error(reason);
  return fileType === 'auto' ? BY_EXTENSION[path.extname(filePath).toLowerCase()] : (fileType as RecordFileType);
}

/** '' -> [], '/data/items' -> ['data', 'items'], with ~1 and ~0 unescaped (RFC 6901). */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`records_pointer '${pointer}' must be empty or start with '/'`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** What kind of JSON value a stream-json token starts, for error messages. */
function tokenKind(name: string): string {
  if (name === 'startObject') return 'an object';
  if (name === 'startArray') return 'an array';
  if (name === 'startString' || name === 'stringValue') return 'a string';
  if (name === 'startNumber' || name === 'numberValue') return 'a number';
  if (name === 'trueValue' || name === 'falseValue') return 'a boolean';
  return 'null';
}

export function valueKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  return `a ${typeof value}`;
}

/** Drops a UTF-8 byte-order mark at the very start (stream-json refuses it). */
class StripBom extends Transform {
  private first = true;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.first) {
      this.first = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    callback(null, chunk);
  }
}

/**
 * Streams the elements of the array at `pointer` ('' = the whole document) with stream-json: tokens are
 * parsed as the file is read and each element is assembled, handed over and dropped, so memory stays flat.
 */
export async function* readJsonRecords(absolutePath: string, pointer: string, displayPath: string, signal?: AbortSignal): AsyncGenerator<SourceRecord> {
  const tokens = parsePointer(pointer);
  let picked: string | null = null;
  const input = createReadStream(absolutePath, { signal, highWaterMark: 256 * 1024 });
  const picker = pick({
    once: true,
    // The stack holds object keys (strings) and array indices (numbers) down to the current value.
    filter: (stack, chunk) => {
      const match = stack.length === tokens.length && tokens.every((token, i) => String(stack[i]) === token);
      if (match) picked = chunk.name;
      return match;
    },
  });
  const elements = streamArray();
  // pipeline destroys every stage when one fails; the error then surfaces from the iteration below.
  pipeline(input, new StripBom(), jsonParser(), picker, elements, () => undefined);

  const where = pointer === '' ? `the top-level value of ${displayPath}` : `the value at records_pointer '${pointer}'`;
  try {
    for await (const { key, value } of elements as AsyncIterable<{ key: number; value: unknown }>) {
      yield { index: key + 1, value };
    }
  } catch (error) {
    if (signal?.aborted) throw signal.reason ?? error;
    if (picked !== null && picked !== 'startArray') {
      const hint = pointer === '' ? ': set records_pointer to the array of records (e.g. /data)' : '';
      throw new Error(`${where} is ${tokenKind(picked)}, not an array of records${hint}`);
    }
    const message = (error as Error).message;
    if ((error as NodeJS.ErrnoException).code) throw new Error(`cannot read ${displayPath}: ${message}`);
    throw new Error(`invalid JSON in ${displayPath}: ${message}`);
  } finally {
    input.destroy();
    elements.destroy();
  }
  if (picked === null) {
    if (pointer === '') throw new Error(`${displayPath} holds no JSON value`);
    throw new Error(`records_pointer '${pointer}' matches nothing in ${displayPath}`);
  }
}

/**
 * Streams the records of an NDJSON / JSON Lines file, one JSON value per line; blank (or whitespace-only)
 * lines are skipped. Lines are split here rather than by stream-json's jsonl parser because that parser
 * counts values, not lines, and errors need the line number.
 */
export async function* readNdjsonRecords(absolutePath: string, displayPath: string, signal?: AbortSignal): AsyncGenerator<SourceRecord> {
  const input = createReadStream(absolutePath, { encoding: 'utf8', signal, highWaterMark: 256 * 1024 });
  let pending = '';
  let line = 0;
  let index = 0;

  function parseLine(text: string): SourceRecord | null {
    line++;
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '') return null;
    try {
      return { index: ++index, line, value: JSON.parse(text) };
    } catch (error) {
      throw new Error(`line ${line}: ${(error as Error).message}`);
    }
  }

  try {
    for await (const chunk of input as AsyncIterable<string>) {
      pending += chunk;
      // A line is held whole until it ends; bound that, so a file that is not NDJSON cannot exhaust memory.
      if (pending.length > MAX_LINE_CHARS && pending.indexOf('\n') === -1) {
        throw new Error(`line ${line + 1}: longer than ${MAX_LINE_CHARS / (1024 * 1024)} Mi characters; is this NDJSON (one record per line)?`);
      }
      let start = 0;
      for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', start)) {
        const record = parseLine(pending.slice(start, end));
        start = end + 1;
        if (record) yield record;
      }
      pending = pending.slice(start);
    }
    if (pending !== '') {
      const record = parseLine(pending);
      if (record) yield record;
    }
  } catch (error) {
    if (signal?.aborted) throw signal.reason ?? error;
    if ((error as NodeJS.ErrnoException).code) throw new Error(`cannot read ${displayPath}: ${(error as Error).message}`);
    throw error;
  } finally {
    input.destroy();
  }
}

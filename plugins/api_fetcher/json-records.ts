/**
 * Pulls records out of a JSON body as it streams: only the record being read is held in memory, so a
 * single huge response costs no more than a small one. Also captures one extra scalar (the next-page
 * URL) by JSON Pointer on the way.
 */

/** RFC 6901: '' is the whole document; '/a/b~1c' is ['a', 'b/c']. Input is assumed valid (the schema checks it). */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** A token of stream-json's parser with `packValues` on and `streamValues` off. */
export interface JsonToken {
  name: string;
  value?: string;
}

/** The body did not have the expected shape; the caller prefixes the page. */
export class RecordsShapeError extends Error {}

/** Returned by `feed` when the token did not complete a record. */
export const NO_RECORD: unique symbol = Symbol('no record');

interface Frame {
  kind: 'object' | 'array';
  /** Object: the key of the value being read. Array: the index of the next element. */
  key: string | null;
  index: number;
  isRecords: boolean;
}

interface Building {
  container: Record<string, unknown> | unknown[];
  key: string | null;
}

const describeKind = (tokenName: string): string =>
  tokenName === 'startObject' ? 'an object' : tokenName === 'startArray' ? 'an array' : tokenName === 'stringValue' ? 'a string' : tokenName === 'numberValue' ? 'a number' : tokenName === 'nullValue' ? 'null' : 'a boolean';

/** Marks a next-page value that is an object or array (never a valid URL). */
export class NonScalarValue {
  constructor(readonly kind: string) {}
}

export class JsonRecordsWalker {
  private readonly frames: Frame[] = [];
  private readonly building: Building[] = [];
  private readonly recordsPath: string[];
  private readonly extraPath: string[] | null;
  private recordsFound = false;
  /** The value at the extra pointer: undefined when absent, a NonScalarValue for objects and arrays. */
  extraValue: unknown = undefined;

  constructor(
    private readonly recordsPointer: string,
    extraPointer: string | null = null,
  ) {
    this.recordsPath = parseJsonPointer(recordsPointer);
    this.extraPath = extraPointer === null ? null : parseJsonPointer(extraPointer);
  }

  /** Consumes one token; returns the record it completed, or NO_RECORD. */
  feed(token: JsonToken): unknown {
    if (this.building.length > 0) return this.feedRecord(token);
    const top = this.frames[this.frames.length - 1];
    switch (token.name) {
      case 'keyValue':
        top.key = token.value!;
        return NO_RECORD;
      case 'endObject':
      case 'endArray':
        this.frames.pop();
        this.valueEnded();
        return NO_RECORD;
      case 'startObject':
      case 'startArray':
      case 'stringValue':
      case 'numberValue':
      case 'nullValue':
      case 'trueValue':
      case 'falseValue':
        return this.valueStarts(token, top);
      default:
        return NO_RECORD; // chunk tokens are not requested; nothing else carries data
    }
  }

  /** Call at the end of the body: fails when the records array never appeared. */
  finish(): void {
    if (!this.recordsFound) throw new RecordsShapeError(`records_pointer '${this.recordsPointer}' does not point to an array (the body has nothing there)`);
  }

  private valueStarts(token: JsonToken, top: Frame | undefined): unknown {
    if (top?.isRecords) {
      if (token.name === 'startObject' || token.name === 'startArray') {
        this.building.push({ container: token.name === 'startObject' ? {} : [], key: null });
        return NO_RECORD;
      }
      top.index++;
      return scalar(token);
    }
    const isStart = token.name === 'startObject' || token.name === 'startArray';
    if (!this.recordsFound && this.atPath(this.recordsPath)) {
      if (token.name !== 'startArray') throw new RecordsShapeError(`records_pointer '${this.recordsPointer}' does not point to an array (it is ${describeKind(token.name)})`);
      this.recordsFound = true;
      this.frames.push({ kind: 'array', key: null, index: 0, isRecords: true });
      return NO_RECORD;
    }
    if (this.extraPath && this.atPath(this.extraPath)) this.extraValue = isStart ? new NonScalarValue(describeKind(token.name)) : scalar(token);
    if (isStart) this.frames.push({ kind: token.name === 'startObject' ? 'object' : 'array', key: null, index: 0, isRecords: false });
    else this.valueEnded();
    return NO_RECORD;
  }

  /** After a value inside an array, the next one has the next index. */
  private valueEnded(): void {
    const top = this.frames[this.frames.length - 1];
    if (top?.kind === 'array') top.index++;
  }

  /** Whether the value starting now sits at `path`. */
  private atPath(path: string[]): boolean {
    if (this.frames.length !== path.length) return false;
    for (let i = 0; i < path.length; i++) {
      const frame = this.frames[i];
      if (frame.kind === 'object' ? frame.key !== path[i] : String(frame.index) !== path[i]) return false;
    }
    return true;
  }

  private feedRecord(token: JsonToken): unknown {
    const top = this.building[this.building.length - 1];
    switch (token.name) {
      case 'keyValue':
        top.key = token.value!;
        return NO_RECORD;
      case 'startObject':
      case 'startArray':
        this.building.push({ container: token.name === 'startObject' ? {} : [], key: null });
        return NO_RECORD;
      case 'endObject':
      case 'endArray':
        this.building.pop();
        return this.completed(top.container);
      case 'stringValue':
      case 'numberValue':
      case 'nullValue':
      case 'trueValue':
      case 'falseValue':
        return this.completed(scalar(token));
      default:
        return NO_RECORD;
    }
  }

  /** Adds a finished value to its parent, or hands it out when it is a whole record. */
  private completed(value: unknown): unknown {
    const parent = this.building[this.building.length - 1];
    if (!parent) {
      this.frames[this.frames.length - 1].index++;
      return value;
    }
    if (Array.isArray(parent.container)) parent.container.push(value);
    else if (parent.key === '__proto__') {
      // A plain assignment would replace the object's prototype; JSON.parse keeps it as a field, and so do we.
      Object.defineProperty(parent.container, '__proto__', { value, enumerable: true, writable: true, configurable: true });
    } else parent.container[parent.key!] = value;
    return NO_RECORD;
  }
}

function scalar(token: JsonToken): unknown {
  switch (token.name) {
    case 'stringValue':
      return token.value;
    case 'numberValue':
      return Number(token.value);
    case 'trueValue':
      return true;
    case 'falseValue':
      return false;
    default:
      return null;
  }
}

import type { components } from '../../../openapi/client';
import { isObject, pointerOf, pointerSegments, SECRET_MASK } from '../form/form-schema';

type PatchOperation = components['schemas']['PatchOperationDto'];
type Version = components['schemas']['VersionDto'];

/** What happened to one field between two versions. The word says it; styling only repeats it. */
export type DiffKind = 'added' | 'removed' | 'changed' | 'moved';

/** One line of a readable diff: "config.table_name: "a" → "b"". */
export interface DiffLine {
  /** The JSON Pointer into the version document (`/config/to/2`). */
  path: string;
  /** The same place as people read it: `config.to[2]`. */
  field: string;
  kind: DiffKind;
  /** The value before, as JSON text; absent for an added field and for secrets. */
  before?: string;
  /** The value after, as JSON text; absent for a removed field and for secrets. */
  after?: string;
  /** A secret: shown as set, changed or removed, never with a value (the server sends only the mask). */
  secret: boolean;
}

/** The fields of a version the server diffs (docs/history.md#diff), in the order it compares them. */
export function versionDocument(version: Version): Record<string, unknown> {
  const { name, template_id, config, template_version, enabled, execution_policy, schedule, depends_on } = version;
  return { name, template_id, config, template_version, enabled, execution_policy, schedule, depends_on };
}

/** `/config/to/2` → `config.to[2]`; the whole document → `(everything)`. */
export function fieldLabel(pointer: string): string {
  const segments = pointerSegments(pointer);
  if (segments.length === 0) return '(everything)';
  return segments.map((segment, index) => (/^\d+$/.test(segment) && index > 0 ? `[${segment}]` : index === 0 ? segment : `.${segment}`)).join('');
}

/** A value as one line of JSON, cut at `max` characters. */
export function showValue(value: unknown, max = 300): string {
  const text = value === undefined ? '(none)' : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const containsMask = (value: unknown): boolean =>
  value === SECRET_MASK || (Array.isArray(value) ? value.some(containsMask) : isObject(value) ? Object.values(value).some(containsMask) : false);

/**
 * The RFC 6902 patch that turns `before` into the other version, as one line per operation with the value before
 * and after. Operations apply in order (an array removal shifts the indexes after it), so the old value of each is
 * read from `before` as the operations so far have left it. A secret (the mask on either side) shows as changed
 * only: never a value, not even the mask.
 */
export function diffLines(patch: readonly PatchOperation[], before: unknown): DiffLine[] {
  let document: unknown = structuredClone(before);
  const lines: DiffLine[] = [];
  for (const operation of patch) {
    const old = read(document, operation.path);
    const line = { path: operation.path, field: fieldLabel(operation.path) };
    switch (operation.op) {
      case 'add': {
        const replaces = old !== undefined && !isArrayIndex(document, operation.path);
        const secret = operation.value === SECRET_MASK || (replaces && old === SECRET_MASK);
        lines.push(secret ? { ...line, kind: replaces ? 'changed' : 'added', secret } : { ...line, kind: replaces ? 'changed' : 'added', ...(replaces ? { before: showValue(old) } : {}), after: showValue(operation.value), secret: false });
        document = write(document, operation.path, operation.value, 'add');
        break;
      }
      case 'remove': {
        const secret = old === SECRET_MASK;
        lines.push(secret ? { ...line, kind: 'removed', secret } : { ...line, kind: 'removed', before: showValue(old), secret: false });
        document = write(document, operation.path, undefined, 'remove');
        break;
      }
      case 'replace': {
        const secret = operation.value === SECRET_MASK || old === SECRET_MASK;
        lines.push(secret ? { ...line, kind: 'changed', secret } : { ...line, kind: 'changed', before: showValue(old), after: showValue(operation.value), secret: false });
        document = write(document, operation.path, operation.value, 'replace');
        break;
      }
      case 'move':
      case 'copy': {
        const from = operation.from ?? '';
        const value = read(document, from);
        const secret = containsMask(value);
        lines.push({ ...line, kind: operation.op === 'move' ? 'moved' : 'added', before: `from ${fieldLabel(from)}`, ...(secret ? {} : { after: showValue(value) }), secret });
        if (operation.op === 'move') document = write(document, from, undefined, 'remove');
        document = write(document, operation.path, structuredClone(value), 'add');
        break;
      }
      default:
        break; // `test` changes nothing
    }
  }
  return lines;
}

/** How a diff line reads as a sentence, for screen readers and copy-paste: "config.mode changed from "replace" to "append"". */
export function describeLine(line: DiffLine): string {
  if (line.secret) return `${line.field}: secret ${line.kind === 'added' ? 'set' : line.kind === 'removed' ? 'removed' : 'changed'} (value not shown)`;
  if (line.kind === 'added') return `${line.field}: added ${line.after}`;
  if (line.kind === 'removed') return `${line.field}: removed (was ${line.before})`;
  if (line.kind === 'moved') return `${line.field}: moved ${line.before}`;
  return `${line.field}: ${line.before} → ${line.after}`;
}

const parentOf = (pointer: string): string => pointerOf(pointerSegments(pointer).slice(0, -1));

function isArrayIndex(document: unknown, pointer: string): boolean {
  return Array.isArray(read(document, parentOf(pointer)));
}

function read(document: unknown, pointer: string): unknown {
  let node = document;
  for (const segment of pointerSegments(pointer)) {
    if (Array.isArray(node)) node = segment === '-' ? undefined : node[Number(segment)];
    else if (isObject(node)) node = Object.prototype.hasOwnProperty.call(node, segment) ? node[segment] : undefined;
    else return undefined;
  }
  return node;
}

/** Applies one add, remove or replace at `pointer`, in place where it can; answers the (possibly new) document. */
function write(document: unknown, pointer: string, value: unknown, op: 'add' | 'remove' | 'replace'): unknown {
  const segments = pointerSegments(pointer);
  if (segments.length === 0) return op === 'remove' ? undefined : value;
  const parent = read(document, parentOf(pointer));
  const key = segments[segments.length - 1];
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (op === 'add') parent.splice(index, 0, value);
    else if (op === 'remove') parent.splice(index, 1);
    else parent[index] = value;
  } else if (isObject(parent)) {
    if (op === 'remove') delete parent[key];
    else parent[key] = value;
  }
  return document;
}

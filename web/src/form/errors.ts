import type { ErrorSchema } from '@rjsf/utils';
import type { FieldError } from '../api/problem';
import { isObject, pointerOf, pointerSegments, SECRET_MASK } from './form-schema';

/**
 * The server's field errors as rjsf's errorSchema: `/config/table_name` lands in `config.table_name.__errors`, so
 * the message shows under that field. Object-level errors (`/config/auth`) show under the object.
 */
export function errorSchemaFrom(errors: FieldError[]): ErrorSchema {
  const schema: Record<string, unknown> = {};
  for (const error of errors) {
    let node = schema;
    for (const segment of pointerSegments(error.path)) {
      node[segment] ??= {};
      node = node[segment] as Record<string, unknown>;
    }
    const list = (node.__errors ??= []) as string[];
    if (!list.includes(error.message)) list.push(error.message);
  }
  return schema as ErrorSchema;
}

/** The value a JSON Pointer names in data, or undefined. */
export function valueAt(data: unknown, pointer: string): unknown {
  let node = data;
  for (const segment of pointerSegments(pointer)) {
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isObject(node)) node = node[segment];
    else return undefined;
  }
  return node;
}

/** Pointers (into the form data) of every value that is the secret mask: the stored secrets of the loaded instance. */
export function maskedPointers(config: unknown, base = '/config'): string[] {
  if (config === SECRET_MASK) return [base];
  if (Array.isArray(config)) return config.flatMap((item, index) => maskedPointers(item, `${base}/${index}`));
  if (isObject(config)) return Object.entries(config).flatMap(([key, value]) => maskedPointers(value, `${base}${pointerOf([key])}`));
  return [];
}

/** Pointers of the leaves where two values differ: what the user has changed since the form was loaded. */
export function changedPointers(before: unknown, after: unknown, base = ''): string[] {
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((key) => changedPointers(before[key], after[key], `${base}${pointerOf([key])}`));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, index) => changedPointers(before[index], after[index], `${base}/${index}`)).flat();
  }
  if (isObject(after) && before === undefined) return changedPointers({}, after, base).concat(base === '' ? [] : [base]);
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [base];
}

const parentOf = (pointer: string) => pointer.slice(0, pointer.lastIndexOf('/'));

/**
 * The errors to show while the user is still typing: those on a field they changed, inside it, or beside it in the same
 * nested object (switching `auth.type` to bearer shows that the token is missing). Untouched top-level fields keep quiet
 * until the first save attempt, when `all` shows everything.
 */
export function visibleErrors(errors: FieldError[], changed: readonly string[], all: boolean): FieldError[] {
  if (all) return errors;
  return errors.filter((error) => {
    const parent = parentOf(error.path);
    const nested = pointerSegments(parent).length >= 2;
    return changed.some((pointer) => pointer === error.path || pointer.startsWith(`${error.path}/`) || error.path.startsWith(`${pointer}/`) || (nested && pointer.startsWith(`${parent}/`)));
  });
}

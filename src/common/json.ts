/**
 * True for a JSON object (or any non-array object): what a parsed JSON value, a config or a JSON Schema node must be
 * before its keys are read. Arrays and null are not. Exported to plugins through src/sdk.
 */
export const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * True when two JSON values are equal: the same keys with equal values in any order, arrays in order. Unlike
 * util.isDeepStrictEqual it ignores prototypes, so a structuredClone (made in another realm under jest) compares by value.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => sameJson(item, b[index]));
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
}

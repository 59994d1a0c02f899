/**
 * True for a JSON object (or any non-array object): what a parsed JSON value, a config or a JSON Schema node must be
 * before its keys are read. Arrays and null are not. Exported to plugins through src/sdk.
 */
export const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

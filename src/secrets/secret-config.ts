import { FieldError } from '../common/domain-errors';
import { isPlainObject } from '../common/json';
import { isSecretEnvelope } from './secret-cipher';
import { ConfigPath, configPointer, deleteValueAt, dottedPath, parentOf, SecretPattern, secretPathsIn, setValueAt, valueAt } from './secret-paths';
import { SECRET_MASK } from './secret-scrubber';

/** A config as clients see it: each set secret replaced by the mask, and where those secrets are. */
export interface MaskedConfig {
  config: Record<string, unknown>;
  secret_fields: string[];
}

/** Every envelope in a stored config, wherever it sits (a field may have stopped being secret since it was sealed). */
export function envelopePathsIn(value: unknown, path: (string | number)[] = []): ConfigPath[] {
  if (isSecretEnvelope(value)) return [path];
  if (Array.isArray(value)) return value.flatMap((item, i) => envelopePathsIn(item, [...path, i]));
  if (isPlainObject(value)) return Object.entries(value).flatMap(([key, item]) => envelopePathsIn(item, [...path, key]));
  return [];
}

const isSet = (value: unknown) => value !== undefined && value !== null;

/**
 * Masks a config for a response: every envelope, and every set value the schema marks secret (a
 * plaintext not sealed yet, or a config echoed by validate), becomes the mask.
 */
export function maskConfig(config: Record<string, unknown>, patterns: readonly SecretPattern[] = []): MaskedConfig {
  // Most configs hold no secret: answer them without a copy.
  if (patterns.length === 0 && envelopePathsIn(config ?? {}).length === 0) return { config: config ?? {}, secret_fields: [] };
  const masked = structuredClone(config ?? {});
  const paths = new Map<string, ConfigPath>();
  for (const path of [...envelopePathsIn(masked), ...secretPathsIn(masked, patterns).filter((p) => isSet(valueAt(masked, p)))]) paths.set(JSON.stringify(path), path);
  const outermost = [...paths.values()].filter((path) => ![...paths.values()].some((o) => o.length < path.length && o.every((s, i) => s === path[i])));
  for (const path of outermost) setValueAt(masked, path, SECRET_MASK);
  return { config: masked, secret_fields: outermost.map(dottedPath).sort() };
}

/** Values a client may not send: the mask where no stored secret stands behind it, and anything shaped like an envelope. */
export function placeholderErrors(config: Record<string, unknown>, patterns: readonly SecretPattern[], maskAllowed: boolean): FieldError[] {
  const errors = envelopePathsIn(config).map((path) => ({ path: configPointer(path), message: 'is a stored-secret envelope; send the value itself' }));
  if (!maskAllowed) {
    for (const path of secretPathsIn(config, patterns)) {
      if (valueAt(config, path) === SECRET_MASK) errors.push({ path: configPointer(path), message: `is the secret mask "${SECRET_MASK}", not a value; send the secret itself` });
    }
  }
  return errors;
}

/** Stands in an opened config for a stored secret that could not be decrypted. */
export class UnreadableSecret {
  constructor(readonly reason: string) {}
}
const isUnreadable = (value: unknown): value is UnreadableSecret => value instanceof UnreadableSecret;

export interface MergedConfig {
  config: Record<string, unknown>;
  /** Stored secrets the request left out and that were kept: dropped again if the new config has no place for them. */
  carried: ConfigPath[];
  /** Secrets the request cleared with null: their keys are gone from `config` (and nothing stored is kept there). */
  cleared: ConfigPath[];
  errors: FieldError[];
}

/**
 * PUT semantics for secrets. `incoming` replaces the config, except: a secret sent as the mask keeps
 * its stored value at the same place; a stored secret left out keeps its value when its parent object
 * is still there (array elements are never re-added). A new value replaces. Null clears: the key is dropped before
 * the schema sees it, so a secret typed `{type: "string"}` can be cleared too (unless the schema requires it, which
 * validation then reports). An array element keeps its null (dropping it would shift the others).
 */
export function mergeSecrets(incoming: Record<string, unknown>, stored: Record<string, unknown>, patterns: readonly SecretPattern[]): MergedConfig {
  const config = structuredClone(incoming);
  const errors: FieldError[] = [];
  const cleared = secretPathsIn(config, patterns).filter((path) => valueAt(config, path) === null && typeof path[path.length - 1] !== 'number');
  for (const path of cleared) deleteValueAt(config, path);
  const clearedKeys = new Set(cleared.map((path) => JSON.stringify(path)));
  const unreadable = (path: ConfigPath, value: UnreadableSecret) =>
    errors.push({ path: configPointer(path), message: `the stored secret cannot be decrypted (${value.reason}); send a new value` });
  for (const path of secretPathsIn(config, patterns)) {
    if (valueAt(config, path) !== SECRET_MASK) continue;
    const previous = valueAt(stored, path);
    if (!isSet(previous)) errors.push({ path: configPointer(path), message: `is the secret mask "${SECRET_MASK}", but no secret is stored here; send the value` });
    else if (isUnreadable(previous)) unreadable(path, previous);
    else setValueAt(config, path, previous);
  }
  const carried: ConfigPath[] = [];
  for (const path of secretPathsIn(stored, patterns)) {
    const previous = valueAt(stored, path);
    if (!isSet(previous) || typeof path[path.length - 1] === 'number' || clearedKeys.has(JSON.stringify(path))) continue;
    const parent = parentOf(config, path);
    if (!parent || Object.hasOwn(parent, path[path.length - 1])) continue;
    if (isUnreadable(previous)) {
      unreadable(path, previous);
      continue;
    }
    parent[path[path.length - 1]] = previous;
    carried.push(path);
  }
  return { config, carried, cleared, errors };
}

import { isPlainObject } from '../common/json';

/** What a secret is replaced with in every response, log line and stored result. */
export const SECRET_MASK = '********';
/** Shorter secret values are not scrubbed from output: replacing "ab" everywhere would mangle it. */
export const MIN_SCRUBBED_LENGTH = 4;

/** The string forms of one secret value that output may carry: as is, URI-encoded, JSON-escaped and base64. */
function formsOf(secret: string): string[] {
  return [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), Buffer.from(secret, 'utf8').toString('base64')];
}

/** Every string leaf of a secret value (a secret may be an object or an array), numbers included. */
export function secretStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(secretStrings);
  if (isPlainObject(value)) return Object.values(value).flatMap(secretStrings);
  return [];
}

/** Replaces known secret values with the mask in text and in any JSON value (keys included). */
export class SecretScrubber {
  static readonly NONE = new SecretScrubber([]);
  private readonly needles: string[];

  constructor(secrets: Iterable<string>) {
    const forms = new Set<string>();
    for (const secret of secrets) {
      if (secret.length < MIN_SCRUBBED_LENGTH || secret === SECRET_MASK) continue;
      for (const form of formsOf(secret)) forms.add(form);
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.needles = [...forms].sort((a, b) => b.length - a.length);
  }

  get empty(): boolean {
    return this.needles.length === 0;
  }

  text(text: string): string {
    let result = text;
    for (const needle of this.needles) if (result.includes(needle)) result = result.split(needle).join(SECRET_MASK);
    return result;
  }

  value<T>(value: T): T {
    if (this.empty) return value;
    return this.deep(value) as T;
  }

  private deep(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((item) => this.deep(item));
    if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [this.text(key), this.deep(item)]));
    return value;
  }
}

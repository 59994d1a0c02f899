/** Strong ETag for a versioned resource: the version changes on every write to the row. */
export const etagForVersion = (version: number): string => `"${version}"`;

/**
 * True when an If-Match (strong comparison) or If-None-Match (weak comparison) header value
 * matches the ETag; `*` matches any current representation.
 */
export function etagMatches(header: string, etag: string, comparison: 'strong' | 'weak'): boolean {
  return header
    .split(',')
    .map((candidate) => candidate.trim())
    .some((candidate) => {
      if (candidate === '*') return true;
      if (comparison === 'weak') candidate = candidate.replace(/^W\//, '');
      return candidate === etag;
    });
}

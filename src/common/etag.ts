/** Strong ETag for a versioned resource: the version changes on every write to the row. */
export const etagForVersion = (version: number): string => `"${version}"`;

/** True when an If-Match header value matches the ETag (strong comparison; `*` matches any). */
export function ifMatchSatisfied(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((candidate) => candidate.trim())
    .some((candidate) => candidate === '*' || candidate === etag);
}

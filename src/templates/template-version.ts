/**
 * Semantic-version precedence (SemVer 2.0.0, section 11) for template versions: major, minor and patch
 * numerically; a pre-release is lower than its release; pre-release identifiers compare numerically when both
 * are numeric, else as ASCII text, numeric ones lower; a shorter list of equal identifiers is lower; build
 * metadata (`+...`) does not count. The `semver` package is only a transitive dependency here (without
 * types), and this is all of it the service needs.
 */

/** As TemplateExplorer accepts a template's version. */
const VERSION = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

interface ParsedVersion {
  core: [number, number, number];
  prerelease: string[];
}

export class TemplateVersionError extends Error {
  constructor(version: string) {
    super(`'${version}' is not a semantic version such as 1.0.0`);
    this.name = 'TemplateVersionError';
  }
}

function parse(version: string): ParsedVersion {
  const match = VERSION.exec(version);
  if (!match) throw new TemplateVersionError(version);
  return { core: [Number(match[1]), Number(match[2]), Number(match[3])], prerelease: match[4] ? match[4].split('.') : [] };
}

const NUMERIC = /^\d+$/;

function compareIdentifiers(a: string, b: string): number {
  const aNumeric = NUMERIC.test(a);
  const bNumeric = NUMERIC.test(b);
  if (aNumeric && bNumeric) return Math.sign(Number(a) - Number(b));
  if (aNumeric !== bNumeric) return aNumeric ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** -1, 0 or 1 as `a` is older than, as old as, or newer than `b`; throws TemplateVersionError for a malformed one. */
export function compareTemplateVersions(a: string, b: string): -1 | 0 | 1 {
  const left = parse(a);
  const right = parse(b);
  for (let i = 0; i < 3; i++) {
    if (left.core[i] !== right.core[i]) return left.core[i] < right.core[i] ? -1 : 1;
  }
  if (left.prerelease.length === 0 || right.prerelease.length === 0) {
    // A release is newer than any of its pre-releases.
    return left.prerelease.length === right.prerelease.length ? 0 : left.prerelease.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.min(left.prerelease.length, right.prerelease.length); i++) {
    const order = compareIdentifiers(left.prerelease[i], right.prerelease[i]);
    if (order !== 0) return order as -1 | 1;
  }
  return Math.sign(left.prerelease.length - right.prerelease.length) as -1 | 0 | 1;
}

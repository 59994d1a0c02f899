#!/usr/bin/env bash
# Reports breaking changes between the previous committed version of openapi/openapi.json and the
# current one, with openapi-diff. Prints a summary; exits 1 on a breaking change when
# OPENAPI_BREAKING=fail (CI reports them without failing: a breaking change can be intended).
set -euo pipefail
cd "$(dirname "$0")/.."
SPEC=openapi/openapi.json
# The version before the most recent change to the spec (the spec as it was before this work).
BASE_COMMIT="$(git log -n 2 --format=%H -- "$SPEC" | sed -n 2p)"
if [ -z "$BASE_COMMIT" ]; then echo "no earlier version of $SPEC to compare with"; exit 0; fi
BASE="$(mktemp --suffix=.json)"
REPORT="$(mktemp --suffix=.json)"
trap 'rm -f "$BASE" "$REPORT"' EXIT
git show "$BASE_COMMIT:$SPEC" > "$BASE"
set +e
npx --no-install openapi-diff "$BASE" "$SPEC" > "$REPORT" 2>&1
STATUS=$?
set -e
node -e '
  const fs = require("fs");
  const text = fs.readFileSync(process.argv[1], "utf8");
  if (/No changes found/.test(text)) {
    console.log(`compared with ${process.argv[2].slice(0, 12)}: no changes to paths, parameters or schemas`);
    process.exit(0);
  }
  const start = text.indexOf("{");
  let report;
  try {
    report = JSON.parse(text.slice(start));
  } catch {
    console.log(`could not compare with ${process.argv[2].slice(0, 12)}: ${text.split("\n").find((line) => /error/i.test(line)) ?? text.split("\n")[0]}`);
    process.exit(0);
  }
  const describe = (d) => {
    const where = [...(d.sourceSpecEntityDetails ?? []), ...(d.destinationSpecEntityDetails ?? [])].map((e) => e.location).filter(Boolean)[0] ?? "";
    return `  - ${d.code} (${d.action}) ${where}`;
  };
  console.log(`compared with ${process.argv[2].slice(0, 12)}: ${report.breakingDifferences?.length ?? 0} breaking, ${report.nonBreakingDifferences?.length ?? 0} non-breaking, ${report.unclassifiedDifferences?.length ?? 0} unclassified change(s)`);
  for (const d of report.breakingDifferences ?? []) console.log(describe(d));
' "$REPORT" "$BASE_COMMIT"
if [ "$STATUS" -ne 0 ] && [ "${OPENAPI_BREAKING:-report}" = "fail" ]; then exit 1; fi
exit 0

#!/usr/bin/env bash
# Imports a generated CSV (ROWS rows x 10 columns, fixed seed) through the real server's table_loader
# and prints the run's duration, rows/s and the server process's peak RSS (VmHWM). Needs `npm run build`.
# Usage: scripts/measure-large-import.sh [ROWS]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-1000000}"
WORK="$(mktemp -d /tmp/pif-import.XXXXXX)"
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

node -e '
  const fs = require("fs");
  const [file, rows] = [process.argv[1], Number(process.argv[2])];
  const out = fs.createWriteStream(file);
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  out.write("id,name,room,price,qty,serial,category,score,active,notes\n");
  let i = 0;
  (function write() {
    let ok = true;
    while (i < rows && ok) {
      const r = next();
      ok = out.write(`${i},Item ${r % 9973},${r % 500},${(r % 100000) / 100},${r % 37},SN-${r.toString(16)},cat_${r % 12},${(r % 1000) / 10},${r % 2},"note, with comma ${r % 77}"\n`);
      i++;
    }
    if (i < rows) out.once("drain", write); else out.end();
  })();
' "$WORK/big.csv" "$ROWS"
echo "generated $ROWS rows ($(du -h "$WORK/big.csv" | cut -f1))"

PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
DATA_DIR="$WORK/data" IMPORT_ROOTS="$WORK" PORT="$PORT" LOG_LEVEL=warn LOG_FORMAT=json node dist/src/main.js >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 200); do curl -sf "127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.05; done
API="http://127.0.0.1:$PORT/api/plugins"
ID=$(curl -sf -X POST "$API/instances" -H 'content-type: application/json' \
  -d "{\"template_id\":\"table_loader\",\"name\":\"large import\",\"config\":{\"file_path\":\"$WORK/big.csv\",\"table_name\":\"big\"}}" |
  node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).id')
curl -sf -X POST "$API/instances/$ID/execute" | node -e '
  const e = JSON.parse(require("fs").readFileSync(0, "utf8"));
  if (e.status !== "succeeded") { console.error(JSON.stringify(e.error)); process.exit(1); }
  console.log(`status ${e.status}: ${e.result.rows_imported} rows in ${e.duration_ms} ms (${Math.round(e.result.rows_imported / (e.duration_ms / 1000))} rows/s)`);
'
echo "peak RSS of the server process: $(awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$PID/status")"

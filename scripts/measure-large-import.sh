#!/usr/bin/env bash
# Imports a generated file (fixed seed, bench/datasets.ts) through the real server's table_loader and prints,
# per run, the execution's duration, rows/s and the server process's peak RSS (VmHWM; a fresh server per run).
# For CSV it also times Debian's sqlite3 CLI (`.import --csv` into a new database) on the same file, back to
# back with ours in every run, and prints the ratio of the medians (CLI time / ours: higher is better).
# Needs `npm run build`.
# Usage: scripts/measure-large-import.sh [csv|xlsx] [ROWS]   (defaults: csv, 1000000 rows; xlsx: 100000 rows)
# Env:   RUNS=3 (runs; medians are printed)   PROFILE_DIR=dir (write a node --cpu-prof profile of each run there)
set -euo pipefail
cd "$(dirname "$0")/.."
KIND="${1:-csv}"
case "$KIND" in csv) ROWS="${2:-1000000}" ;; xlsx) ROWS="${2:-100000}" ;; *) echo "usage: $0 [csv|xlsx] [ROWS]" >&2; exit 2 ;; esac
RUNS="${RUNS:-3}"
WORK="$(mktemp -d /tmp/pif-import.XXXXXX)"
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT

FILE="$WORK/big.$KIND"
node dist/bench/datasets.js "$KIND" "$FILE" "$ROWS"
echo "generated $ROWS rows of $KIND ($(du -h "$FILE" | cut -f1))"
CLI="$(command -v sqlite3 || true)"
if [ "$KIND" = csv ] && [ -z "$CLI" ]; then echo "no sqlite3 CLI (apt-get install sqlite3): the baseline is skipped" >&2; fi

now_ms() { date +%s%3N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# One import through a fresh server; prints "<duration_ms> <peak_rss_mb>".
import_once() {
  local run="$1" port prof=()
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  if [ -n "${PROFILE_DIR:-}" ]; then mkdir -p "$PROFILE_DIR" && prof=(--cpu-prof --cpu-prof-dir "$PROFILE_DIR"); fi
  DATA_DIR="$WORK/data-$run" IMPORT_ROOTS="$WORK" PORT="$port" LOG_LEVEL=warn LOG_FORMAT=json node "${prof[@]}" dist/src/main.js >"$WORK/server-$run.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 400); do curl -sf "127.0.0.1:$port/health" >/dev/null && break; sleep 0.05; done
  local api="http://127.0.0.1:$port/api/plugins" id duration
  id=$(curl -sf -X POST "$api/instances" -H 'content-type: application/json' \
    -d "{\"template_id\":\"table_loader\",\"name\":\"large import\",\"config\":{\"file_path\":\"$FILE\",\"table_name\":\"big\"}}" |
    node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).id')
  duration=$(curl -sf -X POST "$api/instances/$id/execute" | node -e '
    const e = JSON.parse(require("fs").readFileSync(0, "utf8"));
    if (e.status !== "succeeded" || e.result.rows_imported !== Number(process.argv[1])) { console.error(JSON.stringify(e.error ?? e.result)); process.exit(1); }
    console.log(e.duration_ms);
  ' "$ROWS")
  local rss
  rss=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$PID/status")
  kill -TERM "$PID" && wait "$PID" 2>/dev/null || true
  PID=""
  rm -rf "$WORK/data-$run"
  echo "$duration $rss"
}

: >"$WORK/ours" && : >"$WORK/cli" && : >"$WORK/rss"
for run in $(seq 1 "$RUNS"); do
  line="run $run:"
  if [ "$KIND" = csv ] && [ -n "$CLI" ]; then
    rm -f "$WORK/cli.sqlite"
    start=$(now_ms)
    "$CLI" "$WORK/cli.sqlite" ".import --csv $FILE big"
    cli_ms=$(($(now_ms) - start))
    echo "$cli_ms" >>"$WORK/cli"
    line="$line sqlite3 CLI $cli_ms ms;"
  fi
  read -r ours_ms rss_mb < <(import_once "$run")
  echo "$ours_ms" >>"$WORK/ours" && echo "$rss_mb" >>"$WORK/rss"
  echo "$line table_loader $ours_ms ms ($((ROWS * 1000 / (ours_ms > 0 ? ours_ms : 1))) rows/s), peak RSS $rss_mb MB"
done

ours=$(median <"$WORK/ours")
summary="median of $RUNS: table_loader $ours ms ($(awk -v r="$ROWS" -v t="$ours" 'BEGIN { printf "%.0f", r * 1000 / t }') rows/s), max peak RSS $(sort -n "$WORK/rss" | tail -n 1) MB"
if [ -s "$WORK/cli" ]; then
  cli=$(median <"$WORK/cli")
  summary="$summary; sqlite3 CLI $cli ms; ratio CLI/ours $(awk -v c="$cli" -v t="$ours" 'BEGIN { printf "%.2f", c / t }')"
fi
echo "$summary"

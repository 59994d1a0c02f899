#!/usr/bin/env bash
# Runs the database-facing e2e suites (framework database and data store) against a real, throwaway
# PostgreSQL server on 127.0.0.1.
# Installs Debian's postgresql package when it is missing (as root), starts a private cluster in a
# temporary directory, runs jest with TEST_DATABASE_URL set, and always stops and removes the cluster.
# Extra arguments go to jest (e.g. --json --outputFile=...).
set -euo pipefail
cd "$(dirname "$0")/.."

find_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
PG_BIN="$(find_pg_bin)"
if [ -z "$PG_BIN" ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "PostgreSQL is not installed and this is not root: apt-get install postgresql" >&2; exit 1; fi
  echo "installing PostgreSQL from Debian's packages..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  PG_BIN="$(find_pg_bin)"
fi

WORK="$(mktemp -d /tmp/pif-postgres.XXXXXX)"
PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" -eq 0 ]; then chown postgres "$WORK"; fi

cleanup() {
  as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

as_pg "$PG_BIN/initdb" -D "$WORK/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $WORK -c fsync=off -c max_connections=200" start >/dev/null

export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
npx jest test/instances.e2e-spec.ts test/executions.e2e-spec.ts test/execution-events.e2e-spec.ts test/engine.e2e-spec.ts test/schedules.e2e-spec.ts test/webhooks.e2e-spec.ts test/dependencies.e2e-spec.ts test/versions.e2e-spec.ts test/templates.e2e-spec.ts test/data-store.e2e-spec.ts \
  test/table-loader.e2e-spec.ts test/file-importer.e2e-spec.ts test/api-fetcher.e2e-spec.ts test/exporter.e2e-spec.ts test/transformer.e2e-spec.ts test/secrets.e2e-spec.ts test/auth.e2e-spec.ts test/fuzz.e2e-spec.ts test/template-migrations.e2e-spec.ts test/provisioning.e2e-spec.ts test/notification-channels.e2e-spec.ts test/notification-delivery.e2e-spec.ts test/notification-policies.e2e-spec.ts test/notification-crash.e2e-spec.ts test/notification-email.e2e-spec.ts "$@"

#!/usr/bin/env bash
# Runs every benchmark of the migration engine in one go (about ten minutes on
# two cores): deploy against the floors, no-op deploy, peak RSS, and wait's
# readiness lag. Installs what is missing (apt: postgresql-15, sqlite3, time;
# npm: dbmate into bench/.tools) and builds build/rastar-init when it is not
# there. One throwaway PostgreSQL with default settings serves the first three
# unless RASTAR_BENCH_DATABASE_URL names a server; wait.sh always starts its
# own. Every table is printed on stdout, progress on stderr.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bench_install_common
bench_install_dbmate
bench_find_rastar_init
bench_start_postgres
export RASTAR_BENCH_DATABASE_URL=$BENCH_DATABASE_URL
if [ "${BENCH_STARTED_POSTGRES:-}" = 1 ]; then
  export BENCH_SERVER_NOTE="a throwaway server with initdb's configuration; data on $(df --output=fstype "$THROWAWAY_PG_DIR" | tail -1)"
fi

started=$EPOCHREALTIME
"$BENCH_DIR/migrate.sh"
"$BENCH_DIR/noop.sh"
"$BENCH_DIR/rss.sh"
"$BENCH_DIR/wait.sh"
echo
echo "All benchmarks took $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s."

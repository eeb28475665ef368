#!/usr/bin/env bash
# Peak resident memory (GNU time's %M) of `rastar-init migrate deploy` of 500
# generated migrations on a fresh database, and of the no-op deploy that
# follows, on each backend; the largest of a few runs counts. psql and
# sqlite3 applying the same files are printed for reference.
#
# Environment: RASTAR_BENCH_DATABASE_URL, RASTAR_INIT (see migrate.sh),
# BENCH_RUNS (default 3).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

readonly COUNT=500
readonly TARGET_KB=$((12 * 1024))
RUNS=${BENCH_RUNS:-3}

# Runs "$@" under GNU time and prints its peak RSS in KiB.
peak_rss() {
  if ! /usr/bin/time -f %M -o "$BENCH_WORK/rss" "$@" >"$BENCH_WORK/last.log" 2>&1; then
    tail -20 "$BENCH_WORK/last.log" >&2
    bench_die "failed: $*"
  fi
  tail -1 "$BENCH_WORK/rss"
}

max_of() {
  printf '%s\n' "$@" | sort -n | tail -1
}

row() {
  local label=$1 kb=$2 target=${3:-}
  local verdict=""
  if [ -n "$target" ]; then
    verdict=$([ "$kb" -lt "$target" ] && echo ok || echo MISSED)
    target="<$((target / 1024)) MB"
  fi
  printf '%-46s %9s | %8s %6s\n' "$label" "$(awk -v kb="$kb" 'BEGIN { printf "%.1f", kb / 1024 }')" "$target" "$verdict"
}

main() {
  bench_install_common
  bench_find_rastar_init
  bench_start_postgres
  BENCH_WORK=$(mktemp -d -t rastar-bench-rss.XXXXXX)
  local data="$BENCH_WORK/data"
  python3 "$BENCH_DIR/generate_migrations.py" --count "$COUNT" --out "$data"
  local migration
  for migration in "$data"/postgresql/migrations/*/; do
    cat "$migration/migration.sql"
  done >"$data/postgresql.sql"
  for migration in "$data"/sqlite/migrations/*/; do
    cat "$migration/migration.sql"
  done >"$data/sqlite.sql"

  local -a pg_deploy=() pg_noop=() sqlite_deploy=() sqlite_noop=() psql_rss=() sqlite3_rss=()
  local run name url file
  bench_say "peak RSS: $RUNS runs"
  for ((run = 1; run <= RUNS; run++)); do
    name="rastar_bench_rss_$$_$run"
    bench_psql "$BENCH_DATABASE_URL" -c "CREATE DATABASE $name"
    url=$(bench_url_for "$BENCH_DATABASE_URL" "$name")
    pg_deploy+=("$(DATABASE_URL=$url peak_rss "$RASTAR_INIT" migrate deploy --migrations "$data/postgresql/migrations")")
    pg_noop+=("$(DATABASE_URL=$url peak_rss "$RASTAR_INIT" migrate deploy --migrations "$data/postgresql/migrations")")
    bench_psql "$BENCH_DATABASE_URL" -c "DROP DATABASE $name" -c "CREATE DATABASE $name"
    psql_rss+=("$(peak_rss "$PSQL" -X -q -1 -v ON_ERROR_STOP=1 -d "$url" -f "$data/postgresql.sql")")
    bench_psql "$BENCH_DATABASE_URL" -c "DROP DATABASE $name"

    file="$BENCH_WORK/rss-$run.db"
    sqlite_deploy+=("$(DATABASE_URL=file:$file peak_rss "$RASTAR_INIT" migrate deploy --migrations "$data/sqlite/migrations")")
    sqlite_noop+=("$(DATABASE_URL=file:$file peak_rss "$RASTAR_INIT" migrate deploy --migrations "$data/sqlite/migrations")")
    rm -f "$file"
    sqlite3_rss+=("$(peak_rss sqlite3 -bail "$file" ".read $data/sqlite.sql")")
    rm -f "$file"
  done

  echo
  echo "== Peak RSS of rastar-init migrate deploy, $COUNT migrations (largest of $RUNS runs) =="
  bench_describe_machine
  echo
  printf '%-46s %9s | %8s %6s\n' "" "peak MB" target ""
  row "rastar-init deploy, PostgreSQL, $COUNT pending" "$(max_of "${pg_deploy[@]}")" "$TARGET_KB"
  row "rastar-init deploy, PostgreSQL, no-op" "$(max_of "${pg_noop[@]}")" "$TARGET_KB"
  row "rastar-init deploy, SQLite, $COUNT pending" "$(max_of "${sqlite_deploy[@]}")" "$TARGET_KB"
  row "rastar-init deploy, SQLite, no-op" "$(max_of "${sqlite_noop[@]}")" "$TARGET_KB"
  row "reference: psql -1 -f (the same SQL)" "$(max_of "${psql_rss[@]}")"
  row "reference: sqlite3 .read (the same SQL)" "$(max_of "${sqlite3_rss[@]}")"
}

main "$@"

#!/usr/bin/env bash
# Times a no-op `rastar-init migrate deploy`: 500 migrations, all applied
# already, which is what every container start after the first one pays.
# On PostgreSQL the bar is one trivial round trip, `psql -X -c 'select 1'`
# against the same database; both include connecting. On SQLite the same
# comparison with `sqlite3 FILE 'select 1'` is printed for reference. A
# no-op `rastar-init migrate status` is printed beside them.
#
# Environment: RASTAR_BENCH_DATABASE_URL, RASTAR_INIT (see migrate.sh),
# BENCH_RUNS (default 21), BENCH_SAMPLES (append every sample as TSV).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

readonly COUNT=500
RUNS=${BENCH_RUNS:-21}

declare -A SAMPLES

# Runs the commands named in "$@" (functions) in turns, RUNS rounds.
measure_in_turns() {
  local backend=$1 round i tool
  shift
  local -a tools=("$@")
  for ((round = 0; round < RUNS; round++)); do
    for ((i = 0; i < ${#tools[@]}; i++)); do
      tool=${tools[$(((i + round) % ${#tools[@]}))]}
      bench_time "$tool"
      SAMPLES["$backend,$tool"]+="$BENCH_ELAPSED_US "
      if [ -n "${BENCH_SAMPLES:-}" ]; then
        printf 'noop\t%s\t%s\t%s\t%s\n' "$backend" "$COUNT" "$tool" "$BENCH_ELAPSED_US" >>"$BENCH_SAMPLES"
      fi
    done
  done
}

median_of() {
  # shellcheck disable=SC2086
  printf '%s\n' ${SAMPLES["$1"]:-} | bench_median
}

# The applied state and the commands compared, per backend.
pg_deploy() { DATABASE_URL=$TARGET_PG "$RASTAR_INIT" migrate deploy --migrations "$DATA/postgresql/migrations"; }
pg_status() { DATABASE_URL=$TARGET_PG "$RASTAR_INIT" migrate status --migrations "$DATA/postgresql/migrations"; }
pg_select() { "$PSQL" -X -d "$TARGET_PG" -c 'select 1'; }
sqlite_deploy() { DATABASE_URL=file:$TARGET_SQLITE "$RASTAR_INIT" migrate deploy --migrations "$DATA/sqlite/migrations"; }
sqlite_status() { DATABASE_URL=file:$TARGET_SQLITE "$RASTAR_INIT" migrate status --migrations "$DATA/sqlite/migrations"; }
sqlite_select() { sqlite3 "$TARGET_SQLITE" 'select 1'; }

row() {
  local label=$1 backend=$2 reference_label=$3 reference=$4 target=$5
  local m_deploy m_status m_reference ratio verdict="" target_text=""
  m_deploy=$(median_of "$backend,${backend}_deploy")
  m_status=$(median_of "$backend,${backend}_status")
  m_reference=$(median_of "$backend,$reference")
  ratio=$(bench_ratio "$m_deploy" "$m_reference")
  if [ -n "$target" ]; then
    target_text="<=$target"x
    verdict=$(bench_verdict "$ratio" "$target")
  fi
  printf '%-11s %14s %14s  %-24s %10s | %14s %8s %6s\n' "$label" "$(bench_ms "$m_deploy")" "$(bench_ms "$m_status")" \
    "$reference_label" "$(bench_ms "$m_reference")" "$ratio" "$target_text" "$verdict"
}

main() {
  bench_install_common
  bench_find_rastar_init
  bench_start_postgres
  BENCH_WORK=$(mktemp -d -t rastar-bench-noop.XXXXXX)
  DATA="$BENCH_WORK/data"
  python3 "$BENCH_DIR/generate_migrations.py" --count "$COUNT" --out "$DATA"

  local name="rastar_bench_noop_$$"
  bench_psql "$BENCH_DATABASE_URL" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
  TARGET_PG=$(bench_url_for "$BENCH_DATABASE_URL" "$name")
  TARGET_SQLITE="$BENCH_WORK/noop.db"
  bench_say "applying $COUNT migrations once on each backend"
  bench_time pg_deploy
  bench_time sqlite_deploy
  [ "$(bench_psql -d "$TARGET_PG" -c 'SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL')" = $COUNT ] ||
    bench_die "the first deploy did not record $COUNT migrations on PostgreSQL"
  [ "$(sqlite3 "$TARGET_SQLITE" 'SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL')" = $COUNT ] ||
    bench_die "the first deploy did not record $COUNT migrations on SQLite"

  bench_say "no-op runs: $RUNS rounds"
  measure_in_turns pg pg_deploy pg_status pg_select
  measure_in_turns sqlite sqlite_deploy sqlite_status sqlite_select
  bench_psql "$BENCH_DATABASE_URL" -c "DROP DATABASE $name"

  echo
  echo "== No-op: rastar-init migrate deploy with all $COUNT migrations applied =="
  bench_describe_machine
  bench_describe_postgres "$BENCH_DATABASE_URL"
  echo
  echo "Median wall time in ms, connection set-up included, $RUNS runs each"
  printf '%-11s %14s %14s  %-24s %10s | %14s %8s %6s\n' backend "deploy (no-op)" "status" "reference" "" \
    "deploy/ref" target ""
  row PostgreSQL pg "psql -X -c 'select 1'" pg_select 2.00
  row SQLite sqlite "sqlite3 FILE 'select 1'" sqlite_select ""
}

main "$@"

#!/usr/bin/env bash
# Times `rastar-init migrate deploy` of N generated migrations (N = 1, 50, 500)
# on PostgreSQL and SQLite, in one run, against:
#   floor-tx  one psql (sqlite3) session running each file in its own
#             BEGIN/COMMIT: rastar-init also commits each migration with its
#             row, so the targets apply to this floor;
#   one-tx    psql -1 (sqlite3 in one BEGIN/COMMIT) over all files
#             concatenated: the database's raw work, for reference;
#   dbmate    (SQLite) which also commits each migration with its row;
#   old loop  what the old entrypoint paid per migration: one psql (sqlite3)
#             to ask _prisma_migrations whether the migration is applied, one
#             to apply it and insert its row in one transaction.
# Every run gets a fresh database (PostgreSQL: CREATE DATABASE then CHECKPOINT;
# SQLite: a new empty file), made and checked outside the timed section. The
# tools take turns within each round so that a noisy neighbour hits them alike.
#
# Environment: RASTAR_BENCH_DATABASE_URL (a superuser URL; default: start a
# throwaway server with PostgreSQL's default settings), RASTAR_INIT (the
# binary; default build/rastar-init), BENCH_SIZES ("1 50 500"), BENCH_RUNS
# (runs per size, default 11 / 5 / 3), BENCH_TOOLS (a subset of "rastar-init
# floor-tx one-tx dbmate old-loop"), BENCH_SAMPLES (append every sample to
# this file as TSV).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SIZES=${BENCH_SIZES:-"1 50 500"}
BENCH_TOOLS=${BENCH_TOOLS:-"rastar-init floor-tx one-tx dbmate old-loop"}

runs_for() {
  if [ -n "${BENCH_RUNS:-}" ]; then
    echo "$BENCH_RUNS"
    return
  fi
  case $1 in
    1) echo 11 ;;
    50) echo 5 ;;
    *) echo 3 ;;
  esac
}

# The old loop starts two processes per migration: it is an order of
# magnitude slower, so fewer runs place it well enough and keep the whole
# benchmark within minutes (at N=500 one run takes 15 s to minutes).
old_loop_runs_for() {
  local runs
  runs=$(runs_for "$1")
  if [ "$1" -ge 500 ]; then
    runs=1
  elif [ "$runs" -gt 5 ]; then
    runs=5
  elif [ "$1" -ge 50 ] && [ "$runs" -gt 3 ]; then
    runs=3
  fi
  echo "$runs"
}

# --- the tools, each given the database and a generated data set -----------

rastar_deploy_postgresql() {
  DATABASE_URL=$1 "$RASTAR_INIT" migrate deploy --migrations "$2/migrations"
}

rastar_deploy_sqlite() {
  DATABASE_URL=file:$1 "$RASTAR_INIT" migrate deploy --migrations "$2/migrations"
}

floor_tx_postgres() {
  "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$1" -f "$2/floor-tx.psql"
}

one_tx_postgres() {
  "$PSQL" -X -q -1 -v ON_ERROR_STOP=1 -d "$1" -f "$2/all.sql"
}

readonly PRISMA_TABLE_POSTGRES='CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);'

old_loop_postgres() {
  local url=$1 migration name applied checksum
  "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$url" -c "$PRISMA_TABLE_POSTGRES"
  for migration in "$2"/migrations/*/; do
    name=$(basename "$migration")
    applied=$("$PSQL" -X -At -v ON_ERROR_STOP=1 -d "$url" -c "SELECT 1 FROM _prisma_migrations
      WHERE migration_name = '$name' AND finished_at IS NOT NULL AND rolled_back_at IS NULL")
    [ -n "$applied" ] && continue
    checksum=$(sha256sum <"$migration/migration.sql")
    "$PSQL" -X -q -1 -v ON_ERROR_STOP=1 -d "$url" -f "$migration/migration.sql" \
      -c "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count)
          VALUES (gen_random_uuid(), '${checksum%% *}', now(), '$name', 1)"
  done
}

floor_tx_sqlite() {
  sqlite3 -bail "$1" <"$2/floor-tx.sqlite"
}

one_tx_sqlite() {
  sqlite3 -bail "$1" <"$2/one-tx.sqlite"
}

dbmate_sqlite() {
  "$DBMATE" --url "sqlite:$1" --migrations-dir "$2/dbmate" --no-dump-schema migrate
}

readonly PRISMA_TABLE_SQLITE='CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
);'

old_loop_sqlite() {
  local db=$1 migration name applied checksum
  sqlite3 -bail "$db" "$PRISMA_TABLE_SQLITE"
  for migration in "$2"/migrations/*/; do
    name=$(basename "$migration")
    applied=$(sqlite3 -bail "$db" "SELECT 1 FROM _prisma_migrations
      WHERE migration_name = '$name' AND finished_at IS NOT NULL AND rolled_back_at IS NULL")
    [ -n "$applied" ] && continue
    checksum=$(sha256sum <"$migration/migration.sql")
    sqlite3 -bail "$db" "BEGIN;" ".read '$migration/migration.sql'" \
      "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count)
       VALUES (lower(hex(randomblob(16))), '${checksum%% *}', current_timestamp, '$name', 1);" "COMMIT;"
  done
}

# --- data sets ----------------------------------------------------------------

# Generates the N migrations of both providers into $BENCH_WORK/nN and the
# floors' scripts beside them.
prepare_data_set() {
  local n=$1 out="$BENCH_WORK/n$1" migration
  python3 "$BENCH_DIR/generate_migrations.py" --count "$n" --out "$out" --dbmate
  : >"$out/postgresql/floor-tx.psql"
  : >"$out/postgresql/all.sql"
  for migration in "$out"/postgresql/migrations/*/; do
    printf "BEGIN;\n\\\\i '%s'\nCOMMIT;\n" "$migration/migration.sql" >>"$out/postgresql/floor-tx.psql"
    cat "$migration/migration.sql" >>"$out/postgresql/all.sql"
  done
  : >"$out/sqlite/floor-tx.sqlite"
  echo "BEGIN;" >"$out/sqlite/one-tx.sqlite"
  for migration in "$out"/sqlite/migrations/*/; do
    printf "BEGIN;\n.read '%s'\nCOMMIT;\n" "$migration/migration.sql" >>"$out/sqlite/floor-tx.sqlite"
    cat "$migration/migration.sql" >>"$out/sqlite/one-tx.sqlite"
  done
  echo "COMMIT;" >>"$out/sqlite/one-tx.sqlite"
}

# --- fresh databases and checks ----------------------------------------------

BENCH_RUN_COUNTER=0

fresh_postgresql() {
  BENCH_RUN_COUNTER=$((BENCH_RUN_COUNTER + 1))
  local name="rastar_bench_$$_$BENCH_RUN_COUNTER"
  bench_psql "$BENCH_DATABASE_URL" -c "CREATE DATABASE $name" -c "CHECKPOINT"
  FRESH_TARGET=$(bench_url_for "$BENCH_DATABASE_URL" "$name")
  FRESH_NAME=$name
}

drop_postgresql() {
  bench_psql "$BENCH_DATABASE_URL" -c "DROP DATABASE $FRESH_NAME"
}

fresh_sqlite() {
  BENCH_RUN_COUNTER=$((BENCH_RUN_COUNTER + 1))
  FRESH_TARGET="$BENCH_WORK/run-$BENCH_RUN_COUNTER.db"
  : >"$FRESH_TARGET"
  sync "$BENCH_WORK"
}

drop_sqlite() {
  rm -f "$FRESH_TARGET" "$FRESH_TARGET-journal"
}

# Prints "<user tables> <migration rows>" of the database just migrated.
inspect_postgresql() {
  bench_psql -d "$1" -F ' ' -c "SELECT
      (SELECT count(*) FROM pg_tables WHERE schemaname = 'public'
         AND tablename NOT IN ('_prisma_migrations', 'schema_migrations')),
      coalesce((SELECT count(*) FROM pg_tables WHERE tablename = '_prisma_migrations'), 0)"
}

inspect_sqlite() {
  sqlite3 "$1" "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT IN
    ('_prisma_migrations', 'schema_migrations', 'sqlite_sequence')"
}

# Every tool must leave the same tables behind, and rastar-init and the old
# loop one finished row per migration.
check_result() {
  local backend=$1 tool=$2 n=$3 tables rows
  if [ "$backend" = postgresql ]; then
    tables=$(inspect_postgresql "$FRESH_TARGET" | cut -d' ' -f1)
  else
    tables=$(inspect_sqlite "$FRESH_TARGET")
  fi
  local key="$backend,$n"
  if [ -z "${EXPECTED_TABLES[$key]:-}" ]; then
    EXPECTED_TABLES[$key]=$tables
  elif [ "${EXPECTED_TABLES[$key]}" != "$tables" ]; then
    bench_die "$tool left $tables tables on $backend for N=$n, another tool ${EXPECTED_TABLES[$key]}"
  fi
  if [ "$tool" = rastar-init ] || [ "$tool" = old-loop ]; then
    if [ "$backend" = postgresql ]; then
      rows=$(bench_psql -d "$FRESH_TARGET" -c "SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL")
    else
      rows=$(sqlite3 "$FRESH_TARGET" "SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL")
    fi
    [ "$rows" = "$n" ] || bench_die "$tool recorded $rows finished migrations on $backend for N=$n"
  fi
}

# --- the measurement ------------------------------------------------------------

declare -A SAMPLES EXPECTED_TABLES

# Runs every tool of `backend` on N migrations, round after round.
measure() {
  local backend=$1 n=$2
  local -a tools
  local -A functions
  if [ "$backend" = postgresql ]; then
    tools=(rastar-init floor-tx one-tx old-loop)
    functions=([rastar-init]=rastar_deploy_postgresql [floor-tx]=floor_tx_postgres [one-tx]=one_tx_postgres
      [old-loop]=old_loop_postgres)
  else
    tools=(rastar-init floor-tx one-tx dbmate old-loop)
    functions=([rastar-init]=rastar_deploy_sqlite [floor-tx]=floor_tx_sqlite [one-tx]=one_tx_sqlite [dbmate]=dbmate_sqlite
      [old-loop]=old_loop_sqlite)
  fi
  local runs loop_runs round i tool
  runs=$(runs_for "$n")
  loop_runs=$(old_loop_runs_for "$n")
  bench_say "$backend, N=$n: $runs rounds"
  for ((round = 0; round < runs; round++)); do
    for ((i = 0; i < ${#tools[@]}; i++)); do
      tool=${tools[$(((i + round) % ${#tools[@]}))]}
      if [ "$tool" = old-loop ] && [ "$round" -ge "$loop_runs" ]; then
        continue
      fi
      if [[ " $BENCH_TOOLS " != *" $tool "* ]]; then
        continue
      fi
      "fresh_$backend"
      bench_time "${functions[$tool]}" "$FRESH_TARGET" "$BENCH_WORK/n$n/$backend"
      check_result "$backend" "$tool" "$n"
      "drop_$backend"
      SAMPLES["$backend,$n,$tool"]+="$BENCH_ELAPSED_US "
      if [ -n "${BENCH_SAMPLES:-}" ]; then
        printf 'deploy\t%s\t%s\t%s\t%s\n' "$backend" "$n" "$tool" "$BENCH_ELAPSED_US" >>"$BENCH_SAMPLES"
      fi
    done
  done
}

median_of() {
  # shellcheck disable=SC2086
  printf '%s\n' ${SAMPLES["$1"]:-} | bench_median
}

print_table() {
  local backend=$1 n m_rastar m_floor m_one m_dbmate m_loop ratio
  echo
  if [ "$backend" = postgresql ]; then
    echo "Deploy on PostgreSQL: median wall time in ms, fresh database per run"
    printf '%6s %12s %10s %10s %10s | %16s %8s %6s | %14s %16s\n' N rastar-init floor-tx "psql -1" "old loop" \
      "rastar/floor-tx" target "" "rastar/psql -1" "old loop/rastar"
  else
    echo "Deploy on SQLite: median wall time in ms, fresh database file per run"
    printf '%6s %12s %10s %10s %10s %10s | %16s %8s %6s | %14s %8s %6s | %16s\n' N rastar-init floor-tx \
      "one-tx" dbmate "old loop" "rastar/floor-tx" target "" "rastar/dbmate" target "" "old loop/rastar"
  fi
  for n in $SIZES; do
    m_rastar=$(median_of "$backend,$n,rastar-init")
    m_floor=$(median_of "$backend,$n,floor-tx")
    m_one=$(median_of "$backend,$n,one-tx")
    m_loop=$(median_of "$backend,$n,old-loop")
    ratio=$(bench_ratio "$m_rastar" "$m_floor")
    local target="" verdict=""
    if [ "$n" -ge 500 ]; then
      target="<=1.30x"
      verdict=$(bench_verdict "$ratio" 1.30)
    fi
    if [ "$backend" = postgresql ]; then
      printf '%6s %12s %10s %10s %10s | %16s %8s %6s | %14s %16s\n' "$n" "$(bench_ms "$m_rastar")" \
        "$(bench_ms "$m_floor")" "$(bench_ms "$m_one")" "$(bench_ms "$m_loop")" "$ratio" "$target" "$verdict" \
        "$(bench_ratio "$m_rastar" "$m_one")" "$(bench_ratio "$m_loop" "$m_rastar")"
    else
      m_dbmate=$(median_of "$backend,$n,dbmate")
      local dbmate_ratio dbmate_target="" dbmate_verdict=""
      dbmate_ratio=$(bench_ratio "$m_rastar" "$m_dbmate")
      if [ "$n" -ge 500 ]; then
        dbmate_target="<=1.00x"
        dbmate_verdict=$(bench_verdict "$dbmate_ratio" 1.00)
      fi
      printf '%6s %12s %10s %10s %10s %10s | %16s %8s %6s | %14s %8s %6s | %16s\n' "$n" "$(bench_ms "$m_rastar")" \
        "$(bench_ms "$m_floor")" "$(bench_ms "$m_one")" "$(bench_ms "$m_dbmate")" "$(bench_ms "$m_loop")" \
        "$ratio" "$target" "$verdict" "$dbmate_ratio" "$dbmate_target" "$dbmate_verdict" \
        "$(bench_ratio "$m_loop" "$m_rastar")"
    fi
  done
  local runs_line="" n
  for n in $SIZES; do
    runs_line+=" N=$n: $(runs_for "$n") (old loop $(old_loop_runs_for "$n"));"
  done
  echo "Runs per tool:${runs_line%;}"
}

main() {
  bench_install_common
  bench_install_dbmate
  bench_find_rastar_init
  bench_start_postgres
  BENCH_WORK=$(mktemp -d -t rastar-bench.XXXXXX)
  cd "$BENCH_WORK" # dbmate reads a .env from the working directory

  local n
  for n in $SIZES; do
    prepare_data_set "$n"
  done
  local started=$EPOCHREALTIME
  for n in $SIZES; do
    measure postgresql "$n"
    measure sqlite "$n"
  done

  echo
  echo "== rastar-init migrate deploy: N generated migrations (mixed DDL and inserts) =="
  bench_describe_machine
  bench_describe_postgres "$BENCH_DATABASE_URL"
  echo "SQLite: sqlite3 $(sqlite3 --version | cut -d' ' -f1), files on $(df --output=fstype "$BENCH_WORK" | tail -1)," \
    "default journal mode; dbmate $("$DBMATE" --version | cut -d' ' -f3)"
  print_table postgresql
  print_table sqlite
  echo "Measured in $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s."
}

main "$@"

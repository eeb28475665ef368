#!/usr/bin/env bash
# Times `rastar-init migrate lint` per 1,000 statements on a generated history
# (BENCH_LINT_MIGRATIONS migrations of 10 statements each, default 200:
# 2,000 statements) for PostgreSQL and SQLite, against baselines measured in
# the same run on the same files:
#   pg_query   a C program that only parses each file with libpg_query to
#              JSON, the parser rastar-init uses (its floor on PostgreSQL);
#   squawk     squawk-cli 2.66.0 (D24) on the same files, when npm installs it;
#   sqlite3    the sqlite3 shell running every file on an in-memory database,
#              what rastar-init's SQLite linter replays (its floor on SQLite).
# Medians of BENCH_RUNS runs (default 5).
#
# Environment: RASTAR_INIT (the binary; default build/rastar-init),
# BENCH_LINT_MIGRATIONS, BENCH_RUNS.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

MIGRATIONS=${BENCH_LINT_MIGRATIONS:-200}
RUNS=${BENCH_RUNS:-5}
bench_find_rastar_init
BENCH_WORK=$(mktemp -d)
command -v sqlite3 >/dev/null || bench_install_packages sqlite3

# Ten statements per migration, each kind the rules look at, on tables the
# history created earlier (so the rules do fire: the cost of reporting counts).
generate() {
  local provider=$1 directory=$2 i previous
  mkdir -p "$directory"
  printf 'provider = "%s"\n' "$provider" >"$directory/migration_lock.toml"
  for ((i = 1; i <= MIGRATIONS; i++)); do
    previous=$((i > 1 ? i - 1 : 1))
    mkdir -p "$directory/$(printf '%06d' "$i")_step"
    {
      echo "-- step $i"
      echo "CREATE TABLE \"t$i\" (\"id\" INTEGER NOT NULL PRIMARY KEY, \"name\" TEXT, \"n\" INTEGER DEFAULT 0);"
      echo "ALTER TABLE \"t$previous\" ADD COLUMN \"c$i\" TEXT;"
      echo "CREATE INDEX \"t${i}_name_idx\" ON \"t$i\"(\"name\");"
      echo "INSERT INTO \"t$i\" (\"id\", \"name\") VALUES (1, 'a'), (2, 'b');"
      echo "UPDATE \"t$i\" SET \"n\" = \"n\" + 1 WHERE \"id\" = 1;"
      echo "UPDATE \"t$previous\" SET \"n\" = 0;"
      echo "DELETE FROM \"t$i\" WHERE \"id\" = 2;"
      echo "CREATE VIEW \"v$i\" AS SELECT \"id\", \"name\" FROM \"t$i\" WHERE \"n\" > 0;"
      echo "DROP VIEW \"v$i\";"
      echo "ALTER TABLE \"t$i\" RENAME COLUMN \"name\" TO \"label\";"
    } >"$directory/$(printf '%06d' "$i")_step/migration.sql"
  done
}

generate postgresql "$BENCH_WORK/pg"
generate sqlite "$BENCH_WORK/sqlite"
STATEMENTS=$((MIGRATIONS * 10))

cat >"$BENCH_WORK/parse_only.c" <<'C'
#include <pg_query.h>
#include <stdio.h>
#include <stdlib.h>
/* Parses each file named on the command line to JSON and frees it. */
int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    FILE* f = fopen(argv[i], "rb");
    if (!f) return 2;
    fseek(f, 0, SEEK_END); long n = ftell(f); fseek(f, 0, SEEK_SET);
    char* text = malloc(n + 1);
    if (fread(text, 1, n, f) != (size_t)n) return 2;
    text[n] = 0; fclose(f);
    PgQueryParseResult r = pg_query_parse(text);
    if (r.error) return 1;
    pg_query_free_parse_result(r);
    free(text);
  }
  return 0;
}
C
cc -O2 -o "$BENCH_WORK/parse_only" "$BENCH_WORK/parse_only.c" -lpg_query

SQUAWK=""
if command -v npm >/dev/null &&
  npm install --prefix "$BENCH_WORK/squawk" --no-audit --no-fund --loglevel=error squawk-cli@2.66.0 >&2; then
  SQUAWK="$BENCH_WORK/squawk/node_modules/@squawk-cli/linux-x64/bin/squawk"
else
  bench_say "squawk-cli could not be installed; its row is left out"
fi

# Exit 1 is a verdict ("found something"), not a failure.
lint() {
  "$RASTAR_INIT" migrate lint --migrations "$1" >/dev/null 2>&1 || [ $? -eq 1 ]
}
squawk_run() {
  "$SQUAWK" --reporter gcc "$BENCH_WORK"/pg/*/migration.sql >/dev/null 2>&1 || [ $? -eq 1 ]
}
sqlite_replay() {
  cat "$BENCH_WORK"/sqlite/*/migration.sql | sqlite3 :memory:
}
parse_only() {
  "$BENCH_WORK/parse_only" "$BENCH_WORK"/pg/*/migration.sql
}

declare -A samples
for ((run = 1; run <= RUNS; run++)); do
  for tool in rastar-pg pg_query squawk rastar-sqlite sqlite3; do
    case $tool in
      rastar-pg) bench_time lint "$BENCH_WORK/pg" ;;
      pg_query) bench_time parse_only ;;
      squawk) [ -n "$SQUAWK" ] || continue; bench_time squawk_run ;;
      rastar-sqlite) bench_time lint "$BENCH_WORK/sqlite" ;;
      sqlite3) bench_time sqlite_replay ;;
    esac
    samples[$tool]+="$BENCH_ELAPSED_US"$'\n'
  done
done

median() { printf '%s' "${samples[$1]:-}" | bench_median; }
per_thousand() { awk -v us="$1" -v n="$STATEMENTS" 'BEGIN { if (us == "") print "-"; else printf "%.1f\n", us / 1000 / n * 1000 }'; }

echo "migrate lint: $MIGRATIONS migrations, $STATEMENTS statements, median of $RUNS runs"
echo
echo "| provider | tool | total ms | ms per 1,000 statements | vs rastar-init |"
echo "|---|---|---:|---:|---:|"
for row in "PostgreSQL rastar-pg rastar-pg" "PostgreSQL pg_query rastar-pg" "PostgreSQL squawk rastar-pg" \
  "SQLite rastar-sqlite rastar-sqlite" "SQLite sqlite3 rastar-sqlite"; do
  set -- $row
  [ -n "${samples[$2]:-}" ] || continue
  name=$2
  case $2 in rastar-*) name="rastar-init migrate lint" ;; pg_query) name="libpg_query parse only" ;;
    squawk) name="squawk 2.66.0" ;; sqlite3) name="sqlite3 :memory: replay" ;; esac
  m=$(median "$2")
  echo "| $1 | $name | $(bench_ms "$m") | $(per_thousand "$m") | $(bench_ratio "$(median "$3")" "$m") |"
done

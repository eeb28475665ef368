#!/usr/bin/env bash
# Times the backup step rastar-init takes before pending migrations on a
# SQLite database of about 100 MB (`rastar-init db backup`: SQLite's online
# backup API, PRAGMA quick_check on the copy, fsync, rename, rotation), in one
# run, against:
#   cp              a plain copy of the file (not synced; not safe while apps write)
#   cp + sync       the same copy, then fsync of it (`sync FILE`), as durable as ours
#   sqlite3 .backup the sqlite3 shell's online backup (no check, no fsync of its own)
#   sqlite3 + check + sync  the same work as rastar-init's step with the
#                   sqlite3 shell: .backup, PRAGMA quick_check on the copy, fsync
# The file is generated once (random blobs and an indexed text column) and
# read once before timing, so every tool reads it from the page cache. The
# tools take turns within each round; each copy is deleted outside the timed
# section.
#
# Environment: RASTAR_INIT (the binary; default build/rastar-init),
# BENCH_RUNS (rounds, default 5), BENCH_BACKUP_MB (the database's size,
# default 100).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

RUNS=${BENCH_RUNS:-5}
SIZE_MB=${BENCH_BACKUP_MB:-100}
TOOLS=("rastar-init" "cp" "cp + sync" "sqlite3 .backup" "sqlite3 + check + sync")

generate_database() {
  local database=$1
  # About 1.4 KB a row with the index and page slack: rows for SIZE_MB megabytes.
  local rows=$((SIZE_MB * 1024 * 1024 / 1390))
  sqlite3 "$database" <<SQL
PRAGMA page_size = 4096;
CREATE TABLE "Item" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL, "payload" BLOB NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
INSERT INTO "Item" ("name", "payload") SELECT printf('item %08d', i), randomblob(1000) FROM n;
CREATE INDEX "Item_name_idx" ON "Item" ("name");
SQL
}

run_tool() {
  local tool=$1 database=$2 out=$3
  case $tool in
    "rastar-init")
      bench_time "$RASTAR_INIT" db backup --url "file:$database" --directory "$out" --keep 0 ;;
    "cp")
      bench_time cp "$database" "$out/copy.db" ;;
    "cp + sync")
      bench_time sh -c 'cp "$1" "$2" && sync "$2"' sh "$database" "$out/copy.db" ;;
    "sqlite3 .backup")
      bench_time sqlite3 "$database" ".backup '$out/copy.db'" ;;
    "sqlite3 + check + sync")
      bench_time sh -c 'sqlite3 "$1" ".backup '"'"'$2'"'"'" && [ "$(sqlite3 "$2" "PRAGMA quick_check")" = ok ] && sync "$2"' \
        sh "$database" "$out/copy.db" ;;
  esac
}

main() {
  bench_install_packages sqlite3 coreutils
  bench_find_rastar_init
  BENCH_WORK=$(mktemp -d -t rastar-bench-backup.XXXXXX)
  local database=$BENCH_WORK/rastar.db
  bench_say "generating a ${SIZE_MB} MB SQLite database"
  generate_database "$database"
  cat "$database" >/dev/null

  declare -A samples
  local round tool
  for round in $(seq "$RUNS"); do
    for tool in "${TOOLS[@]}"; do
      local out=$BENCH_WORK/out
      rm -rf "$out" && mkdir -p "$out"
      run_tool "$tool" "$database" "$out"
      samples[$tool]+="$BENCH_ELAPSED_US"$'\n'
    done
  done
  rm -rf "$BENCH_WORK/out"

  bench_describe_machine
  echo "Database: $(du -m "$database" | cut -f1) MB ($(stat -c %s "$database") bytes), $(sqlite3 "$database" \
    'SELECT count(*) FROM "Item"') rows, on $(df --output=fstype "$BENCH_WORK" | tail -1); median of $RUNS runs"
  echo
  local cp_median backup_median
  cp_median=$(printf '%s' "${samples[cp]}" | bench_median)
  backup_median=$(printf '%s' "${samples[sqlite3 .backup]}" | bench_median)
  printf '| %-22s | %9s | %8s | %18s |\n' "tool" "median ms" "vs cp" "vs sqlite3 .backup"
  printf '|%s|%s|%s|%s|\n' "------------------------" "-----------" "----------" "--------------------"
  for tool in "${TOOLS[@]}"; do
    local median
    median=$(printf '%s' "${samples[$tool]}" | bench_median)
    printf '| %-22s | %9s | %8s | %18s |\n' "$tool" "$(bench_ms "$median")" "$(bench_ratio "$median" "$cp_median")" \
      "$(bench_ratio "$median" "$backup_median")"
  done
}

main "$@"

#!/usr/bin/env bash
# Measures how soon `rastar-init wait` notices a PostgreSQL server that comes
# up: the lag between the server's "database system is ready to accept
# connections" (its log, millisecond timestamps from log_line_prefix %m) and
# the moment `rastar-init wait` exits. Each round starts `rastar-init wait
# --timeout 30` first, lets it poll a closed port, then starts the server with
# pg_ctl; the cluster is made once (initdb) and stopped after each round.
# The server's timestamps are truncated to the millisecond, so a lag reads up
# to 1 ms long. For reference, the time `rastar-init wait` takes against a
# server that is already up (process start and one connection) is printed
# too: the lag cannot be shorter than that.
#
# Environment: RASTAR_INIT (see migrate.sh), BENCH_RUNS (default 10),
# BENCH_SAMPLES (append every sample as TSV). Needs root (initdb and pg_ctl
# run as user postgres).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

RUNS=${BENCH_RUNS:-10}
readonly TARGET_MS=20

# Seconds since the epoch, with microseconds, of the server's ready line in
# the log file $1.
ready_time() {
  local line
  line=$(grep -m1 'database system is ready to accept connections' "$1") ||
    bench_die "no ready line in $1"
  # "2025-01-31 12:00:00.123 UTC LOG:  database system is ready …"
  date -d "$(cut -d' ' -f1-3 <<<"$line")" +%s.%6N
}

main() {
  bench_install_common
  bench_find_rastar_init
  [ "$(id -u)" -eq 0 ] || bench_die "run as root: the server is started as user postgres"
  BENCH_WORK=$(mktemp -d -t rastar-bench-wait.XXXXXX)
  chown postgres: "$BENCH_WORK"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$BENCH_WORK/data" -A trust -U postgres >"$BENCH_WORK/initdb.log"
  local port
  port=$(free_port)
  local url="postgresql://postgres@127.0.0.1:$port/postgres"
  # pg_ctl hands -o to a shell: quote the prefix for it.
  local options="-h 127.0.0.1 -p $port -k $BENCH_WORK -c 'log_line_prefix=%m ' -c log_timezone=UTC"
  # Stop the server when the script is interrupted mid-round.
  trap 'runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$BENCH_WORK/data" -m immediate stop >/dev/null 2>&1 || true;
    bench_cleanup' EXIT

  local -a lags=() connects=()
  local round status exited ready lag_us
  bench_say "wait: $RUNS rounds"
  for ((round = 1; round <= RUNS; round++)); do
    (
      "$RASTAR_INIT" wait --url "$url" --timeout 30 >"$BENCH_WORK/wait.$round.log" 2>&1
      echo "$? $EPOCHREALTIME" >"$BENCH_WORK/wait.$round.result"
    ) &
    local waiter=$!
    # Let wait settle into polling a port where nothing listens yet.
    sleep 0.3
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$BENCH_WORK/data" -l "$BENCH_WORK/server.$round.log" \
      -o "$options" start >/dev/null
    wait "$waiter"
    read -r status exited <"$BENCH_WORK/wait.$round.result"
    [ "$status" = 0 ] || { cat "$BENCH_WORK/wait.$round.log" >&2; bench_die "rastar-init wait exited $status"; }
    # The part of the lag no polling can save: starting rastar-init and one
    # connection to a server that is up.
    bench_time "$RASTAR_INIT" wait --url "$url" --timeout 30
    connects+=("$BENCH_ELAPSED_US")
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$BENCH_WORK/data" -m fast -w stop >/dev/null
    ready=$(ready_time "$BENCH_WORK/server.$round.log")
    lag_us=$(awk -v a="$exited" -v b="$ready" 'BEGIN { printf "%d", (a - b) * 1000000 }')
    lags+=("$lag_us")
    if [ -n "${BENCH_SAMPLES:-}" ]; then
      printf 'wait\tpostgresql\t-\trastar-init\t%s\n' "$lag_us" >>"$BENCH_SAMPLES"
    fi
  done

  local median max verdict
  median=$(printf '%s\n' "${lags[@]}" | bench_median)
  max=$(printf '%s\n' "${lags[@]}" | sort -n | tail -1)
  verdict=$(awk -v m="$median" -v t="$TARGET_MS" 'BEGIN { print (m <= t * 1000) ? "ok" : "MISSED" }')
  echo
  echo "== rastar-init wait: lag from the server's ready line to wait's exit =="
  bench_describe_machine
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{ print $3 }'), started with pg_ctl on 127.0.0.1 after wait;" \
    "$RUNS rounds"
  echo
  printf '%-44s %10s %10s %10s | %8s %6s\n' "" "median ms" "min ms" "max ms" target ""
  printf '%-44s %10s %10s %10s | %8s %6s\n' "lag: ready line -> wait exits" "$(bench_ms "$median")" \
    "$(bench_ms "$(printf '%s\n' "${lags[@]}" | sort -n | head -1)")" "$(bench_ms "$max")" "<=${TARGET_MS} ms" \
    "$verdict"
  printf '%-44s %10s %10s %10s |\n' "reference: wait on a server already up" \
    "$(bench_ms "$(printf '%s\n' "${connects[@]}" | bench_median)")" \
    "$(bench_ms "$(printf '%s\n' "${connects[@]}" | sort -n | head -1)")" \
    "$(bench_ms "$(printf '%s\n' "${connects[@]}" | sort -n | tail -1)")"
  echo "Every lag (ms): $(for lag in "${lags[@]}"; do printf '%s ' "$(bench_ms "$lag")"; done)"
}

main "$@"

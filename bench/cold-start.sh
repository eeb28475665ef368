#!/usr/bin/env bash
# Cold start: from starting the entrypoint to bot, portal and admin (the
# stand-in apps, examples/stand-in) all answering GET /health, on a database
# with nothing pending (migrated and seeded beforehand). Three ways:
#
#   apps alone    the three apps started in parallel by this script: the floor
#   old shape     what scripts/docker-entrypoint.sh did, as a shell script:
#                 sqlite3/psql check of _prisma_migrations, insert-if-missing
#                 of the seeds, the apps backgrounded, /health polled with curl
#                 (old-entrypoint.sh); PostgreSQL first waits with pg_isready
#   rastar-init   rastar-init run with the same apps as services (no
#                 depends_on, as the old shape), a ready check on each
#
# The clock stops when this script's own poller (bash's /dev/tcp, no fork per
# probe, every 2 ms) has seen all three answer 200: the same poller for all
# three. Overhead = median − the floor's median; the target is rastar-init's
# under 50 ms. SQLite always; PostgreSQL with RASTAR_BENCH_DATABASE_URL or
# RASTAR_TEST_DATABASE_URL (a superuser URL; a database rastar_bench_cold_*
# is created and dropped), or as root with a throwaway server.
#
#   BENCH_RUNS     runs per way (default 15), interleaved
#   RASTAR_INIT    the binary (default build/rastar-init); the stand-in is
#                  RASTAR_STAND_IN or rastar-stand-in beside it
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

RUNS=${BENCH_RUNS:-15}
bench_install_packages sqlite3 curl postgresql-client-15
bench_find_rastar_init
STAND_IN=${RASTAR_STAND_IN:-$(dirname "$RASTAR_INIT")/rastar-stand-in}
if [ ! -x "$STAND_IN" ]; then
  bench_say "building rastar-stand-in beside $RASTAR_INIT"
  cmake --build "$(dirname "$RASTAR_INIT")" --target rastar-stand-in >&2
fi
STAND_IN=$(realpath "$STAND_IN")
export STAND_IN PSQL PG_BIN

BENCH_WORK=$(mktemp -d -t rastar-bench-cold.XXXXXX)
EXAMPLES="$REPO_DIR/examples/rastar"
# A fifo nobody writes to: `read -t` on it sleeps without a fork.
mkfifo "$BENCH_WORK/never"
exec 9<>"$BENCH_WORK/never"

pause() {
  read -r -t "$1" -u 9 _ || true
}

# 0 when 127.0.0.1:$1 answers GET /health with 200.
probe() {
  local line=""
  # stderr first: bash reports a refused connection on it.
  { printf 'GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&8 && read -r -t 1 line <&8; } \
    2>/dev/null 8<>"/dev/tcp/127.0.0.1/$1" || return 1
  [[ $line == "HTTP/1."?" 200"* ]]
}

# Polls the three ports until each answered once, or the process $1 ends, or
# 30 s pass.
wait_healthy() {
  local pid=$1 pending=("$BOT_PORT" "$PORTAL_PORT" "$ADMIN_PORT") deadline=$((SECONDS + 30))
  while [ ${#pending[@]} -gt 0 ]; do
    local still=() port
    for port in "${pending[@]}"; do
      probe "$port" || still+=("$port")
    done
    pending=("${still[@]}")
    [ ${#pending[@]} -eq 0 ] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    [ $SECONDS -lt $deadline ] || return 1
    pause 0.002
  done
}

# Stops the process group led by $1 with SIGTERM and waits for it.
stop_group() {
  kill -TERM -- "-$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# Times one start of "$@" (run as a process group of its own) until the three
# apps answer; appends the microseconds to $BENCH_WORK/$label.
time_start() {
  local label=$1
  shift
  local start=$EPOCHREALTIME
  setsid "$@" >"$BENCH_WORK/$label.log" 2>&1 &
  local pid=$!
  if ! wait_healthy "$pid"; then
    stop_group "$pid"
    tail -20 "$BENCH_WORK/$label.log" >&2
    bench_die "$label: the apps did not all answer /health"
  fi
  local end=$EPOCHREALTIME
  echo $((${end/./} - ${start/./})) >>"$BENCH_WORK/$label"
  stop_group "$pid"
  # The ports must be free again before the next start.
  local port
  for port in "$BOT_PORT" "$PORTAL_PORT" "$ADMIN_PORT"; do
    while probe "$port"; do pause 0.005; done
  done
}

# The floor: the three apps, started in parallel.
apps_alone() {
  PORT=$BOT_PORT "$STAND_IN" --role bot &
  PORT=$PORTAL_PORT "$STAND_IN" --role portal &
  PORT=$ADMIN_PORT "$STAND_IN" --role admin &
  wait
}
export -f apps_alone

write_rastar_config() {
  local url=$1 migrations=$2 status_port=$3
  cat >"$BENCH_WORK/rastar-init.yaml" <<YAML
database: {url: "$url"}
schema: $EXAMPLES/schema.prisma
migrations: $EXAMPLES/$migrations
seeds:
  admin:
    model: AdminUser
    key: [email]
    values:
      email: admin@rastar.local
      passwordHash: {bcrypt_env: ADMIN_PASSWORD, cost: 12}
      role: owner
  default-pack:
    model: Pack
    key: [slug]
    values: {slug: starter, name: Starter, description: 100 credits to try the bot, credits: 100, price: 0,
             isDefault: true}
status: {listen: "127.0.0.1:$status_port"}
control: {socket: ""}
services:
YAML
  local role port
  for role in bot portal admin; do
    case $role in
      bot) port=$BOT_PORT ;;
      portal) port=$PORTAL_PORT ;;
      admin) port=$ADMIN_PORT ;;
    esac
    cat >>"$BENCH_WORK/rastar-init.yaml" <<YAML
  $role:
    command: ["$STAND_IN", --role, $role]
    env: {PORT: "$port"}
    ready: {http: "http://127.0.0.1:$port/health", interval: 10ms, timeout: 1s, start_period: 30s}
YAML
  done
}

# One database: prepare it, then time each way RUNS times, interleaved.
bench_database() {
  local name=$1 url=$2 migrations=$3
  export DATABASE_URL=$url BENCH_PROVIDER=$name BENCH_MIGRATIONS="$EXAMPLES/$migrations"
  export BOT_PORT PORTAL_PORT ADMIN_PORT
  BOT_PORT=$(free_port)
  PORTAL_PORT=$(free_port)
  ADMIN_PORT=$(free_port)
  write_rastar_config "$url" "$migrations" "$(free_port)"
  # Nothing pending from here on: the first start migrates and seeds.
  ADMIN_PASSWORD=bench-only "$RASTAR_INIT" run --only-migrate --config "$BENCH_WORK/rastar-init.yaml" \
    >"$BENCH_WORK/prepare.log" 2>&1 || { cat "$BENCH_WORK/prepare.log" >&2; bench_die "preparing $name failed"; }
  rm -f "$BENCH_WORK/floor-$name" "$BENCH_WORK/old-$name" "$BENCH_WORK/rastar-$name"
  for _ in $(seq "$RUNS"); do
    time_start "floor-$name" bash -c apps_alone
    time_start "old-$name" bash "$BENCH_DIR/old-entrypoint.sh"
    time_start "rastar-$name" "$RASTAR_INIT" run --config "$BENCH_WORK/rastar-init.yaml"
  done
  grep -q "phase migrate: 0 of" "$BENCH_WORK/rastar-$name.log" ||
    bench_die "rastar-init found something pending on $name; see $BENCH_WORK/rastar-$name.log"
  local floor old rastar
  floor=$(bench_median <"$BENCH_WORK/floor-$name")
  old=$(bench_median <"$BENCH_WORK/old-$name")
  rastar=$(bench_median <"$BENCH_WORK/rastar-$name")
  local overhead=$((rastar - floor))
  local verdict=MISSED
  [ $overhead -lt 50000 ] && verdict=ok
  printf '%-10s  %10s  %10s  %11s  %12s  %14s  %s\n' "$name" "$(bench_ms "$floor")" "$(bench_ms "$old")" \
    "$(bench_ms "$rastar")" "$(bench_ms $((old - floor)))" "$(bench_ms "$overhead")" "$verdict"
}

bench_describe_machine
echo "stand-in: $STAND_IN; runs per way: $RUNS (median)"
echo
echo "Cold start to bot, portal and admin answering /health, nothing pending (ms)"
printf '%-10s  %10s  %10s  %11s  %12s  %14s  %s\n' database "apps alone" "old shape" "rastar-init" \
  "old overhead" "rastar overhead" "target < 50 ms"
bench_database sqlite "file:$BENCH_WORK/rastar.db" migrations-sqlite

server_url=${RASTAR_BENCH_DATABASE_URL:-${RASTAR_TEST_DATABASE_URL:-}}
if [ -n "$server_url" ] || [ "$(id -u)" -eq 0 ]; then
  RASTAR_BENCH_DATABASE_URL=$server_url bench_start_postgres
  database="rastar_bench_cold_$$"
  bench_psql "$BENCH_DATABASE_URL" -c "CREATE DATABASE $database"
  trap 'bench_psql "$BENCH_DATABASE_URL" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true;
    bench_cleanup' EXIT
  bench_database postgresql "$(bench_url_for "$BENCH_DATABASE_URL" "$database")" migrations
  echo
  bench_describe_postgres "$BENCH_DATABASE_URL"
else
  echo "postgresql: skipped (set RASTAR_BENCH_DATABASE_URL or RASTAR_TEST_DATABASE_URL, or run as root)"
fi

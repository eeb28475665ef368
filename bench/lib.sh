# Shared by the benchmark scripts (source it): installing what they need,
# finding rastar-init, a PostgreSQL server with PostgreSQL's own defaults,
# timing, medians and tables.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
# EPOCHREALTIME and printf read the decimal point from the locale.
export LC_ALL=C

# shellcheck source=../tests/throwaway-postgres.sh
source "$REPO_DIR/tests/throwaway-postgres.sh"
# psql itself: Debian's /usr/bin/psql is a Perl wrapper that adds tens of
# milliseconds to every start, which would flatter rastar-init.
PSQL=${PSQL:-$PG_BIN/psql}

# Removes the work directory and stops the server this script started.
bench_cleanup() {
  if [ -n "${BENCH_WORK:-}" ]; then
    rm -rf "$BENCH_WORK"
  fi
  if [ "${BENCH_STARTED_POSTGRES:-}" = 1 ]; then
    stop_throwaway_postgres
  fi
}
trap bench_cleanup EXIT

bench_say() {
  echo "bench: $*" >&2
}

bench_die() {
  echo "bench: error: $*" >&2
  exit 1
}

# Installs the Debian packages named in "$@" that are missing.
bench_install_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  bench_say "installing ${missing[*]}"
  local sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
}

# What every section needs: the clients, the server binaries for a throwaway
# server, GNU time for peak RSS, python3 for the generator.
bench_install_common() {
  bench_install_packages postgresql-15 postgresql-client-15 sqlite3 time python3 procps
}

# Installs dbmate from the npm registry into bench/.tools (git-ignored) and
# sets DBMATE to its binary. The binary ships inside its platform package; it
# is called directly, not through the node wrapper, so node's start-up does not
# count against it.
bench_install_dbmate() {
  local version=2.36.0
  command -v npm >/dev/null || bench_install_packages npm
  DBMATE="$BENCH_DIR/.tools/node_modules/@dbmate/linux-x64/bin/dbmate"
  if [ ! -x "$DBMATE" ] || [ "$("$DBMATE" --version 2>/dev/null)" != "dbmate version $version" ]; then
    bench_say "installing dbmate $version"
    mkdir -p "$BENCH_DIR/.tools"
    npm install --prefix "$BENCH_DIR/.tools" --no-audit --no-fund --loglevel=error "dbmate@$version" >&2
  fi
  [ -x "$DBMATE" ] || bench_die "dbmate's binary is not at $DBMATE after npm install"
}

# Sets RASTAR_INIT to the binary under test: $RASTAR_INIT when set, else
# build/rastar-init, built (RelWithDebInfo, as the image) when missing.
bench_find_rastar_init() {
  if [ -n "${RASTAR_INIT:-}" ]; then
    [ -x "$RASTAR_INIT" ] || bench_die "RASTAR_INIT=$RASTAR_INIT is not an executable"
  else
    RASTAR_INIT="$REPO_DIR/build/rastar-init"
    if [ ! -x "$RASTAR_INIT" ]; then
      bench_say "building rastar-init in $REPO_DIR/build"
      cmake -S "$REPO_DIR" -B "$REPO_DIR/build" -G Ninja >/dev/null
      cmake --build "$REPO_DIR/build" --target rastar-init >&2
    fi
  fi
  RASTAR_INIT=$(realpath "$RASTAR_INIT")
  export RASTAR_INIT
}

# Sets BENCH_DATABASE_URL (a superuser URL of a database that exists) from
# RASTAR_BENCH_DATABASE_URL, or starts a throwaway PostgreSQL 15 that keeps
# every default setting (unlike the tests' server, which turns fsync off):
# only the address, the port and the socket directory are given.
bench_start_postgres() {
  if [ -n "${RASTAR_BENCH_DATABASE_URL:-}" ]; then
    BENCH_DATABASE_URL=$RASTAR_BENCH_DATABASE_URL
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || bench_die "set RASTAR_BENCH_DATABASE_URL, or run as root to start a throwaway server"
  THROWAWAY_PG_DIR=$(mktemp -d -t rastar-bench-pg.XXXXXX)
  chown postgres: "$THROWAWAY_PG_DIR"
  local port
  port=$(free_port)
  runuser -u postgres -- "$PG_BIN/initdb" -D "$THROWAWAY_PG_DIR/data" -A trust -U postgres \
    >"$THROWAWAY_PG_DIR/initdb.log"
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$THROWAWAY_PG_DIR/data" -l "$THROWAWAY_PG_DIR/server.log" -w \
    -o "-h 127.0.0.1 -p $port -k $THROWAWAY_PG_DIR" start >/dev/null
  BENCH_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/postgres"
  BENCH_STARTED_POSTGRES=1
}

# Replaces the database name in the URL $1 with $2.
bench_url_for() {
  local url=$1 name=$2 query=""
  if [[ $url == *\?* ]]; then
    query="?${url#*\?}"
    url=${url%%\?*}
  fi
  echo "${url%/*}/$name$query"
}

bench_psql() {
  "$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

# Prints the server's version, the settings that differ from PostgreSQL's
# defaults, the ones that decide the cost of a commit, and where its data is.
bench_describe_postgres() {
  local url=$1
  echo "PostgreSQL server: $(bench_psql "$url" -c 'SHOW server_version')"
  echo "  commit settings: $(bench_psql "$url" -F ' ' -c "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name)
    FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes',
    'wal_level', 'shared_buffers', 'max_wal_size')")"
  echo "  changed from the defaults: $(bench_psql "$url" -c "SELECT coalesce(string_agg(name || '=' || setting,
    ', ' ORDER BY name), 'nothing') FROM pg_settings WHERE source NOT IN ('default', 'override', 'client',
    'session') AND name NOT IN ('listen_addresses', 'port', 'unix_socket_directories', 'lc_messages',
    'lc_monetary', 'lc_numeric', 'lc_time', 'DateStyle', 'TimeZone', 'log_timezone',
    'default_text_search_config', 'dynamic_shared_memory_type', 'max_connections', 'shared_buffers',
    'max_wal_size', 'min_wal_size')")"
  if [ "${BENCH_STARTED_POSTGRES:-}" = 1 ]; then
    echo "  (a throwaway server with initdb's configuration; data on $(df --output=fstype "$THROWAWAY_PG_DIR" | tail -1))"
  elif [ -n "${BENCH_SERVER_NOTE:-}" ]; then
    echo "  ($BENCH_SERVER_NOTE)"
  fi
}

bench_describe_machine() {
  echo "Machine: $(nproc) CPUs, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
  echo "rastar-init: $RASTAR_INIT ($("$RASTAR_INIT" --version 2>&1 | head -1)); psql: $PSQL"
}

# Runs "$@" with its output in $BENCH_WORK/last.log and sets BENCH_ELAPSED_US
# to its wall time in microseconds (no fork to read the clock). Stops the
# benchmark with the command's output when it fails.
bench_time() {
  local start=$EPOCHREALTIME status=0
  "$@" >"$BENCH_WORK/last.log" 2>&1 || status=$?
  local end=$EPOCHREALTIME
  if [ $status -ne 0 ]; then
    tail -20 "$BENCH_WORK/last.log" >&2
    bench_die "exit $status from: $*"
  fi
  BENCH_ELAPSED_US=$((${end/./} - ${start/./}))
}

# Reads microsecond samples, one a line, and prints their median.
bench_median() {
  sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "" } else if (NR % 2) { print v[(NR + 1) / 2] }
    else { printf "%d\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 } }'
}

# Microseconds to milliseconds, for a table cell.
bench_ms() {
  awk -v us="$1" 'BEGIN { if (us == "") { print "-" } else if (us < 10000) { printf "%.2f\n", us / 1000 }
    else { printf "%.0f\n", us / 1000 } }'
}

# "$1 / $2" as "1.23x".
bench_ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) { print "-" } else { printf "%.2fx\n", a / b } }'
}

# "ok" when the ratio $1 (as printed by bench_ratio) is at most $2, else "MISSED".
bench_verdict() {
  awk -v r="${1%x}" -v limit="$2" 'BEGIN { if (r == "-") { print "-" } else if (r + 0 <= limit + 0) { print "ok" }
    else { print "MISSED" } }'
}

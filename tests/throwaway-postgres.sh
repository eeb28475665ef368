# Starts and stops a throwaway PostgreSQL 15 for the tests: initdb and pg_ctl
# as user postgres, 127.0.0.1 on a free port, trust authentication.
# Source it, then: start_throwaway_postgres (exports RASTAR_TEST_DATABASE_URL)
# and stop_throwaway_postgres.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 20000))
}

start_throwaway_postgres() {
  THROWAWAY_PG_DIR=$(mktemp -d /tmp/rastar-pg.XXXXXX)
  chown postgres: "$THROWAWAY_PG_DIR"
  local port
  port=$(free_port)
  runuser -u postgres -- "$PG_BIN/initdb" -D "$THROWAWAY_PG_DIR/data" -A trust -U postgres >"$THROWAWAY_PG_DIR/initdb.log"
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$THROWAWAY_PG_DIR/data" -l "$THROWAWAY_PG_DIR/server.log" -w \
    -o "-h 127.0.0.1 -p $port -k $THROWAWAY_PG_DIR -c fsync=off -c max_connections=200" start >/dev/null
  export RASTAR_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/postgres"
  export RASTAR_TEST_PG_BIN="$PG_BIN"
  echo "PostgreSQL 15 started on 127.0.0.1:$port (data in $THROWAWAY_PG_DIR)"
}

stop_throwaway_postgres() {
  [ -n "${THROWAWAY_PG_DIR:-}" ] || return 0
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$THROWAWAY_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$THROWAWAY_PG_DIR"
}

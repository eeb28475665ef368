#!/usr/bin/env bash
# The README's first command: installs what is missing, builds rastar-init
# and the stand-in apps, and runs `rastar-init run` on the embedded default
# (config/example.yaml): a SQLite database at file:./data/rastar.db, the
# example Rastar migrations, the two seeds, and bot, portal and admin. Once
# everything is ready it prints the status table, the seeded admin and the
# default pack, then leaves rastar-init in the foreground: Ctrl-C stops the
# apps in order and rastar-init exits 0.
#
# Environment:
#   ADMIN_PASSWORD   the seeded admin's password (default: a demo password)
#   DEMO_SECONDS     stop by itself this many seconds after the table
#   RASTAR_INIT      a built rastar-init to use: skips installing and building
#                    (RASTAR_STAND_IN then defaults to the stand-in beside it)
# and every variable config/example.yaml reads (DATABASE_URL, BOT_PORT,
# PORTAL_PORT, ADMIN_PORT, RASTAR_STATUS_LISTEN, RASTAR_CONTROL_SOCKET).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${RASTAR_INIT:-}" ]; then
  missing=()
  for package in $(grep -v '^#' docker/build-packages.txt); do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  cmake -S . -B build -G Ninja >/dev/null
  cmake --build build --target rastar-init rastar-stand-in
  RASTAR_INIT=build/rastar-init
fi
RASTAR_STAND_IN=${RASTAR_STAND_IN:-$(dirname "$RASTAR_INIT")/rastar-stand-in}
for program in "$RASTAR_INIT" "$RASTAR_STAND_IN"; do
  [ -x "$program" ] || { echo "demo: $program is not an executable; build it first" >&2; exit 1; }
done
export RASTAR_STAND_IN
# `rastar-init status` below reads the endpoint's address from the same file.
export RASTAR_INIT_CONFIG=config/example.yaml

if [ -z "${ADMIN_PASSWORD:-}" ] && [ -z "${ADMIN_PASSWORD_FILE:-}" ]; then
  echo "demo: ADMIN_PASSWORD is not set: the admin is seeded with the demo's own password," \
    "which is not secret (set ADMIN_PASSWORD to choose one)"
  export ADMIN_PASSWORD=rastar-demo-only
fi
database_url=${DATABASE_URL:-file:./data/rastar.db}

# What the demo shows once rastar-init reports every service ready.
show_rows() {
  local admin_sql='SELECT email, role, substr("passwordHash", 1, 7) || '"'…'"' FROM "AdminUser"'
  local pack_sql='SELECT slug, name, credits, price, "isDefault" FROM "Pack" WHERE "isDefault" = true'
  if [[ $database_url == file:* ]]; then
    local path=${database_url#file:}
    path=${path%%\?*}
    echo "== the seeded admin (email | role | password hash, bcrypt)"
    sqlite3 -readonly "$path" "$admin_sql"
    echo "== the default pack (slug | name | credits | price | isDefault)"
    sqlite3 -readonly "$path" "$pack_sql"
  else
    # psql does not know Prisma's ?schema= and friends.
    local url=${database_url%%\?*}
    echo "== the seeded admin (email | role | password hash, bcrypt)"
    psql -X -At "$url" -c "$admin_sql"
    echo "== the default pack (slug | name | credits | price | isDefault)"
    psql -X -At "$url" -c "$pack_sql"
  fi
}

# Runs beside rastar-init (which replaces this shell below, so Ctrl-C reaches
# it as the foreground program): waits for /readyz, then shows the result.
report() {
  local init_pid=$1 deadline=$((SECONDS + 120))
  until "$RASTAR_INIT" healthcheck --ready >/dev/null 2>&1; do
    kill -0 "$init_pid" 2>/dev/null || exit 0
    if [ $SECONDS -ge $deadline ]; then
      echo "demo: the services were not ready within 120 s; see rastar-init's log above" >&2
      exit 1
    fi
    sleep 0.1
  done
  # Ready; the health checks' second round (2 s apart) then says healthy.
  local table
  for _ in $(seq 50); do
    table=$("$RASTAR_INIT" status 2>&1) || true
    [[ $table == *" starting"* ]] || break
    sleep 0.1
  done
  {
    echo
    echo "== rastar-init status"
    echo "$table"
    show_rows
    echo
    if [ -n "${DEMO_SECONDS:-}" ]; then
      echo "demo: stopping in $DEMO_SECONDS s (DEMO_SECONDS)"
    else
      echo "demo: running; press Ctrl-C to stop the apps and rastar-init"
    fi
  } 2>&1
  if [ -n "${DEMO_SECONDS:-}" ]; then
    sleep "$DEMO_SECONDS"
    kill -TERM "$init_pid" 2>/dev/null || true
  fi
}

report $$ &
exec "$RASTAR_INIT" run --config config/example.yaml

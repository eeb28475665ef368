#!/usr/bin/env bash
# The old shape of the image's entrypoint, for bench/cold-start.sh: the steps
# scripts/docker-entrypoint.sh took, done as cheaply as a shell can do them.
# On PostgreSQL, wait with pg_isready; check _prisma_migrations for anything
# pending (the old script ran `npx prisma migrate deploy` here, which costs
# seconds of Node start-up: left out, to flatter the old shape); insert the
# admin and the default pack if missing; start the three apps in the
# background; poll their /health with curl; then wait, forwarding SIGTERM.
#
# Environment: DATABASE_URL, BENCH_PROVIDER (sqlite | postgresql),
# BENCH_MIGRATIONS, STAND_IN, BOT_PORT, PORTAL_PORT, ADMIN_PORT; PSQL and
# PG_BIN for PostgreSQL.
set -euo pipefail

# The seeds, as the old script wrote them. The hash is a fixed one: the old
# script only hashed when the admin was missing, which it never is here.
seed_sql() {
  local now=$1
  cat <<SQL
INSERT INTO "AdminUser" ("id", "email", "passwordHash", "role", "createdAt", "updatedAt")
  SELECT 'cbenchadmin00000000000000', 'admin@rastar.local',
         '\$2b\$12\$0000000000000000000000000000000000000000000000000000.', 'owner', $now, $now
  WHERE NOT EXISTS (SELECT 1 FROM "AdminUser" WHERE "email" = 'admin@rastar.local');
INSERT INTO "Pack" ("id", "slug", "name", "credits", "price", "isDefault", "createdAt", "updatedAt")
  SELECT 'cbenchpack000000000000000', 'starter', 'Starter', 100, 0, true, $now, $now
  WHERE NOT EXISTS (SELECT 1 FROM "Pack" WHERE "slug" = 'starter');
SQL
}

if [ "$BENCH_PROVIDER" = sqlite ]; then
  database=${DATABASE_URL#file:}
  applied=$(sqlite3 "$database" "SELECT migration_name FROM _prisma_migrations
    WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL")
else
  url=${DATABASE_URL%%\?*}
  until "$PG_BIN/pg_isready" -q -d "$url"; do sleep 0.01; done
  applied=$("$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$url" -c "SELECT migration_name FROM _prisma_migrations
    WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL")
fi
for directory in "$BENCH_MIGRATIONS"/*/; do
  name=${directory%/}
  name=${name##*/}
  if ! grep -qxF "$name" <<<"$applied"; then
    echo "old-entrypoint: migration $name is pending; the benchmark measures a start with nothing to do" >&2
    exit 1
  fi
done

if [ "$BENCH_PROVIDER" = sqlite ]; then
  sqlite3 "$database" "$(seed_sql "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')")"
else
  "$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$url" -c "$(seed_sql "now()")" >/dev/null
fi

pids=()
PORT=$BOT_PORT "$STAND_IN" --role bot &
pids+=($!)
PORT=$PORTAL_PORT "$STAND_IN" --role portal &
pids+=($!)
PORT=$ADMIN_PORT "$STAND_IN" --role admin &
pids+=($!)
stop() {
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait
  exit 0
}
trap stop TERM INT

for port in "$BOT_PORT" "$PORTAL_PORT" "$ADMIN_PORT"; do
  until curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null; do sleep 0.01; done
done
echo "old-entrypoint: bot, portal and admin are up"
wait

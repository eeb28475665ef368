#!/usr/bin/env bash
# docker-compose.yml through a compose parser (Debian's docker-compose, or the
# docker CLI's compose plugin), which needs no Docker engine for `config`:
#   tests/image/check-compose.sh SOURCE_DIR
# The file must be valid with the .env variables set, and refuse to start
# without them. Exits 125 (skipped) when neither parser is installed.
set -euo pipefail
cd "$1"

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null; then
  compose=(docker-compose)
else
  echo "SKIPPED: no compose parser (apt-get install docker-compose)"
  exit 125
fi

# An empty directory as the project directory, so a developer's own .env is not read.
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
check() {
  env -u POSTGRES_PASSWORD -u ADMIN_PASSWORD -u ADMIN_EMAIL -u RASTAR_IMAGE "$@" \
    "${compose[@]}" --project-directory "$empty" -f "$PWD/docker-compose.yml" config
}

resolved=$(check POSTGRES_PASSWORD=pg-secret ADMIN_PASSWORD=admin-secret)
grep -q 'DATABASE_URL: postgresql://rastar:pg-secret@postgres:5432/rastar?schema=public' <<<"$resolved" || {
  echo "FAILED: DATABASE_URL did not resolve from .env's POSTGRES_PASSWORD"
  echo "$resolved"
  exit 1
}
grep -q 'condition: service_healthy' <<<"$resolved" || { echo "FAILED: no service_healthy condition"; exit 1; }
echo "ok: ${compose[*]} config accepts docker-compose.yml"

for missing in POSTGRES_PASSWORD ADMIN_PASSWORD; do
  set_vars=()
  for name in POSTGRES_PASSWORD ADMIN_PASSWORD; do
    [ "$name" = "$missing" ] || set_vars+=("$name=secret")
  done
  if errors=$(check "${set_vars[@]}" 2>&1); then
    echo "FAILED: docker-compose.yml resolved without $missing"
    exit 1
  fi
  grep -q "set $missing in .env" <<<"$errors" || { echo "FAILED: no message naming $missing: $errors"; exit 1; }
  echo "ok: without $missing it stops with: set $missing in .env"
done
echo "1 passed, 0 failed"

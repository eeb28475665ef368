#!/usr/bin/env bash
# The README's first command: installs what is missing, builds rastar-init,
# and runs it on the embedded default, a SQLite database at
# file:./data/rastar.db with the example Rastar migrations.
set -euo pipefail
cd "$(dirname "$0")/.."

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
cmake --build build --target rastar-init

export DATABASE_URL=file:./data/rastar.db
echo "== rastar-init migrate deploy"
build/rastar-init migrate deploy --migrations examples/rastar/migrations-sqlite
echo
echo "== rastar-init migrate status"
build/rastar-init migrate status --migrations examples/rastar/migrations-sqlite

#!/usr/bin/env bash
# The image's contents, tested without a Docker engine:
#   tests/image/run-in-rootfs.sh SOURCE_DIR BUILD_DIR
# links rastar-init-static in BUILD_DIR as the Dockerfile does, builds a
# Debian 12 slim root filesystem with docker/runtime-packages.txt (kept in
# BUILD_DIR/image), copies in what the Dockerfile's runtime stage copies,
# and runs `rastar-init run` in it as PID 1 against RASTAR_TEST_DATABASE_URL:
# the libraries resolve, the migrations apply, the seeds land (the admin with
# a bcrypt hash of the Docker secret, the default pack), the services start as
# the Node image's `node` user, the health check answers, and SIGTERM ends it
# with 0. RASTAR_IMAGE_BINARY names a static binary already linked.
# Exits 125 (skipped) without root, mmdebstrap, psql or a database URL.
set -euo pipefail

source_dir=$(cd "$1" && pwd)
build_dir=$(cd "$2" && pwd)
work_dir=$build_dir/image
mkdir -p "$work_dir"
work_dir=$(cd "$work_dir" && pwd)
source "$source_dir/tests/image/rootfs.sh"

skip() {
  echo "SKIPPED: $*"
  exit 125
}
fail() {
  echo "FAILED: $*"
  exit 1
}
pass() {
  echo "ok: $*"
}
started_at=$(date +%s)
step() {
  echo "== $* ($(($(date +%s) - started_at)) s)"
}

[ "$(id -u)" -eq 0 ] || skip "needs root (unshare --root, mmdebstrap)"
command -v mmdebstrap >/dev/null || skip "mmdebstrap is not installed (apt-get install mmdebstrap)"
command -v psql >/dev/null || skip "psql is not installed"
[ -n "${RASTAR_TEST_DATABASE_URL:-}" ] || skip "RASTAR_TEST_DATABASE_URL is not set"

dockerfile="$source_dir/Dockerfile"
node_dockerfile="$source_dir/examples/node-app/Dockerfile"
mapfile -t packages < <(runtime_packages "$source_dir")

# The Dockerfile's runtime stage: every line from `FROM … AS runtime` on.
runtime_stage=$(sed -n '/^FROM .* AS runtime$/,$p' "$dockerfile")
[ -n "$runtime_stage" ] || fail "Dockerfile has no stage named runtime"

step "the Dockerfile and the Node drop-in agree with docker/runtime-packages.txt"
grep -q 'docker/runtime-packages.txt' <<<"$runtime_stage" || fail "the runtime stage does not install docker/runtime-packages.txt"
grep -qx 'ENTRYPOINT \["rastar-init"\]' <<<"$runtime_stage" || fail "the runtime stage's ENTRYPOINT is not [\"rastar-init\"]"
grep -qx 'CMD \["run"\]' <<<"$runtime_stage" || fail "the runtime stage's CMD is not [\"run\"]"
grep -q '^HEALTHCHECK .*CMD \["rastar-init", "healthcheck"\]$' <<<"$runtime_stage" ||
  fail "the runtime stage's HEALTHCHECK does not run rastar-init healthcheck"
binary_destination=$(awk '$1 == "COPY" && $2 == "--from=build" {print $4}' <<<"$runtime_stage")
[ "$binary_destination" = /usr/local/bin/rastar-init ] || fail "the runtime stage copies the binary to '$binary_destination'"
node_copy=$(grep -c '^COPY --from=' "$node_dockerfile" || true)
[ "$node_copy" -eq 1 ] || fail "examples/node-app/Dockerfile has $node_copy COPY --from lines, not one"
[ "$(awk '$1 == "COPY" && $2 ~ /^--from=/ {print $4}' "$node_dockerfile")" = "$binary_destination" ] ||
  fail "examples/node-app/Dockerfile copies the binary elsewhere than the image has it"
node_installs=$(grep -c 'apt-get install' "$node_dockerfile" || true)
[ "$node_installs" -eq 1 ] || fail "examples/node-app/Dockerfile has $node_installs apt-get install lines, not one"
node_packages=$(grep -o 'apt-get install [^&]*' "$node_dockerfile" | tr ' ' '\n' | grep -v '^-' | tail -n +3 | sort | xargs)
[ "$node_packages" = "$(printf '%s\n' "${packages[@]}" | sort | xargs)" ] ||
  fail "examples/node-app/Dockerfile installs '$node_packages', docker/runtime-packages.txt lists '${packages[*]}'"
pass "one COPY --from and one apt-get install of: ${packages[*]}"

step "the static release binary"
binary=${RASTAR_IMAGE_BINARY:-}
if [ -z "$binary" ]; then
  cmake --build "$build_dir" --target rastar-init-static
  binary=$build_dir/rastar-init-static
fi
# Only libc6 and libcrypt1, which every Debian base image has, and libssl3's
# libcrypto may stay shared. libpq is loaded when PostgreSQL is used (the run
# below), never linked.
needed=$(objdump -p "$binary" | awk '$1 == "NEEDED" {print $2}' | sort | xargs)
for library in $needed; do
  case $library in
    libcrypt.so.1 | libcrypto.so.3 | libm.so.6 | libc.so.6 | ld-linux-x86-64.so.2) ;;
    *) fail "rastar-init-static links $library dynamically; cmake/StaticDependencies.cmake should link it statically" ;;
  esac
done
if readelf -S "$binary" | grep -q '\.symtab'; then
  fail "rastar-init is not stripped"
fi
pass "shared libraries: $needed; $(stat -c %s "$binary") bytes, stripped"

step "a bookworm slim root filesystem with ${packages[*]}"
tarball="$work_dir/rootfs-$(printf '%s\n' "${packages[@]}" | sha256sum | cut -c1-12).tar"
rootfs_tarball "$tarball" "${packages[@]}"
rootfs="$work_dir/rootfs"
rm -rf "$rootfs"
mkdir -p "$rootfs"
tar -C "$rootfs" -xf "$tarball"

# What the runtime stage copies: the binary from the build stage, the rest
# from the source tree.
while read -r instruction from_or_source source_or_destination destination; do
  if [ "$from_or_source" = --from=build ]; then
    install -D -m 0755 "$binary" "$rootfs$destination"
  else
    install -D -m 0644 "$source_dir/$from_or_source" "$rootfs$source_or_destination"
  fi
done < <(grep '^COPY ' <<<"$runtime_stage")
mapfile -t image_env < <(awk '$1 == "ENV" {print $2}' <<<"$runtime_stage")
workdir=$(awk '$1 == "WORKDIR" {print $2}' <<<"$runtime_stage")
# The Node image's user (uid 1000) runs the services, and the Rastar image
# brings the schema and the migrations where the shipped config looks.
chroot "$rootfs" useradd --uid 1000 --user-group --create-home node
mkdir -p "$rootfs$workdir/data" "$rootfs$workdir/packages/shared/prisma"
cp -r "$source_dir/examples/rastar/migrations" "$rootfs$workdir/packages/shared/prisma/migrations"
cp "$source_dir/examples/rastar/schema.prisma" "$rootfs$workdir/packages/shared/prisma/schema.prisma"
chown node: "$rootfs$workdir/data" 2>/dev/null || chown 1000:1000 "$rootfs$workdir/data"

in_image() {
  chroot "$rootfs" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root "${image_env[@]}" "${extra_env[@]}" sh -c "cd $workdir && exec \"\$@\"" sh "$@"
}
extra_env=()

unresolved=$(in_image ldd /usr/local/bin/rastar-init | grep 'not found' || true)
[ -z "$unresolved" ] || fail "libraries missing from the root filesystem: $unresolved"
version=$(in_image rastar-init --version)
pass "every library resolves; $version"
in_image rastar-init config check --strict >/dev/null || fail "the shipped config does not pass config check --strict in the image"
pass "the shipped config passes config check --strict"

step "rastar-init run as PID 1 against PostgreSQL"
database="rastar_image_$$"
admin_url=$RASTAR_TEST_DATABASE_URL
database_url="${admin_url%/*}/$database"
psql -X -q -v ON_ERROR_STOP=1 "$admin_url" -c "CREATE DATABASE $database" >/dev/null
runner=""
cleanup() {
  if [ -n "$runner" ] && kill -0 "$runner" 2>/dev/null; then
    kill -KILL "$runner" 2>/dev/null || true
  fi
  psql -X -q "$admin_url" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

port=$((20000 + $$ % 20000))
cat >"$rootfs$workdir/config/services.yaml" <<YAML
# The shipped config's database and migration settings, the demo's seeds,
# and shell loops in place of the three Node apps.
database:
  wait_timeout: 30s
migrations: packages/shared/prisma/migrations
schema: packages/shared/prisma/schema.prisma
seeds:
  admin:
    model: AdminUser
    key: [email]
    values:
      email: \${ADMIN_EMAIL:-admin@rastar.local}
      passwordHash: {bcrypt_env: ADMIN_PASSWORD, cost: 12}
      role: owner
  default-pack:
    model: Pack
    key: [slug]
    values: {slug: starter, name: Starter, credits: 100, price: 0, isDefault: true}
shutdown_timeout: 9s
status:
  listen: \${RASTAR_STATUS_LISTEN:-127.0.0.1:8079}
control:
  socket: /run/rastar-init.sock
x-app: &app
  user: node
  restart: always
services:
  bot:
    <<: *app
    command: [sh, -c, 'id -u > data/bot.uid; echo "\$\$DATABASE_URL" > data/bot.url; exec sleep 1000']
  portal:
    <<: *app
    command: [sh, -c, 'id -u > data/portal.uid; exec sleep 1000']
  admin:
    <<: *app
    command: [sh, -c, 'id -u > data/admin.uid; exec sleep 1000']
    depends_on: [portal]
YAML
# The admin's password as a Docker secret: a file under /run/secrets.
admin_password="image-Secret-$$-Tr0ub4dor"
install -D -m 0400 /dev/null "$rootfs/run/secrets/admin_password"
printf '%s\n' "$admin_password" >"$rootfs/run/secrets/admin_password"
extra_env=("DATABASE_URL=$database_url" "RASTAR_INIT_CONFIG=$workdir/config/services.yaml"
  "RASTAR_STATUS_LISTEN=127.0.0.1:$port" "ADMIN_PASSWORD_FILE=/run/secrets/admin_password")
log="$work_dir/run.log"
unshare --pid --fork --mount-proc --root="$rootfs" --wd="$workdir" /usr/bin/env -i \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "${image_env[@]}" "${extra_env[@]}" \
  rastar-init run >"$log" 2>&1 &
runner=$!

for _ in $(seq 300); do
  [ -s "$rootfs$workdir/data/bot.uid" ] && [ -s "$rootfs$workdir/data/portal.uid" ] &&
    [ -s "$rootfs$workdir/data/admin.uid" ] && break
  kill -0 "$runner" 2>/dev/null || { cat "$log"; fail "rastar-init exited before the services started"; }
  sleep 0.1
done
for service in bot portal admin; do
  [ "$(cat "$rootfs$workdir/data/$service.uid" 2>/dev/null)" = 1000 ] || { cat "$log"; fail "$service did not start as node (uid 1000)"; }
done
pass "bot, portal and admin run as node (uid 1000)"
[ "$(cat "$rootfs$workdir/data/bot.url")" = "$database_url" ] || fail "the services were not given DATABASE_URL"

pid1=$(pgrep -P "$runner" -x rastar-init || true)
[ -n "$pid1" ] || fail "no rastar-init process under unshare"
[ "$(awk '/^NSpid:/ {print $NF}' "/proc/$pid1/status")" = 1 ] || fail "rastar-init is not PID 1 in its namespace"
pass "rastar-init is PID 1"

migrations=$(find "$source_dir/examples/rastar/migrations" -mindepth 1 -maxdepth 1 -type d | wc -l)
applied=$(psql -X -At "$database_url" -c \
  "SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL")
[ "$applied" = "$migrations" ] || fail "$applied of $migrations migrations applied"
tables=$(psql -X -At "$database_url" -c \
  "SELECT to_regclass('public.users') IS NOT NULL AND to_regclass('public.mcp_logs') IS NOT NULL")
[ "$tables" = t ] || fail "the migrations' tables are missing"
pass "$applied migrations applied"

admin=$(psql -X -At "$database_url" -c \
  "SELECT email || '|' || role || '|' || left(\"passwordHash\", 7) || '|' || length(\"passwordHash\") FROM \"AdminUser\"")
[ "$admin" = 'admin@rastar.local|owner|$2b$12$|60' ] || { cat "$log"; fail "the admin seed wrote '$admin'"; }
pack=$(psql -X -At "$database_url" -c "SELECT slug || '|' || credits || '|' || \"isDefault\" FROM \"Pack\"")
[ "$pack" = 'starter|100|true' ] || { cat "$log"; fail "the default-pack seed wrote '$pack'"; }
grep -q 'phase seed: 2 of 2 seeds written' "$log" || { cat "$log"; fail "the log does not say both seeds were written"; }
pass "seeded: the admin (bcrypt \$2b\$12\$ hash of the secret) and the default pack"

healthy=1
for _ in $(seq 100); do
  if in_image rastar-init healthcheck --ready >/dev/null 2>&1; then
    healthy=0
    break
  fi
  sleep 0.1
done
[ "$healthy" -eq 0 ] || { cat "$log"; fail "rastar-init healthcheck --ready did not pass"; }
in_image rastar-init healthcheck >/dev/null || fail "rastar-init healthcheck failed"
pass "rastar-init healthcheck and healthcheck --ready exit 0"

stop_started=$(date +%s%N)
kill -TERM "$pid1"
code=0
wait "$runner" || code=$?
runner=""
stop_ms=$((($(date +%s%N) - stop_started) / 1000000))
[ "$code" -eq 0 ] || { cat "$log"; fail "rastar-init exited $code after SIGTERM, not 0"; }
pass "SIGTERM: every service stopped, exit 0 in $stop_ms ms"
if grep -qF "$admin_password" "$log"; then
  fail "the admin's password appears in rastar-init's log"
fi
pass "the admin's password is not in the log"

step "done"
echo "1 passed, 0 failed"

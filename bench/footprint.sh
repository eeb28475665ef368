#!/usr/bin/env bash
# The bytes rastar-init adds to a Debian 12 slim image, against what the
# entrypoint it replaces needs there (`npx prisma migrate deploy`: the Prisma
# CLI and its engines from npm, and Node where the image would not otherwise
# need it). Target: rastar-init at most a fifth of the Prisma CLI's bytes.
#   bench/footprint.sh [BUILD_DIR]     (default build; needs root, mmdebstrap
#                                       and npm)
# Links rastar-init-static in BUILD_DIR as the Dockerfile does, unless
# RASTAR_IMAGE_BINARY names one. The root filesystems and the npm install are
# kept in BUILD_DIR/footprint for the next run.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$(cd "${1:-$source_dir/build}" && pwd)
work_dir=$build_dir/footprint
mkdir -p "$work_dir"
work_dir=$(cd "$work_dir" && pwd)
source "$source_dir/tests/image/rootfs.sh"
prisma_version=6.19.0

mib() {
  awk -v bytes="$1" 'BEGIN {printf "%.1f", bytes / 1048576}'
}

# Regular files' bytes in a root filesystem tarball (hard links counted once).
tarball_bytes() {
  tar -tvf "$1" | awk '$1 ~ /^-/ {sum += $3} END {print sum + 0}'
}

# "package installed-size-KiB" for every package a tarball's dpkg knows.
tarball_packages() {
  tar -xOf "$1" ./var/lib/dpkg/status |
    awk '/^Package: / {name = $2} /^Installed-Size: / {size = $2} /^$/ {if (name != "") print name, size; name = ""}' |
    sort
}

# --- rastar-init: the stripped binary, and the packages the base lacks.
binary=${RASTAR_IMAGE_BINARY:-}
if [ -z "$binary" ]; then
  cmake --build "$build_dir" --target rastar-init-static >/dev/null
  binary=$build_dir/rastar-init-static
fi
binary_bytes=$(stat -c %s "$binary")

mapfile -t packages < <(runtime_packages "$source_dir")
slim=$work_dir/bookworm-slim.tar
with_runtime=$work_dir/bookworm-slim-runtime-$(printf '%s\n' "${packages[@]}" | sha256sum | cut -c1-12).tar
rootfs_tarball "$slim"
rootfs_tarball "$with_runtime" "${packages[@]}"
added_bytes=$(($(tarball_bytes "$with_runtime") - $(tarball_bytes "$slim")))
added_packages=$(join -v 1 <(tarball_packages "$with_runtime") <(tarball_packages "$slim"))
added_kib=$(awk '{sum += $2} END {print sum + 0}' <<<"$added_packages")
added_names=$(awk '{print $1}' <<<"$added_packages" | xargs)
rastar_bytes=$((binary_bytes + added_bytes))

# --- the old entrypoint: the Prisma CLI from npm.
prisma_dir=$work_dir/prisma-$prisma_version
if [ ! -f "$prisma_dir/node_modules/prisma/package.json" ]; then
  rm -rf "$prisma_dir"
  mkdir -p "$prisma_dir"
  echo '{"name": "footprint", "version": "1.0.0", "private": true}' >"$prisma_dir/package.json"
  (cd "$prisma_dir" && npm install --no-save --no-audit --no-fund "prisma@$prisma_version" >npm-install.log 2>&1)
  # The engines' postinstall downloads the native schema engine; run it
  # even where npm holds install scripts back, and record what it says.
  (cd "$prisma_dir/node_modules/@prisma/engines" && timeout 300 node scripts/postinstall.js) \
    >"$prisma_dir/engines-postinstall.log" 2>&1 || true
fi
prisma_bytes=$(du -sb "$prisma_dir/node_modules" | cut -f1)
engine=$(find "$prisma_dir/node_modules" "${HOME:-/root}/.cache/prisma" -name 'schema-engine*' -type f 2>/dev/null | head -1 || true)
if [ -n "$engine" ]; then
  engine_bytes=$(stat -c %s "$engine")
  engine_note="native schema engine included ($(mib "$engine_bytes") MiB)"
  case $engine in
    "$prisma_dir"/*) ;;
    *) prisma_bytes=$((prisma_bytes + engine_bytes)) ;;
  esac
else
  engine_note="native schema engine NOT downloaded (its host is unreachable here): a lower bound"
fi

# --- Node, for an image that would not otherwise need it.
node_binary=$(readlink -f "$(command -v node)")
node_bytes=$(stat -c %s "$node_binary")
node_version=$(node --version)

ratio=$(awk -v a="$rastar_bytes" -v b="$prisma_bytes" 'BEGIN {printf "%.3f", a / b}')
ratio_with_node=$(awk -v a="$rastar_bytes" -v b="$((prisma_bytes + node_bytes))" 'BEGIN {printf "%.3f", a / b}')
verdict=$(awk -v r="$ratio" 'BEGIN {print (r <= 0.2) ? "met" : "MISSED"}')

printf '\n%-62s %14s %9s\n' "what a bookworm-slim image gains" bytes MiB
printf '%-62s %14s %9s\n' "$(printf -- '-%.0s' {1..62})" "--------------" "---------"
row() {
  printf '%-62s %14d %9s\n' "$1" "$2" "$(mib "$2")"
}
row "rastar-init-static (C++ libraries linked in, stripped)" "$binary_bytes"
row "$(wc -w <<<"$added_names") packages bookworm-slim lacks (libpq5 and its dependencies)" "$added_bytes"
row "rastar-init, total" "$rastar_bytes"
row "prisma@$prisma_version CLI, npm install (node_modules)" "$prisma_bytes"
row "node $node_version binary (if the image had no Node)" "$node_bytes"
row "prisma CLI + node" "$((prisma_bytes + node_bytes))"
echo
echo "packages added: $added_names (dpkg Installed-Size $added_kib KiB; files after slim's excludes $added_bytes bytes)"
echo "prisma: $engine_note"
echo "rastar-init / prisma CLI = $ratio (target <= 0.200: $verdict); / (prisma CLI + node) = $ratio_with_node"

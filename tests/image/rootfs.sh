# Debian 12 slim root filesystems without a Docker engine. Source it, then:
#   rootfs_tarball OUTPUT.tar [PACKAGE...]
# builds (once: an existing OUTPUT.tar is kept) a bookworm minbase root
# filesystem plus PACKAGE... with mmdebstrap, excluding the paths that
# debian:bookworm-slim excludes, so its contents match that image's.
#   runtime_packages SOURCE_DIR
# prints docker/runtime-packages.txt's packages, one a line.

runtime_packages() {
  grep -v '^[[:space:]]*#' "$1/docker/runtime-packages.txt" | grep -v '^[[:space:]]*$'
}

rootfs_tarball() {
  local output=$1
  shift
  if [ -s "$output" ]; then
    return 0
  fi
  local include=()
  if [ $# -gt 0 ]; then
    include=("--include=$(IFS=,; echo "$*")")
  fi
  mkdir -p "$(dirname "$output")"
  # debian:bookworm-slim's /etc/dpkg/dpkg.cfg.d/docker, as dpkg options.
  mmdebstrap --variant=minbase --format=tar --quiet "${include[@]}" \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/groff/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --dpkgopt='path-exclude=/usr/share/linda/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    bookworm "$output.partial" </dev/null
  mv "$output.partial" "$output"
}

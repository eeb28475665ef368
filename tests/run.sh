#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test suite.
#   tests/run.sh              warnings as errors, RelWithDebInfo, in build/
#   tests/run.sh --sanitize   the same under ASan + UBSan, in build-sanitize/
# Uses RASTAR_TEST_DATABASE_URL when set; otherwise starts a throwaway
# PostgreSQL 15 (needs root for initdb as user postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

# Batches of files and line-table debug information (-g1: stack traces keep
# file and line) make a clean build about a third shorter.
build_dir=build
cmake_flags=(-DRASTAR_WARNINGS_AS_ERRORS=ON -DRASTAR_UNITY_BUILD=ON)
if [ "${1:-}" = "--sanitize" ]; then
  build_dir=build-sanitize
  cmake_flags+=(-DRASTAR_ENABLE_SANITIZERS=ON -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1)
else
  cmake_flags+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG")
fi

# Installs the packages a list names that are not installed yet.
install_missing() {
  local list=$1
  shift
  local missing=()
  for package in $(grep -v '^#' "$list"); do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing ${missing[*]}"
    local sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$@" "${missing[@]}" >/dev/null
  fi
}

install_missing docker/build-packages.txt
# The image and compose tests' tools, without the Docker engine that
# docker-compose recommends (the tests need none).
install_missing docker/test-packages.txt --no-install-recommends

cmake -S . -B "$build_dir" -G Ninja "${cmake_flags[@]}" >/dev/null
cmake --build "$build_dir"

if [ -z "${RASTAR_TEST_DATABASE_URL:-}" ] && [ "$(id -u)" -eq 0 ]; then
  source tests/throwaway-postgres.sh
  start_throwaway_postgres
  trap stop_throwaway_postgres EXIT
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build_dir" --output-on-failure

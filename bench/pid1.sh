#!/usr/bin/env bash
# bench/pid1.sh [BUILD_DIR]: rastar-init as PID 1, side by side with tini and
# dumb-init, each under `unshare --pid --fork --mount-proc`. Measures signal
# latency, reaping of 10,000 orphans, restart latency, log relay throughput and
# peak RSS, and prints one table against the targets (bench/PID1.md explains
# each figure). Both builds of rastar-init are measured: the dynamically linked
# rastar-init and rastar-init-static, the image's binary (when its static
# archives are installed). Needs root. BUILD_DIR defaults to build/ (RelWithDebInfo).
#
# Knobs: PID1_BENCH_ROUNDS (signal rounds per init, 50), PID1_BENCH_ORPHAN_ROUNDS
# (5), PID1_BENCH_RESTARTS (30), PID1_BENCH_RELAY_MB (200), PID1_BENCH_RELAY_ROUNDS (3),
# PID1_BENCH_RT (1: the latency sections run under SCHED_FIFO, so that other load
# on the machine does not decide them; 0: plain scheduling).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
rounds=${PID1_BENCH_ROUNDS:-50}
orphan_rounds=${PID1_BENCH_ORPHAN_ROUNDS:-5}
restarts=${PID1_BENCH_RESTARTS:-30}
relay_mb=${PID1_BENCH_RELAY_MB:-200}
relay_rounds=${PID1_BENCH_RELAY_ROUNDS:-3}
orphans=10000
rt=()
if [[ ${PID1_BENCH_RT:-1} != 0 ]] && command -v chrt >/dev/null; then
  rt=(chrt --fifo 5)
fi
line_bytes=100

if [[ $(id -u) != 0 ]]; then
  echo "pid1.sh: needs root, to run each init as PID 1 with unshare --pid" >&2
  exit 1
fi
if ! command -v tini >/dev/null || ! command -v dumb-init >/dev/null; then
  apt-get install -y tini dumb-init >/dev/null
fi
cmake --build "$build" --target rastar-init bench_signal_timer bench_sigterm_stamp bench_orphan_storm \
  bench_crash_stamp bench_line_flood >/dev/null
rastars=(rastar-init)
if cmake --build "$build" --target rastar-init-static >/dev/null 2>&1; then
  rastars+=(rastar-static)
else
  echo "pid1.sh: warning: rastar-init-static does not build here (are its static archives installed?);" \
    "measuring the dynamic build only" >&2
fi
if ! grep -q '^CMAKE_BUILD_TYPE:STRING=RelWithDebInfo$' "$build/CMakeCache.txt"; then
  echo "pid1.sh: warning: $build is not a RelWithDebInfo build; the figures will not be representative" >&2
fi

helpers=$build/tests
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The drop-in form runs only without a config file and a database: none is
# found from the work directory, and none comes from the environment.
cd "$work"
unset RASTAR_INIT_CONFIG DATABASE_URL DATABASE_URL_FILE

inits=(tini dumb-init "${rastars[@]}")

binary_of() { # RASTAR: the file of rastar-init or rastar-static
  case $1 in
  rastar-init) echo "$build/rastar-init" ;;
  rastar-static) echo "$build/rastar-init-static" ;;
  esac
}

init_command() { # INIT: sets `cmd` to INIT's drop-in form; every one signals the child's process group
  case $1 in
  tini) cmd=(tini -g --) ;;
  dumb-init) cmd=(dumb-init) ;;
  rastar-init | rastar-static) cmd=("$(binary_of "$1")" run --) ;;
  esac
}

pid1() { # ARGV...: runs ARGV as PID 1 of a new PID namespace with its own /proc
  unshare --pid --fork --mount-proc "$@"
}

quantile() { # Q FILE: the Q-quantile (0..1) of the numbers in FILE, nearest rank
  sort -g "$2" | awk -v q="$1" '{ v[NR] = $1 } END {
    if (NR == 0) { print "nan"; exit }
    i = int(q * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print v[i] }'
}

calc() { # EXPRESSION: evaluated by awk, printed with about 3 significant digits
  awk "BEGIN { v = $1; a = v < 0 ? -v : v
    if (a >= 100) printf \"%.0f\", v; else if (a >= 10) printf \"%.1f\", v; else printf \"%.3g\", v }"
}

now_us() { echo "${EPOCHREALTIME/./}"; }

log() { printf 'pid1.sh: %s\n' "$*" >&2; }

started=$(now_us)

# --- 1. SIGTERM to PID 1, from outside as a runtime sends it. Rounds are
# interleaved so that a busy moment of the machine hits every init alike.
log "signal latency: $rounds rounds per init"
for ((i = 0; i < rounds; ++i)); do
  for init in "${inits[@]}"; do
    init_command "$init"
    "${rt[@]}" "$helpers/bench_signal_timer" unshare --pid --fork --mount-proc "${cmd[@]}" "$helpers/bench_sigterm_stamp" \
      </dev/null >>"$work/signal-$init"
  done
done
for init in "${inits[@]}"; do
  awk '{ print $2 }' "$work/signal-$init" >"$work/child-$init"
  awk '{ print $4 }' "$work/signal-$init" >"$work/exit-$init"
done

# --- 2. Reaping: $orphans zombies re-parented to PID 1 at the same moment.
log "orphans: $orphan_rounds rounds of $orphans per init"
for ((i = 0; i < orphan_rounds; ++i)); do
  for init in "${inits[@]}"; do
    init_command "$init"
    pid1 "${cmd[@]}" "$helpers/bench_orphan_storm" "$orphans" </dev/null >>"$work/orphans-$init"
  done
done
for init in "${inits[@]}"; do
  awk '{ print $2 / 1000 }' "$work/orphans-$init" >"$work/reap-$init"
  awk '{ if ($4 > most) most = $4 } END { print most + 0 }' "$work/orphans-$init" >"$work/zombies-$init"
done

# --- 3. Restart latency, rastar-init only: tini and dumb-init never restart.
log "restart: $restarts crashes with backoff 0, per build"
for r in "${rastars[@]}"; do
  cat >"$work/restart-$r.yaml" <<EOF
status: {listen: "0"}
control: {socket: ""}
services:
  crasher:
    command: ["$helpers/bench_crash_stamp", "$work/stamps-$r", "$restarts"]
    restart: on-failure
    backoff: {initial: 0ms}
    crash_loop: {limit: $((restarts + 10)), window: 10m}
EOF
  if ! "${rt[@]}" unshare --pid --fork --mount-proc "$(binary_of "$r")" run --config "$work/restart-$r.yaml" \
    </dev/null >/dev/null 2>"$work/restart-$r.log"; then
    log "the restart run of $r failed:"
    tail -5 "$work/restart-$r.log" >&2
  fi
  touch "$work/stamps-$r"
  awk '$1 == "crash" { crashed = $2 } $1 == "start" && crashed { print ($2 - crashed) / 1e6; crashed = 0 }' \
    "$work/stamps-$r" >"$work/restart-$r"
done

# --- 4. Log relay: one service printing ${relay_mb} MB of ${line_bytes}-byte
# lines, relayed with its `[flood] ` prefix, against `cat` of the same bytes.
log "relay: $relay_rounds rounds of $relay_mb MB per build"
relay_bytes=$((relay_mb * 1024 * 1024))
cat >"$work/relay.yaml" <<EOF
status: {listen: "0"}
control: {socket: ""}
services:
  flood:
    command: ["$helpers/bench_line_flood", "$relay_bytes", "$line_bytes"]
    restart: never
EOF
# Every byte must come out, each line once with its prefix, into a pipe and
# into a file alike (the relay writes to each its own way).
check_bytes=$((1024 * 1024))
sed "s/\"$relay_bytes\"/\"$check_bytes\"/" "$work/relay.yaml" >"$work/relay-check.yaml"
expected=$("$helpers/bench_line_flood" "$check_bytes" "$line_bytes" | sed 's/^/[flood] /' | md5sum)
for r in "${rastars[@]}"; do
  piped=$(pid1 "$(binary_of "$r")" run --config "$work/relay-check.yaml" </dev/null 2>/dev/null | md5sum || true)
  pid1 "$(binary_of "$r")" run --config "$work/relay-check.yaml" </dev/null >"$work/relay-check.out" 2>/dev/null || true
  if [[ $piped != "$expected" || $(md5sum <"$work/relay-check.out") != "$expected" ]]; then
    log "$r: the relayed 1 MB check is not the service's lines with their prefix"
  fi
done
for ((i = 0; i < relay_rounds; ++i)); do
  t0=$(now_us)
  "$helpers/bench_line_flood" "$relay_bytes" "$line_bytes" | cat >/dev/null
  t1=$(now_us)
  echo "$relay_mb $((t1 - t0))" | awk '{ print $1 / ($2 / 1e6) }' >>"$work/cat-mbs"
  for r in "${rastars[@]}"; do
    t1=$(now_us)
    /usr/bin/time -f %M -a -o "$work/relay-rss-$r" \
      unshare --pid --fork --mount-proc "$(binary_of "$r")" run --config "$work/relay.yaml" </dev/null >/dev/null \
      2>>"$work/relay.log"
    t2=$(now_us)
    echo "$relay_mb $((t2 - t1))" | awk '{ print $1 / ($2 / 1e6) }' >>"$work/relay-mbs-$r"
  done
done

# --- 5. Peak RSS (VmHWM) of PID 1: rastar-init with three services that each
# relay 2 MB of lines and then sleep; tini and dumb-init with one child.
log "peak RSS: 3 s per init"
{
  echo 'status: {listen: "0"}'
  echo 'control: {socket: ""}'
  echo 'services:'
  for name in api portal bot; do
    echo "  $name:"
    echo "    command: [sh, -c, \"$helpers/bench_line_flood 2000000 $line_bytes; exec sleep 60\"]"
  done
} >"$work/three.yaml"
for init in "${inits[@]}"; do
  # Started directly (not through the pid1 function) so that $! is unshare.
  if [[ $init == rastar-* ]]; then
    unshare --pid --fork --mount-proc "$(binary_of "$init")" run --config "$work/three.yaml" </dev/null >/dev/null 2>&1 &
  else
    init_command "$init"
    unshare --pid --fork --mount-proc "${cmd[@]}" sleep 60 </dev/null >/dev/null 2>&1 &
  fi
  launcher=$!
  sleep 3
  init_pid=$(pgrep -P "$launcher" | head -1)
  # VmHWM counts the shared libraries' pages too; RssAnon is the init's own memory.
  awk '/^VmHWM:/ { peak = $2 } /^RssAnon:/ { anon = $2 } END { printf "%.3g %.3g\n", peak / 1024, anon / 1024 }' \
    "/proc/$init_pid/status" >"$work/rss-$init"
  kill -TERM "$init_pid"
  wait "$launcher" || true
done

# --- The table: one column per init, and a verdict per rastar-init build.
median() { quantile 0.5 "$1"; }
p95() { quantile 0.95 "$1"; }
verdict() { # CONDITION (awk): "ok" or "MISSED"
  awk "BEGIN { print ($1) ? \"ok\" : \"MISSED\" }"
}
row() { printf '| %-38s | %-12s | %-12s | %-13s | %-13s | %-10s | %-11s | %-11s | %-13s |\n' "$@"; }

declare -A child exit_time reap zombies rss anon ratio_child ratio_exit ratio_reap restart relay relay_ratio relay_rss
declare -A ok_child ok_exit ok_zombies ok_restart ok_relay ok_rss ok_relay_rss
for init in tini dumb-init rastar-init rastar-static; do
  if [[ " ${inits[*]} " != *" $init "* ]]; then
    for table in child exit_time reap zombies rss anon ratio_child ratio_exit ratio_reap restart relay relay_ratio \
      relay_rss; do
      declare -n cell=$table
      cell[$init]=n/a
      unset -n cell
    done
    continue
  fi
  child[$init]="$(calc "$(median "$work/child-$init")") ($(calc "$(p95 "$work/child-$init")"))"
  exit_time[$init]="$(calc "$(median "$work/exit-$init")") ($(calc "$(p95 "$work/exit-$init")"))"
  reap[$init]=$(calc "$(median "$work/reap-$init")")
  zombies[$init]=$(cat "$work/zombies-$init")
  read -r "rss[$init]" "anon[$init]" <"$work/rss-$init"
done
cat_mbs=$(median "$work/cat-mbs")
for r in "${rastars[@]}"; do
  ratio_child[$r]=$(calc "$(median "$work/child-$r") / $(median "$work/child-tini")")
  ratio_exit[$r]=$(calc "$(median "$work/exit-$r") / $(median "$work/exit-tini")")
  ratio_reap[$r]=$(calc "$(median "$work/reap-$r") / $(median "$work/reap-tini")")
  restart_p95=$(p95 "$work/restart-$r")
  restart_count=$(wc -l <"$work/restart-$r")
  restart[$r]="$(calc "$(median "$work/restart-$r")") ($(calc "$restart_p95"))"
  relay_mbs=$(median "$work/relay-mbs-$r")
  relay[$r]=$(calc "$relay_mbs")
  relay_ratio[$r]="$(calc "$relay_mbs / $cat_mbs")x"
  relay_rss[$r]=$(calc "$(sort -g "$work/relay-rss-$r" | tail -1) / 1024")
  ok_child[$r]=$(verdict "${ratio_child[$r]} <= 2")
  ok_exit[$r]=$(verdict "${ratio_exit[$r]} <= 2")
  ok_zombies[$r]=$(verdict "${zombies[$r]} == 0")
  ok_restart[$r]=$(verdict "$restart_count >= $restarts && $restart_p95 <= 50")
  ok_relay[$r]=$(verdict "${relay_ratio[$r]%x} >= 0.5")
  ok_rss[$r]=$(verdict "${rss[$r]} < 10")
  ok_relay_rss[$r]=$(verdict "${relay_rss[$r]} < 10")
done
verdicts() { # TABLE: "dynamic/static" verdicts of TABLE
  declare -n cells=$1
  local out=() r
  for r in "${rastars[@]}"; do
    out+=("${cells[$r]}")
  done
  local IFS=/
  echo "${out[*]}"
}
elapsed=$(calc "($(now_us) - $started) / 1e6")

echo
echo "PID 1 under unshare --pid --fork --mount-proc; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); ${elapsed} s"
echo "tini $(tini --version 2>&1 | awk '{ print $3 }'), dumb-init $(dumb-init --version 2>&1 | awk '{ print $2 }'), rastar-init $("$build/rastar-init" --version 2>/dev/null | awk '{ print $NF }')"
echo "rastar: rastar-init, dynamically linked; static: rastar-init-static, the image's binary; result: rastar/static"
echo
row "measure" "tini -g" "dumb-init" "rastar" "static" "rastar/tini" "static/tini" "target" "result"
row "--------------------------------------" "------------" "------------" "-------------" "-------------" \
  "----------" "-----------" "-----------" "-------------"
row "SIGTERM -> child has it, med (p95) us" "${child[tini]}" "${child[dumb-init]}" "${child[rastar-init]}" \
  "${child[rastar-static]}" "${ratio_child[rastar-init]}" "${ratio_child[rastar-static]}" "<= 2x tini" \
  "$(verdicts ok_child)"
row "SIGTERM -> PID 1 exited, med (p95) us" "${exit_time[tini]}" "${exit_time[dumb-init]}" \
  "${exit_time[rastar-init]}" "${exit_time[rastar-static]}" "${ratio_exit[rastar-init]}" \
  "${ratio_exit[rastar-static]}" "<= 2x tini" "$(verdicts ok_exit)"
row "reap $orphans orphans, median ms" "${reap[tini]}" "${reap[dumb-init]}" "${reap[rastar-init]}" \
  "${reap[rastar-static]}" "${ratio_reap[rastar-init]}" "${ratio_reap[rastar-static]}" "-" "-"
row "zombies left afterwards, worst" "${zombies[tini]}" "${zombies[dumb-init]}" "${zombies[rastar-init]}" \
  "${zombies[rastar-static]}" "-" "-" "0" "$(verdicts ok_zombies)"
row "restart after crash, med (p95) ms" "no restarts" "no restarts" "${restart[rastar-init]}" \
  "${restart[rastar-static]:-n/a}" "-" "-" "<= 50 ms" "$(verdicts ok_restart)"
row "relay MB/s (cat: $(calc "$cat_mbs"))" "pass-through" "pass-through" "${relay[rastar-init]}" \
  "${relay[rastar-static]:-n/a}" "${relay_ratio[rastar-init]} cat" "${relay_ratio[rastar-static]:-n/a} cat" \
  ">= 0.5x cat" "$(verdicts ok_relay)"
row "peak RSS (VmHWM) of PID 1, MB" "${rss[tini]}" "${rss[dumb-init]}" "${rss[rastar-init]}" \
  "${rss[rastar-static]}" "-" "-" "< 10 MB" "$(verdicts ok_rss)"
row "  of it anonymous (RssAnon), MB" "${anon[tini]}" "${anon[dumb-init]}" "${anon[rastar-init]}" \
  "${anon[rastar-static]}" "-" "-" "-" "-"
row "peak RSS while relaying, MB" "-" "-" "${relay_rss[rastar-init]}" "${relay_rss[rastar-static]:-n/a}" "-" "-" \
  "< 10 MB" "$(verdicts ok_relay_rss)"
echo
echo "RSS: tini and dumb-init with one child, rastar-init with three services (each relayed 2 MB, then sleeps)"
echo "latency sections: ${rt[*]:-plain scheduling}; signal: $rounds rounds each; orphans: $orphan_rounds rounds;" \
  "restart: $restarts restarts per build; relay: $relay_rounds x $relay_mb MB of $line_bytes-byte lines"

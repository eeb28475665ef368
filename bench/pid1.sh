#!/usr/bin/env bash
# bench/pid1.sh [BUILD_DIR]: rastar-init as PID 1, side by side with tini and
# dumb-init, each under `unshare --pid --fork --mount-proc`. Measures signal
# latency, reaping of 10,000 orphans, restart latency, log relay throughput and
# peak RSS, and prints one table against the targets (bench/PID1.md explains
# each figure). Needs root. BUILD_DIR defaults to build/ (RelWithDebInfo).
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
if ! grep -q '^CMAKE_BUILD_TYPE:STRING=RelWithDebInfo$' "$build/CMakeCache.txt"; then
  echo "pid1.sh: warning: $build is not a RelWithDebInfo build; the figures will not be representative" >&2
fi

rastar=$build/rastar-init
helpers=$build/tests
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

inits=(tini dumb-init rastar-init)

init_command() { # INIT: sets `cmd` to INIT's drop-in form; all three signal the child's process group
  case $1 in
  tini) cmd=(tini -g --) ;;
  dumb-init) cmd=(dumb-init) ;;
  rastar-init) cmd=("$rastar" run --) ;;
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
# interleaved so that a busy moment of the machine hits all three alike.
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
log "restart: $restarts crashes with backoff 0"
cat >"$work/restart.yaml" <<EOF
status: {listen: "0"}
control: {socket: ""}
services:
  crasher:
    command: ["$helpers/bench_crash_stamp", "$work/stamps", "$restarts"]
    restart: on-failure
    backoff: {initial: 0ms}
    crash_loop: {limit: $((restarts + 10)), window: 10m}
EOF
if ! "${rt[@]}" unshare --pid --fork --mount-proc "$rastar" run --config "$work/restart.yaml" </dev/null >/dev/null 2>"$work/restart.log"; then
  log "the restart run failed:"
  tail -5 "$work/restart.log" >&2
fi
touch "$work/stamps"
awk '$1 == "crash" { crashed = $2 } $1 == "start" && crashed { print ($2 - crashed) / 1e6; crashed = 0 }' \
  "$work/stamps" >"$work/restart"

# --- 4. Log relay: one service printing ${relay_mb} MB of ${line_bytes}-byte
# lines, relayed with its `[flood] ` prefix, against `cat` of the same bytes.
log "relay: $relay_rounds rounds of $relay_mb MB"
relay_bytes=$((relay_mb * 1024 * 1024))
cat >"$work/relay.yaml" <<EOF
status: {listen: "0"}
control: {socket: ""}
services:
  flood:
    command: ["$helpers/bench_line_flood", "$relay_bytes", "$line_bytes"]
    restart: never
EOF
# Every byte must come out, with one prefix per line.
check_bytes=$((1024 * 1024))
sed "s/\"$relay_bytes\"/\"$check_bytes\"/" "$work/relay.yaml" >"$work/relay-check.yaml"
relayed=$(pid1 "$rastar" run --config "$work/relay-check.yaml" </dev/null 2>/dev/null | wc -c || true)
expected=$(("$helpers/bench_line_flood" "$check_bytes" "$line_bytes" | sed 's/^/[flood] /') | wc -c)
if [[ $relayed != "$expected" ]]; then
  log "the relay wrote $relayed bytes for a 1 MB check where $expected were expected"
fi
for ((i = 0; i < relay_rounds; ++i)); do
  t0=$(now_us)
  "$helpers/bench_line_flood" "$relay_bytes" "$line_bytes" | cat >/dev/null
  t1=$(now_us)
  /usr/bin/time -f %M -a -o "$work/relay-rss" \
    unshare --pid --fork --mount-proc "$rastar" run --config "$work/relay.yaml" </dev/null >/dev/null 2>>"$work/relay.log"
  t2=$(now_us)
  echo "$relay_mb $((t1 - t0))" | awk '{ print $1 / ($2 / 1e6) }' >>"$work/cat-mbs"
  echo "$relay_mb $((t2 - t1))" | awk '{ print $1 / ($2 / 1e6) }' >>"$work/relay-mbs"
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
  if [[ $init == rastar-init ]]; then
    unshare --pid --fork --mount-proc "$rastar" run --config "$work/three.yaml" </dev/null >/dev/null 2>&1 &
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

# --- The table.
median() { quantile 0.5 "$1"; }
p95() { quantile 0.95 "$1"; }
verdict() { # CONDITION (awk): "ok" or "MISSED"
  awk "BEGIN { print ($1) ? \"ok\" : \"MISSED\" }"
}
row() { printf '| %-38s | %-13s | %-13s | %-13s | %-9s | %-16s | %-6s |\n' "$@"; }

declare -A child_med child_p95 exit_med exit_p95 reap_med zombies rss anon
for init in "${inits[@]}"; do
  child_med[$init]=$(median "$work/child-$init")
  child_p95[$init]=$(p95 "$work/child-$init")
  exit_med[$init]=$(median "$work/exit-$init")
  exit_p95[$init]=$(p95 "$work/exit-$init")
  reap_med[$init]=$(median "$work/reap-$init")
  zombies[$init]=$(cat "$work/zombies-$init")
  read -r "rss[$init]" "anon[$init]" <"$work/rss-$init"
done
child_ratio=$(calc "${child_med[rastar-init]} / ${child_med[tini]}")
exit_ratio=$(calc "${exit_med[rastar-init]} / ${exit_med[tini]}")
reap_ratio=$(calc "${reap_med[rastar-init]} / ${reap_med[tini]}")
restart_med=$(median "$work/restart")
restart_p95=$(p95 "$work/restart")
restart_count=$(wc -l <"$work/restart")
cat_mbs=$(median "$work/cat-mbs")
relay_mbs=$(median "$work/relay-mbs")
relay_ratio=$(calc "$relay_mbs / $cat_mbs")
relay_rss=$(calc "$(sort -g "$work/relay-rss" | tail -1) / 1024")
elapsed=$(calc "($(now_us) - $started) / 1e6")

echo
echo "PID 1 under unshare --pid --fork --mount-proc; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); ${elapsed} s"
echo "tini $(tini --version 2>&1 | awk '{ print $3 }'), dumb-init $(dumb-init --version 2>&1 | awk '{ print $2 }'), rastar-init $("$rastar" --version 2>/dev/null | awk '{ print $NF }')"
echo
row "measure" "tini -g" "dumb-init" "rastar-init" "rastar/tini" "target" "result"
row "--------------------------------------" "-------------" "-------------" "-------------" "---------" "----------------" "------"
row "SIGTERM -> child has it, med (p95) us" \
  "$(calc "${child_med[tini]}") ($(calc "${child_p95[tini]}"))" \
  "$(calc "${child_med[dumb-init]}") ($(calc "${child_p95[dumb-init]}"))" \
  "$(calc "${child_med[rastar-init]}") ($(calc "${child_p95[rastar-init]}"))" \
  "$child_ratio" "<= 2x tini" "$(verdict "$child_ratio <= 2")"
row "SIGTERM -> PID 1 exited, med (p95) us" \
  "$(calc "${exit_med[tini]}") ($(calc "${exit_p95[tini]}"))" \
  "$(calc "${exit_med[dumb-init]}") ($(calc "${exit_p95[dumb-init]}"))" \
  "$(calc "${exit_med[rastar-init]}") ($(calc "${exit_p95[rastar-init]}"))" \
  "$exit_ratio" "<= 2x tini" "$(verdict "$exit_ratio <= 2")"
row "reap $orphans orphans, median ms" \
  "$(calc "${reap_med[tini]}")" "$(calc "${reap_med[dumb-init]}")" "$(calc "${reap_med[rastar-init]}")" \
  "$reap_ratio" "-" "-"
row "zombies left afterwards, worst" \
  "${zombies[tini]}" "${zombies[dumb-init]}" "${zombies[rastar-init]}" "-" "0" \
  "$(verdict "${zombies[rastar-init]} == 0")"
row "restart after crash, med (p95) ms" "no restarts" "no restarts" \
  "$(calc "$restart_med") ($(calc "$restart_p95"))" "-" "<= 50 ms" \
  "$(verdict "$restart_count >= $restarts && $restart_p95 <= 50")"
row "relay MB/s (cat: $(calc "$cat_mbs"))" "pass-through" "pass-through" "$(calc "$relay_mbs")" \
  "${relay_ratio}x cat" ">= 0.5x cat" "$(verdict "$relay_ratio >= 0.5")"
row "peak RSS (VmHWM) of PID 1, MB" "${rss[tini]}" "${rss[dumb-init]}" "${rss[rastar-init]}" \
  "-" "< 10 MB" "$(verdict "${rss[rastar-init]} < 10")"
row "  of it anonymous (RssAnon), MB" "${anon[tini]}" "${anon[dumb-init]}" "${anon[rastar-init]}" "-" "-" "-"
row "peak RSS while relaying, MB" "-" "-" "$relay_rss" "-" "< 10 MB" "$(verdict "$relay_rss < 10")"
echo
echo "RSS: tini and dumb-init with one child, rastar-init with three services (each relayed 2 MB, then sleeps)"
echo "latency sections: ${rt[*]:-plain scheduling}; signal: $rounds rounds each; orphans: $orphan_rounds rounds; restart: $restart_count of $restarts restarts; relay: $relay_rounds x $relay_mb MB of $line_bytes-byte lines"

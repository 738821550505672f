#!/usr/bin/env bash
# Whole-process profile of `flowpic replay`: phase timestamps (-Dflowpic.phases), CPU seconds per thread
# (polled from /proc every 50 ms, last value before exit), and a JFR recording (bench/profile/replay.jfc:
# Java samples every 2 ms) summarised per thread by bench/profile/analyze.py.
#
#   bench/profile-replay.sh CAPTURE [OUT_DIR] [--no-jfr]
set -euo pipefail
cd "$(dirname "$0")/.."
capture="$1"; out="${2:-$(mktemp -d)}"; jfr="${3:-}"
mkdir -p "$out"; rm -rf "$out/journal"
./flowpic --version >/dev/null 2>&1 || true   # rebuild first if sources changed, outside the timing
opts="-Dflowpic.phases=true ${FLOWPIC_JAVA_OPTS:-}"
[ "$jfr" = "--no-jfr" ] || opts="$opts -XX:StartFlightRecording=filename=$out/replay.jfr,settings=$PWD/bench/profile/replay.jfc"
date +%s.%N > "$out/start"
FLOWPIC_JAVA_OPTS="$opts" ./flowpic replay --journal "$out/journal" "$capture" > "$out/summary.txt" 2> "$out/phases.log" &
pid=$!
declare -A cpu
tick=$(getconf CLK_TCK)
while kill -0 "$pid" 2>/dev/null; do
    for stat in /proc/"$pid"/task/*/stat; do
        line=$(cat "$stat" 2>/dev/null) || continue
        tid=${stat%/stat}; tid=${tid##*/}
        name=${line#*(}; name=${name%)*}; rest=${line##*) }
        read -r -a f <<<"$rest"
        cpu[$tid]="$name $(( f[11] + f[12] ))"
    done
    sleep 0.05
done
wait "$pid" || true
date +%s.%N > "$out/end"
: > "$out/threads.txt"
for tid in "${!cpu[@]}"; do
    set -- ${cpu[$tid]}; ticks=${!#}; name=${cpu[$tid]% *}
    printf '%s %s\n' "$name" "$(echo "scale=2; $ticks / $tick" | bc)" >> "$out/threads.txt"
done
sort -k2 -t' ' -rn -o "$out/threads.txt" "$out/threads.txt"
if [ "$jfr" = "--no-jfr" ]; then
    # analyze.py needs a recording; print the rest only
    python3 - "$out" <<'PY'
import sys
d = sys.argv[1]
start = float(open(f"{d}/start").read()); end = float(open(f"{d}/end").read())
print(f"whole process {end - start:.2f} s wall"); prev = 0
for line in open(f"{d}/phases.log"):
    if line.startswith("phase "):
        _, n, t, th = line.split(maxsplit=3); t = float(t) - start
        print(f"  {n:18s} {t:7.3f}  (+{t - prev:6.3f})  [{th.strip()}]"); prev = t
print(f"  {'exit':18s} {end - start:7.3f}")
print(open(f"{d}/threads.txt").read())
PY
else
    python3 bench/profile/analyze.py "$out"
fi
echo "load: $(uptime)"

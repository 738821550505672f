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
# One poller process (a shell loop forking per thread would itself cost a core here).
python3 - "$pid" "$out/threads.txt" "$out/end" <<'PY'
import os, sys, time
pid, out, end_file = sys.argv[1], sys.argv[2], sys.argv[3]
tick = os.sysconf("SC_CLK_TCK"); cpu = {}
while os.path.exists(f"/proc/{pid}/stat"):
    try:
        if open(f"/proc/{pid}/stat").read().split(") ")[1].startswith("Z"):
            break
        tids = os.listdir(f"/proc/{pid}/task")
    except (FileNotFoundError, IndexError, ProcessLookupError):
        break
    for tid in tids:
        try:
            line = open(f"/proc/{pid}/task/{tid}/stat").read()
        except (FileNotFoundError, ProcessLookupError):
            continue
        name = line[line.index("(") + 1:line.rindex(")")]
        f = line[line.rindex(")") + 2:].split()
        cpu[tid] = (name, (int(f[11]) + int(f[12])) / tick)
    time.sleep(0.02)
with open(out, "w") as o:
    for name, secs in sorted(cpu.values(), key=lambda v: -v[1]):
        o.write(f"{name} {secs:.2f}\n")
PY
wait "$pid" || true
date +%s.%N > "$out/end"
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

#!/usr/bin/env bash
# Live capture: the highest packet rate with zero drops, for `flowpic run` and for
# `tcpdump -w /dev/null`, on a veth pair whose far end sits in a network namespace this script
# creates (addresses 198.18.0.0/24 only). tcpreplay sends a generated capture from the namespace.
#
#   bench/live-capture.sh [SECONDS_PER_RATE] [RATE_PPS ...]
#
# FLOW_AGENTS=N sets pipeline.flow-agents (default 1); TOOLS="flowpic" leaves tcpdump out; SNAP=BYTES makes the
# capture with `gen-capture --snap-length` (default 128: headers only, so the sender, which shares the cores,
# spends less on payload copies).
#
# Needs root, iproute2, tcpreplay, tcpdump, and ../shared/data/pcap/ndpi (as source traffic).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"; shift || true
rates=("$@"); [ "${#rates[@]}" -gt 0 ] || rates=(25000 50000 100000 150000 200000 300000)

source bench/lib/veth.sh
veth_up fpb

./flowpic bench gen-capture --packets 200000 --flows 5000 --snap-length "${SNAP:-128}" --out "$work/traffic.pcap" \
    ../shared/data/pcap/ndpi/*.pcap* >/dev/null 2>&1
printf 'capture:\n  interface: %s\njournal:\n  path: %s/journal\nmetrics:\n  enabled: false\npipeline:\n  flow-agents: %d\n' \
    "$host" "$work" "${FLOW_AGENTS:-1}" > "$work/flowpic.yaml"
tools="${TOOLS:-flowpic tcpdump}"

send() { # rate -> packets sent
    local rate=$1 loops
    loops=$(( (rate * seconds + 199999) / 200000 ))
    ip netns exec "$ns" tcpreplay -q --pps="$rate" --loop="$loops" --duration="$seconds" -i "$peer" "$work/traffic.pcap" 2>&1 |
        sed -n 's/.*Actual: \([0-9]*\) packets.*/\1/p' | head -1
}

echo "tool,target_pps,sent,captured,dropped,threads (flowpic only: agents and CPU seconds per thread)"
for rate in "${rates[@]}"; do
    # flowpic
    if [[ " $tools " == *" flowpic "* ]]; then
    rm -rf "$work/journal"
    ./flowpic run --config "$work/flowpic.yaml" --duration $((seconds + 8)) > "$work/run.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 120); do grep -q "capturing on" "$work/run.log" && break; sleep 0.5; done
    sent=$(send "$rate")
    # CPU seconds per sensor thread over its life (flow agents, capture, inference)
    threads=$(python3 - "$pid" <<'PY'
import os, sys
pid = sys.argv[1]; tick = os.sysconf("SC_CLK_TCK"); per = {}
for tid in os.listdir(f"/proc/{pid}/task"):
    line = open(f"/proc/{pid}/task/{tid}/stat").read()
    name = line[line.index("(") + 1:line.rindex(")")]; f = line[line.rindex(")") + 2:].split()
    per[name] = per.get(name, 0) + (int(f[11]) + int(f[12])) / tick
print(" ".join(f"{n.replace(' ', '_')}={s:.1f}" for n, s in sorted(per.items(), key=lambda kv: -kv[1]) if s >= 0.5))
PY
)
    wait "$pid" || true
    line=$(grep "stopped; packets captured" "$work/run.log")
    captured=$(sed -n 's/.*packets captured \([0-9]*\).*/\1/p' <<<"$line")
    dropped=$(( $(sed -n 's/.*ring drops \([0-9]*\).*/\1/p' <<<"$line") + $(sed -n 's/.*kernel drops \([0-9]*\).*/\1/p' <<<"$line") ))
    echo "flowpic,$rate,$sent,$captured,$dropped,${FLOW_AGENTS:-1} agents: $threads"
    fi
    [[ " $tools " == *" tcpdump "* ]] || continue
    # tcpdump
    tcpdump -i "$host" -w /dev/null -B 65536 -s 256 > "$work/tcpdump.log" 2>&1 &
    pid=$!
    sleep 2
    sent=$(send "$rate")
    sleep 1; kill -INT "$pid"; wait "$pid" || true
    captured=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$work/tcpdump.log")
    dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$work/tcpdump.log")
    echo "tcpdump,$rate,$sent,$captured,$dropped"
done

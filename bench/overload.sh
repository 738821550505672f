#!/usr/bin/env bash
# Overload: tcpreplay at top speed into a veth pair (far end in a namespace this script creates,
# 198.18.0.0/24 only) for SECONDS while `flowpic run` captures with a small flow table and a small
# inference queue. Samples the sensor's RSS every second and prints its closing counters, which
# must add up: captured = decoded + malformed + skipped + ring drops.
#
#   bench/overload.sh [SECONDS] [MAX_FLOWS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"; max_flows="${2:-20000}"
source bench/lib/veth.sh
veth_up fpov

# Many concurrent flows: more than the table holds, so rejection is exercised too.
./flowpic bench gen-capture --packets 1000000 --flows $((max_flows * 3)) --out "$work/flood.pcap" \
    ../shared/data/pcap/ndpi/*.pcap* >/dev/null 2>&1
printf 'capture:\n  interface: %s\nflow-table:\n  max-flows: %d\ninference:\n  queue-size: 64\njournal:\n  path: %s/journal\nmetrics:\n  enabled: false\n' \
    "$host" "$max_flows" "$work" > "$work/flowpic.yaml"

FLOWPIC_JAVA_OPTS="-Xmx1g" ./flowpic run --config "$work/flowpic.yaml" --duration $((seconds + 10)) > "$work/run.log" 2>&1 &
launcher=$!
for _ in $(seq 1 120); do grep -q "capturing on" "$work/run.log" && break; sleep 0.5; done
pid=$(pgrep -f "io.flowpic.sensor.cli.Main run --config $work/flowpic.yaml" | head -1)
peak=0
( ip netns exec "$ns" tcpreplay -q --topspeed --loop=1000 --duration="$seconds" -i "$peer" "$work/flood.pcap" \
    > "$work/tcpreplay.log" 2>&1 ) &
sender=$!
while kill -0 "$sender" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ "$rss" -gt "$peak" ] && peak=$rss
    sleep 1
done
wait "$launcher" || true
echo "sent: $(grep -o 'Actual: [0-9]* packets ([0-9]* bytes) sent in [0-9.]* seconds' "$work/tcpreplay.log" | head -1)"
echo "rate: $(grep -o 'Rated: [0-9.]* Bps, [0-9.]* Mbps, [0-9.]* pps' "$work/tcpreplay.log" | head -1)"
echo "peak RSS: $((peak / 1024)) MiB (max heap 1 GiB)"
grep "stopped;" "$work/run.log"

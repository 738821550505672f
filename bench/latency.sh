#!/usr/bin/env bash
# Block end -> journal append latency under a steady load: `flowpic run` on the host end of a veth pair whose
# far end sits in a network namespace this script creates (198.18.0.0/24 only); tcpreplay sends a generated
# capture from the namespace at RATE packets/s for SECONDS. /metrics is scraped just before the sender stops
# (so the shutdown flush, whose blocks have not reached their end, is not in the figures), and p50/p90/p99
# of flowpic_block_latency_seconds are interpolated linearly inside the Prometheus buckets
# (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000 ms), as histogram_quantile does.
#
#   bench/latency.sh [SECONDS] [RATE_PPS] [FLOWS] [PACKETS_IN_CAPTURE] [MAX_WAIT_MS]
#
# MAX_WAIT_MS sets inference.max-wait-ms (default: the config default).
#
# The histogram measures from a block's window end (first packet of the block + T, on the capture clock,
# which live is the kernel's wall-clock timestamp) to the moment its record is appended to the journal.
# Needs root, iproute2, tcpreplay, curl, and ../shared/data/pcap/ndpi (as source traffic).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-75}"; rate="${2:-135000}"; flows="${3:-20000}"; packets="${4:-1000000}"; max_wait="${5:-}"
port=19464
bench_cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; }
source bench/lib/veth.sh
veth_up fplat

./flowpic bench gen-capture --packets "$packets" --flows "$flows" --out "$work/traffic.pcap" \
    ../shared/data/pcap/ndpi/*.pcap* 2>/dev/null | tail -1
printf 'capture:\n  interface: %s\njournal:\n  path: %s/journal\nmetrics:\n  enabled: true\n  port: %d\n' \
    "$host" "$work" "$port" > "$work/flowpic.yaml"
[ -z "$max_wait" ] || printf 'inference:\n  max-wait-ms: %d\n' "$max_wait" >> "$work/flowpic.yaml"

./flowpic run --config "$work/flowpic.yaml" --duration $((seconds + 15)) > "$work/run.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do grep -q "capturing on" "$work/run.log" && break; sleep 0.5; done
loops=$(( (rate * seconds + packets - 1) / packets ))
echo "load before: $(uptime)"
ip netns exec "$ns" tcpreplay -q --pps="$rate" --loop="$loops" --duration="$seconds" -i "$peer" \
    "$work/traffic.pcap" > "$work/tcpreplay.log" 2>&1 &
sender=$!
# A second histogram from WARMUP_SECONDS on (default 20): the difference of two scrapes leaves out the first
# seconds, when C2 is still compiling the classifier and the first blocks wait behind it.
warmup="${WARMUP_SECONDS:-20}"
[ "$seconds" -gt $((warmup + 2)) ] || warmup=$(( seconds > 4 ? seconds / 2 : 1 ))
sleep "$warmup"
curl -s "http://127.0.0.1:$port/metrics" > "$work/metrics-warm.txt"
sleep $(( seconds - 2 - warmup > 0 ? seconds - 2 - warmup : 0 ))
curl -s "http://127.0.0.1:$port/metrics" > "$work/metrics.txt"
# CPU seconds of the sensor so far, whole process and per thread (flow agent, inference, capture)
python3 - "$pid" <<'PY'
import os, sys
pid = sys.argv[1]; tick = os.sysconf("SC_CLK_TCK"); per = {}; total = 0.0
for tid in os.listdir(f"/proc/{pid}/task"):
    line = open(f"/proc/{pid}/task/{tid}/stat").read()
    name = line[line.index("(") + 1:line.rindex(")")]; f = line[line.rindex(")") + 2:].split()
    secs = (int(f[11]) + int(f[12])) / tick; total += secs; per[name] = per.get(name, 0) + secs
up = float(open("/proc/uptime").read().split()[0]); start = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[19]) / tick
print(f"sensor CPU {total:.1f} s in {up - start:.0f} s of life ({100 * total / (up - start):.0f}% of one core); threads: " +
      ", ".join(f"{n} {s:.1f}" for n, s in sorted(per.items(), key=lambda kv: -kv[1]) if s >= 0.5))
PY
echo "load at scrape: $(uptime)"
wait "$sender" || true
sed -n 's/.*Actual: \([0-9]*\) packets.*in \([0-9.]*\) seconds.*/sent \1 packets in \2 s/p' "$work/tcpreplay.log" | head -1
wait "$pid" || true; pid=""
grep "stopped; packets captured" "$work/run.log" || tail -5 "$work/run.log"
grep -E '^flowpic_(packets_captured|ring_dropped|kernel_dropped|blocks_classified|blocks_dropped|journal_records|flows_active|inference_batches)' \
    "$work/metrics.txt" | grep -v '^#'
echo "at the warm-up scrape: $(grep -E "^flowpic_(blocks_dropped_total|blocks_classified_total)" "$work/metrics-warm.txt" | tr "\n" " ")"
python3 - "$work/metrics.txt" "$work/metrics-warm.txt" "$warmup" <<'PY'
import re, sys
texts = [open(sys.argv[1]).read(), open(sys.argv[2]).read()]
def histogram(text, metric):
    buckets = [(float("inf") if m.group(1) == "+Inf" else float(m.group(1)), int(m.group(2)))
               for m in re.finditer(metric + r'_bucket\{le="([^"]+)"\} (\d+)', text)]
    m = re.search(metric + r'_sum (\S+)', text)
    return buckets, float(m.group(1)) if m else 0.0
def report(metric, title, since_warmup=False):
    buckets, total_sum = histogram(texts[0], metric)
    if since_warmup and buckets:
        early, early_sum = histogram(texts[1], metric)
        buckets = [(b, c - e) for (b, c), (_, e) in zip(buckets, early)]
        total_sum -= early_sum
    if not buckets:
        print(f"{title}: not in /metrics"); return
    total = buckets[-1][1]
    print(f"{title}: {total} blocks, mean {1000 * total_sum / max(total, 1):.1f} ms")
    print("  buckets (le ms: cumulative):", ", ".join(f"{b * 1000:g}: {c}" for b, c in buckets))
    def quantile(q):
        rank = q * total; lower, below = 0.0, 0
        for bound, cum in buckets:
            if cum >= rank:
                if bound == float("inf"):
                    return lower, lower, bound
                return lower + (bound - lower) * (rank - below) / max(cum - below, 1), lower, bound
            lower, below = bound, cum
    for q in (0.5, 0.9, 0.99):
        v, lo, hi = quantile(q)
        print(f"  p{int(q * 100)} = {v * 1000:.1f} ms (in bucket {lo * 1000:g}..{hi * 1000:g} ms)")
report("flowpic_block_latency_seconds", "block window end -> journal append")
report("flowpic_block_finish_latency_seconds", "flow agent finishes block -> journal append")
report("flowpic_block_latency_seconds", f"after the first {sys.argv[3]} s: block window end -> journal append", True)
report("flowpic_block_finish_latency_seconds", f"after the first {sys.argv[3]} s: finishes block -> journal append", True)
PY

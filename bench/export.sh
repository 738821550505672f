#!/usr/bin/env bash
# Export throughput and lag. Two parts, both on loopback and inside a veth pair this script creates
# (198.18.0.0/24 only):
#  1. Offline rate: a journal made by replaying a generated capture (PACKETS packets from the shared nDPI
#     captures), then `flowpic export --once --from-start` to each destination alone, as the command reports it
#     (records accepted / seconds from start to all accepted). Destinations: ECS JSON to a file, IPFIX/UDP to a
#     real nfcapd, IPFIX/TCP to a reader that discards, and Kafka to a one-node KRaft broker started from the
#     test class path's kafka_2.13 (skipped when Maven cannot give that class path).
#  2. Lag live: `flowpic run` with a JSON and an IPFIX/UDP exporter, while tcpreplay sends the generated capture
#     from the namespace at RATE packets/s for SECONDS; flowpic_export_lag_records is scraped every 0.5 s.
#
#   bench/export.sh [PACKETS] [RATE_PPS] [SECONDS]
#
# Needs root, iproute2, tcpreplay, curl, nfdump (nfcapd), python3 and ../shared/data/pcap/ndpi.
set -euo pipefail
cd "$(dirname "$0")/.."
packets="${1:-4000000}"; rate="${2:-100000}"; seconds="${3:-30}"
port=19465
bench_cleanup() {
    for p in ${pids:-}; do kill "$p" 2>/dev/null || true; done
    [ -n "${kafka_pid:-}" ] && kill "$kafka_pid" 2>/dev/null || true
}
source bench/lib/veth.sh
veth_up fpexp

./flowpic bench gen-capture --packets "$packets" --flows 20000 --out "$work/traffic.pcap" \
    ../shared/data/pcap/ndpi/*.pcap* 2>/dev/null | tail -1
./flowpic replay --journal "$work/journal" --summary json "$work/traffic.pcap" 2>/dev/null > "$work/replay.json"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("journal: %d records from %d packets" % (s["blocks_classified"], s["packets"]))' "$work/replay.json"

rate_of() { grep -o 'exported in .*' "$1" | tail -1; }

echo "== offline export rate (one destination at a time) =="
./flowpic export --journal "$work/journal" --to "json:$work/labels.ndjson" --once --from-start 2> "$work/json.log"
echo "json file:   $(rate_of "$work/json.log")"

mkdir -p "$work/nfcapd"
nfcapd -b 127.0.0.1 -p 4739 -w "$work/nfcapd" -t 3600 > "$work/nfcapd.log" 2>&1 & pids="$!"
sleep 1
./flowpic export --journal "$work/journal" --to ipfix:udp://127.0.0.1:4739 --once --from-start 2> "$work/udp.log"
echo "ipfix/udp:   $(rate_of "$work/udp.log")"
kill -TERM "$pids"; sleep 2
received=$(nfdump -R "$work/nfcapd" -q -o 'fmt:%pr' 2>/dev/null | grep -c . || true)
echo "             nfcapd stored $received flows"

python3 -c '
import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 4740)); s.listen(1)
c,_=s.accept(); n=0
while True:
    b=c.recv(1<<20)
    if not b: break
    n+=len(b)
print(n, file=open(sys.argv[1],"w"))' "$work/tcp.bytes" & pids="$!"
sleep 0.5
./flowpic export --journal "$work/journal" --to ipfix:tcp://127.0.0.1:4740 --once --from-start 2> "$work/tcp.log"
echo "ipfix/tcp:   $(rate_of "$work/tcp.log")"
kill "$pids" 2>/dev/null || true

# Kafka: one KRaft node from the test class path (what KafkaBrokerExportTest runs).
if cp=$(mvn -B -q -o -pl sensor dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout 2>/dev/null) \
    && [ -n "$cp" ]; then
    cat > "$work/kafka.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:19093
listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093
advertised.listeners=PLAINTEXT://127.0.0.1:19092
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$work/kafka-data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
auto.create.topics.enable=true
PROPS
    java -cp "$cp" kafka.tools.StorageTool format -t "$(python3 -c 'import uuid,base64;print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')" \
        -c "$work/kafka.properties" > "$work/kafka.log" 2>&1
    java -Xmx1g -cp "$cp" kafka.Kafka "$work/kafka.properties" >> "$work/kafka.log" 2>&1 & kafka_pid=$!
    for _ in $(seq 1 60); do (exec 3<>/dev/tcp/127.0.0.1/19092) 2>/dev/null && break; sleep 0.5; done
    ./flowpic export --journal "$work/journal" --to kafka://127.0.0.1:19092/flowpic --once --from-start \
        --timeout 30 2> "$work/kafka-export.log" || true
    echo "kafka:       $(rate_of "$work/kafka-export.log")"
    kill "$kafka_pid"; wait "$kafka_pid" 2>/dev/null || true; kafka_pid=""
else
    echo "kafka:       skipped (no test class path from Maven)"
fi

echo "== lag while the sensor labels live traffic (${rate} packets/s for ${seconds} s) =="
nfcapd -b 127.0.0.1 -p 4739 -w "$work/nfcapd" -t 3600 > "$work/nfcapd2.log" 2>&1 & pids="$!"
printf 'capture:\n  interface: %s\njournal:\n  path: %s/live\nmetrics:\n  port: %d\nexport:\n  - to: json:%s/live.ndjson\n    name: json\n  - to: ipfix:udp://127.0.0.1:4739\n    name: ipfix\n' \
    "$host" "$work" "$port" "$work" > "$work/flowpic.yaml"
./flowpic run --config "$work/flowpic.yaml" --duration $((seconds + 20)) > "$work/run.log" 2>&1 & sensor=$!
pids="$pids $sensor"
for _ in $(seq 1 120); do grep -q "capturing on" "$work/run.log" && break; sleep 0.5; done
loops=$(( (rate * seconds + packets - 1) / packets ))
ip netns exec "$ns" tcpreplay -q --pps="$rate" --loop="$loops" --duration="$seconds" -i "$peer" \
    "$work/traffic.pcap" > "$work/tcpreplay.log" 2>&1 & sender=$!
: > "$work/lag.txt"
while kill -0 "$sender" 2>/dev/null || [ "$(grep -c . "$work/lag.txt")" -lt $((2 * seconds + 20)) ]; do
    curl -s "http://127.0.0.1:$port/metrics" | grep -E '^flowpic_(export_lag_records|journal_records_total)' \
        | tr '\n' ' ' >> "$work/lag.txt" || true
    echo >> "$work/lag.txt"
    sleep 0.5
    kill -0 "$sensor" 2>/dev/null || break
done
wait "$sensor" || true
grep "stopped; packets captured" "$work/run.log" || tail -5 "$work/run.log"
python3 - "$work/lag.txt" <<'PY'
import re, sys
peak = {}; last = {}; journal = 0
for line in open(sys.argv[1]):
    for name, value in re.findall(r'flowpic_export_lag_records\{exporter="([^"]+)"\} (\d+)', line):
        peak[name] = max(peak.get(name, 0), int(value)); last[name] = int(value)
    m = re.search(r'flowpic_journal_records_total (\d+)', line)
    if m: journal = int(m.group(1))
print(f"journal records while scraped: {journal}")
for name in sorted(peak):
    print(f"exporter {name}: peak lag {peak[name]} records (sampled every 0.5 s), last sample {last[name]}")
PY
echo "json lines written live: $(wc -l < "$work/live.ndjson")"

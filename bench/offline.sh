#!/usr/bin/env bash
# Offline throughput, whole process: `flowpic replay` vs `ndpiReader -q -i` vs `tcpdump -r -w /dev/null`
# (the reading floor) on the same generated capture; RUNS runs each, median wall time and median CPU time
# (user + sys, which other processes on a shared machine inflate far less than wall time), runs alternating
# between the tools. One unmeasured
# flowpic replay first: after a build it writes the launcher's class-data archive (see ./flowpic).
#
#   bench/offline.sh [PACKETS] [FLOWS] [RUNS]
#
# Needs ndpiReader (Debian libndpi-bin), tcpdump, and ../shared/data/pcap/ndpi as source traffic.
set -euo pipefail
[ -z "${CAPTURE:-}" ] || CAPTURE="$(realpath -m "$CAPTURE")"   # before the cd below
cd "$(dirname "$0")/.."
packets="${1:-2000000}"; flows="${2:-20000}"; runs="${3:-5}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
capture="${CAPTURE:-$work/bench.pcap}"   # CAPTURE=FILE reuses a capture made as below
if [ -f "$capture" ]; then
    packets=$(capinfos -c -M "$capture" | awk '/Number of packets/ {print $NF}')   # packets/s from the file itself
    echo "reusing $capture: $packets packets"
else
    ./flowpic bench gen-capture --packets "$packets" --flows "$flows" --out "$capture" \
        ../shared/data/pcap/ndpi/*.pcap* 2>/dev/null | tail -1
fi

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
time_of() { /usr/bin/time -f "%e %U %S" "$@" >/dev/null 2>"$work/time" || true; tail -1 "$work/time"; }
./flowpic replay --journal "$work/journal" "$capture" >/dev/null 2>&1 || true

declare -A med cpu
tools=(flowpic ndpiReader tcpdump)
echo "load before: $(uptime)"
for tool in "${tools[@]}"; do : > "$work/$tool.times"; : > "$work/$tool.cpu"; done
# Runs alternate between the tools, so a change in the machine's load hits each of them alike.
for run in $(seq 1 "$runs"); do
    for tool in "${tools[@]}"; do
        case $tool in
            flowpic) rm -rf "$work/journal"; t=$(time_of ./flowpic replay --journal "$work/journal" "$capture") ;;
            ndpiReader) t=$(time_of ndpiReader -q -i "$capture") ;;
            tcpdump) t=$(time_of tcpdump -r "$capture" -w /dev/null) ;;
        esac
        read -r wall user sys <<<"$t"
        echo "$wall" >> "$work/$tool.times"
        echo "$user + $sys" | bc >> "$work/$tool.cpu"
    done
    echo "  load after run $run: $(cut -d' ' -f1-3 /proc/loadavg)"
done
for tool in "${tools[@]}"; do
    med[$tool]=$(median < "$work/$tool.times")
    cpu[$tool]=$(median < "$work/$tool.cpu")
    printf '%-11s wall: %s median %s s  %.0f packets/s | cpu: %s median %s s\n' "$tool" \
        "$(tr '\n' ' ' < "$work/$tool.times")" "${med[$tool]}" "$(echo "$packets / ${med[$tool]}" | bc -l)" \
        "$(tr '\n' ' ' < "$work/$tool.cpu")" "${cpu[$tool]}"
done
printf 'flowpic / ndpiReader packets/s ratio: wall %.2f, cpu %.2f\n' "$(echo "${med[ndpiReader]} / ${med[flowpic]}" | bc -l)" \
    "$(echo "${cpu[ndpiReader]} / ${cpu[flowpic]}" | bc -l)"

# shellcheck shell=bash
# Sourced by the live benchmarks: a veth pair whose far end sits in a network namespace of its own
# (host end 198.18.0.1/24, far end 198.18.0.2/24: addresses the benchmark owns, nothing else is sent to)
# and a scratch directory, all removed on exit. A script that needs more done on exit defines
# bench_cleanup before calling veth_up.
#
#   veth_up TAG   sets ns, host, peer (interface names TAG + h/p + pid, at most 15 characters) and work.

veth_up() {
    local tag=$1
    ns=${tag}n$$; host=${tag}h$$; peer=${tag}p$$
    work="$(mktemp -d)"
    trap veth_down EXIT
    ip netns add "$ns"
    ip link add "$host" type veth peer name "$peer"
    ip link set "$peer" netns "$ns"
    ip addr add 198.18.0.1/24 dev "$host"; ip link set "$host" up
    ip netns exec "$ns" ip addr add 198.18.0.2/24 dev "$peer"
    ip netns exec "$ns" ip link set "$peer" up
    # No IPv6 autoconfiguration chatter in the measured traffic.
    sysctl -q -w "net.ipv6.conf.$host.disable_ipv6=1"
}

veth_down() {
    if declare -F bench_cleanup >/dev/null; then bench_cleanup || true; fi
    ip netns del "$ns" 2>/dev/null || true
    ip link del "$host" 2>/dev/null || true
    rm -rf "$work"
}

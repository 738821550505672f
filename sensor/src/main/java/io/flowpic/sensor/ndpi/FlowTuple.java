package io.flowpic.sensor.ndpi;

import io.flowpic.inference.dataset.FlowSession;

/**
 * A bidirectional 5-tuple in canonical order (the lower endpoint first), so a flow and its reverse direction
 * give the same key: ndpiReader lists one flow for both directions, FlowPic's sessions are unidirectional.
 * Addresses as the flow table holds them: IPv4 in {@code lo}, IPv6 as two big-endian halves.
 */
public record FlowTuple(int ipVersion, int protocol, long aHi, long aLo, int aPort, long bHi, long bLo, int bPort)
{
    public static FlowTuple of(final int ipVersion, final int protocol, final long srcHi, final long srcLo,
        final int srcPort, final long dstHi, final long dstLo, final int dstPort)
    {
        int order = Long.compareUnsigned(srcHi, dstHi);
        if (order == 0)
        {
            order = Long.compareUnsigned(srcLo, dstLo);
        }
        if (order == 0)
        {
            order = Integer.compare(srcPort, dstPort);
        }
        return order <= 0
            ? new FlowTuple(ipVersion, protocol, srcHi, srcLo, srcPort, dstHi, dstLo, dstPort)
            : new FlowTuple(ipVersion, protocol, dstHi, dstLo, dstPort, srcHi, srcLo, srcPort);
    }

    public static FlowTuple of(final FlowSession s)
    {
        return of(s.ipVersion(), s.protocol(), s.srcHi(), s.srcLo(), s.srcPort(), s.dstHi(), s.dstLo(), s.dstPort());
    }
}

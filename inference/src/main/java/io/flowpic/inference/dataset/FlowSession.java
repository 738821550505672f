package io.flowpic.inference.dataset;

import java.util.Arrays;

/**
 * One unidirectional session of the FlowPic CSV format. Addresses are held as the flow table wants
 * them: IPv4 in {@code lo} (unsigned 32 bits) with {@code hi} zero, IPv6 as two big-endian 64-bit halves.
 *
 * @param pcapName     the capture the session came from (the grouping key for splits).
 * @param ipVersion    4 or 6.
 * @param protocol     IP protocol number: 6 (TCP) or 17 (UDP).
 * @param startNanos   epoch time of the first packet, nanoseconds.
 * @param offsetNanos  per packet, time since the session's first packet, nanoseconds.
 * @param sizes        per packet, IP total length.
 */
public record FlowSession(
    String pcapName,
    int ipVersion,
    long srcHi,
    long srcLo,
    long dstHi,
    long dstLo,
    int srcPort,
    int dstPort,
    int protocol,
    long startNanos,
    long[] offsetNanos,
    int[] sizes)
{
    public static final int TCP = 6;
    public static final int UDP = 17;

    public FlowSession
    {
        if (offsetNanos.length != sizes.length)
        {
            throw new IllegalArgumentException("times and sizes differ in length: " + offsetNanos.length + " vs " + sizes.length);
        }
    }

    public int packetCount()
    {
        return sizes.length;
    }

    /** Absolute timestamp of packet {@code i}: start + offset. */
    public long timestampNanos(final int i)
    {
        return startNanos + offsetNanos[i];
    }

    /** The capture's source: the pcap name up to the first '/', or the whole name when it has none. */
    public String source()
    {
        return sourceOf(pcapName);
    }

    public static String sourceOf(final String pcapName)
    {
        final int slash = pcapName.indexOf('/');
        return slash < 0 ? pcapName : pcapName.substring(0, slash);
    }

    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }
        if (!(o instanceof FlowSession s))
        {
            return false;
        }
        return ipVersion == s.ipVersion && srcHi == s.srcHi && srcLo == s.srcLo && dstHi == s.dstHi &&
            dstLo == s.dstLo && srcPort == s.srcPort && dstPort == s.dstPort && protocol == s.protocol &&
            startNanos == s.startNanos && pcapName.equals(s.pcapName) && Arrays.equals(offsetNanos, s.offsetNanos) &&
            Arrays.equals(sizes, s.sizes);
    }

    public int hashCode()
    {
        return ((pcapName.hashCode() * 31 + Long.hashCode(startNanos)) * 31 + srcPort) * 31 + Arrays.hashCode(sizes);
    }

    public String toString()
    {
        return "FlowSession{" + pcapName + " v" + ipVersion + " proto=" + protocol + " " + srcPort + "->" + dstPort +
            " start=" + startNanos + " packets=" + sizes.length + "}";
    }
}

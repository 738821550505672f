package io.flowpic.flowtable.decode;

/**
 * Mutable flyweight filled by {@link PacketDecoder}; reused for every packet, so copy what must outlive the call.
 * Fields are meaningful only when the decoder returned {@link DecodeResult#OK}.
 */
public final class DecodedPacket
{
    /** 4 or 6. */
    public int ipVersion;
    /** 6 (TCP) or 17 (UDP). */
    public int protocol;
    /** IPv6: 128-bit address split big-endian into hi/lo; IPv4: hi = 0, lo = unsigned 32-bit address. */
    public long srcHi;
    public long srcLo;
    public long dstHi;
    public long dstLo;
    public int srcPort;
    public int dstPort;
    /**
     * Bytes of the packet as stated by the innermost classified IP header: IPv4 total length, IPv6 payload
     * length + 40. For a non-first fragment it is that fragment's own IP length.
     */
    public int ipLength;
    /** Number of tunnel headers removed to reach the classified packet (0 = not tunnelled). */
    public int tunnelDepth;
    /** True for a non-first fragment attributed to its flow through the fragment table. */
    public boolean attributedFragment;

    public void reset()
    {
        ipVersion = 0;
        protocol = 0;
        srcHi = 0;
        srcLo = 0;
        dstHi = 0;
        dstLo = 0;
        srcPort = 0;
        dstPort = 0;
        ipLength = 0;
        tunnelDepth = 0;
        attributedFragment = false;
    }

    @Override
    public String toString()
    {
        return "DecodedPacket{v" + ipVersion + " proto=" + protocol +
            " src=" + Long.toHexString(srcHi) + ":" + Long.toHexString(srcLo) + "/" + srcPort +
            " dst=" + Long.toHexString(dstHi) + ":" + Long.toHexString(dstLo) + "/" + dstPort +
            " ipLength=" + ipLength + " tunnelDepth=" + tunnelDepth + " fragment=" + attributedFragment + "}";
    }
}

package io.flowpic.flowtable.decode;

/**
 * Remembers which flow the first fragment of an IP datagram belonged to, so the later fragments
 * (which carry no ports) can be attributed to it.
 * <p>
 * Fixed-capacity open addressing over primitive arrays: no allocation after construction. A key is probed
 * in a short window of slots; when the window is full the oldest entry is overwritten, which bounds memory
 * under fragment floods at the price of occasionally unattributed fragments. Entries are not removed on
 * the last fragment because fragments can arrive out of order.
 */
final class FragmentTable
{
    private static final int PROBE_LIMIT = 4;

    private final int mask;
    private final int probes;
    // Key: (ip version, protocol, source, destination, identification).
    private final int[] keyVersionProtocol;
    private final long[] keySrcHi;
    private final long[] keySrcLo;
    private final long[] keyDstHi;
    private final long[] keyDstLo;
    private final int[] keyId;
    private final long[] age;
    // Value: the classified flow (possibly an inner, decapsulated one).
    private final int[] valueVersionProtocol;
    private final long[] valueSrcHi;
    private final long[] valueSrcLo;
    private final long[] valueDstHi;
    private final long[] valueDstLo;
    private final int[] valuePorts;
    private final int[] valueTunnelDepth;
    private long clock;

    FragmentTable(final int capacity)
    {
        final int size = capacity <= 1 ? 1 : Integer.highestOneBit(Math.min(capacity, 1 << 24) - 1) << 1;
        mask = size - 1;
        probes = Math.min(PROBE_LIMIT, size);
        keyVersionProtocol = new int[size];
        keySrcHi = new long[size];
        keySrcLo = new long[size];
        keyDstHi = new long[size];
        keyDstLo = new long[size];
        keyId = new int[size];
        age = new long[size];
        valueVersionProtocol = new int[size];
        valueSrcHi = new long[size];
        valueSrcLo = new long[size];
        valueDstHi = new long[size];
        valueDstLo = new long[size];
        valuePorts = new int[size];
        valueTunnelDepth = new int[size];
    }

    void put(
        final int versionProtocol, final long srcHi, final long srcLo, final long dstHi, final long dstLo, final int id,
        final DecodedPacket flow)
    {
        final int home = hash(versionProtocol, srcHi, srcLo, dstHi, dstLo, id);
        int victim = -1;
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < probes; i++)
        {
            final int slot = (home + i) & mask;
            if (age[slot] == 0 || matches(slot, versionProtocol, srcHi, srcLo, dstHi, dstLo, id))
            {
                victim = slot;
                break;
            }
            if (age[slot] < oldest)
            {
                oldest = age[slot];
                victim = slot;
            }
        }
        keyVersionProtocol[victim] = versionProtocol;
        keySrcHi[victim] = srcHi;
        keySrcLo[victim] = srcLo;
        keyDstHi[victim] = dstHi;
        keyDstLo[victim] = dstLo;
        keyId[victim] = id;
        age[victim] = ++clock;
        valueVersionProtocol[victim] = (flow.ipVersion << 8) | flow.protocol;
        valueSrcHi[victim] = flow.srcHi;
        valueSrcLo[victim] = flow.srcLo;
        valueDstHi[victim] = flow.dstHi;
        valueDstLo[victim] = flow.dstLo;
        valuePorts[victim] = (flow.srcPort << 16) | flow.dstPort;
        valueTunnelDepth[victim] = flow.tunnelDepth;
    }

    /** Fills the flow fields of {@code out} (not {@code ipLength}) and returns true when the datagram is known. */
    boolean get(
        final int versionProtocol, final long srcHi, final long srcLo, final long dstHi, final long dstLo, final int id,
        final DecodedPacket out)
    {
        final int home = hash(versionProtocol, srcHi, srcLo, dstHi, dstLo, id);
        for (int i = 0; i < probes; i++)
        {
            final int slot = (home + i) & mask;
            if (age[slot] != 0 && matches(slot, versionProtocol, srcHi, srcLo, dstHi, dstLo, id))
            {
                out.ipVersion = valueVersionProtocol[slot] >>> 8;
                out.protocol = valueVersionProtocol[slot] & 0xFF;
                out.srcHi = valueSrcHi[slot];
                out.srcLo = valueSrcLo[slot];
                out.dstHi = valueDstHi[slot];
                out.dstLo = valueDstLo[slot];
                out.srcPort = valuePorts[slot] >>> 16;
                out.dstPort = valuePorts[slot] & 0xFFFF;
                out.tunnelDepth = valueTunnelDepth[slot];
                return true;
            }
        }
        return false;
    }

    private boolean matches(
        final int slot, final int versionProtocol, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int id)
    {
        return keyId[slot] == id && keySrcLo[slot] == srcLo && keyDstLo[slot] == dstLo &&
            keyVersionProtocol[slot] == versionProtocol && keySrcHi[slot] == srcHi && keyDstHi[slot] == dstHi;
    }

    private int hash(
        final int versionProtocol, final long srcHi, final long srcLo, final long dstHi, final long dstLo, final int id)
    {
        long h = versionProtocol * 0x9E3779B97F4A7C15L;
        h = (h ^ srcHi) * 0xBF58476D1CE4E5B9L;
        h = (h ^ srcLo) * 0x94D049BB133111EBL;
        h = (h ^ dstHi) * 0xBF58476D1CE4E5B9L;
        h = (h ^ dstLo) * 0x94D049BB133111EBL;
        h = (h ^ id) * 0x9E3779B97F4A7C15L;
        return (int)(h ^ (h >>> 29)) & mask;
    }
}

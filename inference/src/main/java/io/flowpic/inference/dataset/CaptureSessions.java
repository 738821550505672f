package io.flowpic.inference.dataset;

import io.flowpic.flowtable.capture.CaptureFileException;
import io.flowpic.flowtable.capture.CaptureFileReader;
import io.flowpic.flowtable.capture.CaptureReadResult;
import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.flowtable.decode.DecodedPacket;
import io.flowpic.flowtable.decode.PacketDecoder;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Cuts a capture file into unidirectional sessions with the engine's own reader and decoder, so a session's
 * packets and sizes (IP length field) are exactly what the sensor's flow table would account.
 *
 * <p>A session is the packets of one 5-tuple (IP version, protocol, addresses, ports) until a gap longer than
 * the idle timeout, measured from the latest packet time seen so far, the flow table's rule; the next packet
 * starts a new session. This is the flow table's on-arrival rule, the one {@link SessionBlocks} applies when
 * the CSV is turned back into blocks, so extract then SessionBlocks equals feeding the capture to a flow table
 * packet by packet. Sessions are held until the end of the file; only past 20 M held packets are sessions idle
 * for the timeout plus five minutes of packet clock written out early (a packet more out of order than that would
 * then start a new session).
 * Note: the sensor's flow agent additionally sweeps expired blocks on a timer; with out-of-order timestamps
 * its blocks can then differ from the on-arrival rule, which a CSV cannot represent. Sessions end at the end of each file. Packets whose time is earlier than the session's
 * first packet (out of order) get offset 0, where the flow table puts them too (time column 0). With
 * {@code maxSeconds > 0}, packets later than that after the session's first packet are left out of the row
 * (the session still lasts until it goes idle).
 */
public final class CaptureSessions
{
    /** Receives finished sessions. */
    @FunctionalInterface
    public interface Sink
    {
        void accept(FlowSession session) throws java.io.IOException;
    }

    private record Key(int ipVersion, int protocol, long srcHi, long srcLo, long dstHi, long dstLo, int srcPort,
                       int dstPort)
    {
    }

    private static final class Open
    {
        final long first;
        long lastSeen;
        long[] offsets = new long[16];
        int[] sizes = new int[16];
        int n;

        Open(final long first)
        {
            this.first = first;
            this.lastSeen = first;
        }

        void add(final long ts, final int size)
        {
            if (n == sizes.length)
            {
                offsets = java.util.Arrays.copyOf(offsets, n * 2);
                sizes = java.util.Arrays.copyOf(sizes, n * 2);
            }
            offsets[n] = Math.max(0, ts - first);
            sizes[n++] = size;
        }
    }

    private static final long SWEEP_NANOS = 10_000_000_000L;
    /**
     * Sessions are held until the end of the file (captures merged from several sources jump minutes back and
     * forth in time, and the on-arrival rule still joins such packets to their flow). Only when more than this
     * many packets are held are sessions idle for the timeout plus {@link #EVICT_SLACK_NANOS} of packet clock
     * written out early, to bound memory (about 12 bytes a held packet).
     */
    private static final long HELD_PACKETS_BEFORE_EVICTION = 20_000_000L;
    private static final long EVICT_SLACK_NANOS = 300_000_000_000L;
    private long heldPackets;

    private final long idleTimeoutNanos;
    private final long maxNanos;
    private final int minPackets;
    private final PacketDecoder decoder = new PacketDecoder(4096);
    private final DecodedPacket packet = new DecodedPacket();
    private final Map<Key, Open> open = new HashMap<>();
    private long packetsRead;
    private long packetsDecoded;
    private long sessionsWritten;
    private long sessionsTooSmall;
    private final Map<DecodeResult, Long> notDecoded = new java.util.EnumMap<>(DecodeResult.class);

    /**
     * @param maxSeconds 0 = whole sessions.
     * @param minPackets sessions with fewer packets are counted and left out.
     */
    public CaptureSessions(final long idleTimeoutNanos, final int maxSeconds, final int minPackets)
    {
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.maxNanos = maxSeconds <= 0 ? Long.MAX_VALUE : maxSeconds * 1_000_000_000L;
        this.minPackets = minPackets;
    }

    /**
     * Reads one capture; sessions are named {@code pcapName} and handed to the sink as they finish (on an idle
     * gap, on the periodic sweep of the packet clock, or at end of file).
     */
    public CaptureReadResult read(final Path file, final String pcapName, final Sink sink)
        throws CaptureFileException, java.io.IOException
    {
        final long[] clock = {Long.MIN_VALUE, Long.MIN_VALUE}; // now, next sweep
        final java.io.IOException[] failure = new java.io.IOException[1];
        final CaptureReadResult result = new CaptureFileReader().read(file,
            (linkType, buffer, offset, capturedLength, originalLength, ts) ->
            {
                if (failure[0] != null)
                {
                    return;
                }
                packetsRead++;
                final DecodeResult r = decoder.decode(linkType, buffer, offset, capturedLength, originalLength, packet);
                if (r != DecodeResult.OK)
                {
                    notDecoded.merge(r, 1L, Long::sum);
                    return;
                }
                packetsDecoded++;
                try
                {
                    onPacket(pcapName, ts, sink);
                    if (ts > clock[0])
                    {
                        clock[0] = ts;
                    }
                    if (clock[0] >= clock[1] && heldPackets > HELD_PACKETS_BEFORE_EVICTION)
                    {
                        sweep(pcapName, clock[0], sink);
                        clock[1] = clock[0] + SWEEP_NANOS;
                    }
                }
                catch (final java.io.IOException e)
                {
                    failure[0] = e;
                }
            });
        if (failure[0] != null)
        {
            throw failure[0];
        }
        flush(pcapName, sink);
        return result;
    }

    private void onPacket(final String pcapName, final long ts, final Sink sink) throws java.io.IOException
    {
        final DecodedPacket p = packet;
        final Key key = new Key(p.ipVersion, p.protocol, p.srcHi, p.srcLo, p.dstHi, p.dstLo, p.srcPort, p.dstPort);
        Open session = open.get(key);
        if (session != null && ts - session.lastSeen > idleTimeoutNanos)
        {
            emit(pcapName, key, session, sink);
            session = null;
        }
        if (session == null)
        {
            session = new Open(ts);
            open.put(key, session);
        }
        else if (ts > session.lastSeen)
        {
            session.lastSeen = ts;
        }
        if (ts - session.first < maxNanos)
        {
            session.add(ts, p.ipLength);
            heldPackets++;
        }
    }

    private void sweep(final String pcapName, final long now, final Sink sink) throws java.io.IOException
    {
        final Iterator<Map.Entry<Key, Open>> it = open.entrySet().iterator();
        final List<Map.Entry<Key, Open>> idle = new ArrayList<>();
        while (it.hasNext())
        {
            final Map.Entry<Key, Open> e = it.next();
            if (now - e.getValue().lastSeen > idleTimeoutNanos + EVICT_SLACK_NANOS)
            {
                idle.add(e);
                it.remove();
            }
        }
        for (final Map.Entry<Key, Open> e : idle)
        {
            emit(pcapName, e.getKey(), e.getValue(), sink);
        }
    }

    private void flush(final String pcapName, final Sink sink) throws java.io.IOException
    {
        final List<Map.Entry<Key, Open>> all = new ArrayList<>(open.entrySet());
        open.clear();
        all.sort((a, b) -> Long.compare(a.getValue().first, b.getValue().first));
        for (final Map.Entry<Key, Open> e : all)
        {
            emit(pcapName, e.getKey(), e.getValue(), sink);
        }
    }

    private void emit(final String pcapName, final Key k, final Open s, final Sink sink) throws java.io.IOException
    {
        heldPackets -= s.n;
        if (s.n < minPackets)
        {
            sessionsTooSmall++;
            return;
        }
        sessionsWritten++;
        sink.accept(new FlowSession(pcapName, k.ipVersion(), k.srcHi(), k.srcLo(), k.dstHi(), k.dstLo(), k.srcPort(),
            k.dstPort(), k.protocol(), s.first, java.util.Arrays.copyOf(s.offsets, s.n),
            java.util.Arrays.copyOf(s.sizes, s.n)));
    }

    public long packetsRead()
    {
        return packetsRead;
    }

    public long packetsDecoded()
    {
        return packetsDecoded;
    }

    /** Sessions handed to the sink. */
    public long sessions()
    {
        return sessionsWritten;
    }

    public long sessionsTooSmall()
    {
        return sessionsTooSmall;
    }

    /** Packets that did not decode to TCP/UDP, by reason. */
    public Map<DecodeResult, Long> notDecoded()
    {
        return notDecoded;
    }
}

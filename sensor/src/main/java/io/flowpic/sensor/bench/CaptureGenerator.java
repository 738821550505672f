package io.flowpic.sensor.bench;

import io.flowpic.flowtable.capture.CaptureFileException;
import io.flowpic.flowtable.capture.CaptureFileReader;
import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.flowtable.decode.DecodedPacket;
import io.flowpic.flowtable.decode.PacketDecoder;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * Builds large benchmark captures from real ones: the plain (untunnelled) IPv4 TCP/UDP packets of
 * the source captures are replayed many times over, each copy with rewritten source addresses so
 * it is a flow of its own, interleaved in time so that about {@code flows} flows are open at once,
 * and shifted in time round after round until {@code packets} packets are written.
 * Output: pcap, Ethernet, microsecond timestamps, packets as captured in the source up to the snap length,
 * lengths as on the wire. Whole packets by default: a DPI tool compared on the same file (ndpiReader) discards
 * IPv4 packets whose total length exceeds the captured bytes, so a header-only file would hide most of its work.
 */
public final class CaptureGenerator
{
    public static final int DEFAULT_SNAP_LENGTH = 65_535;
    /** Ethernet + the longest IPv4 header + 8 transport bytes (ports): the header checksum is rewritten. */
    public static final int MIN_SNAP_LENGTH = 14 + 60 + 8;
    private static final int ETHERNET = 14;
    private static final byte[] ETHERNET_HEADER = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0};
    private static final long MAX_GAP_NANOS = 3_600L * 1_000_000_000L;

    private final List<long[]> times = new ArrayList<>();
    private final List<byte[]> ipHeaders = new ArrayList<>();
    private final List<int[]> lengths = new ArrayList<>();
    private final List<String> flowKeys = new ArrayList<>();
    private final int snapLength;
    private int sourceFlows;
    private long sourceSpanNanos;

    public CaptureGenerator(final int snapLength)
    {
        if (snapLength < MIN_SNAP_LENGTH || snapLength > DEFAULT_SNAP_LENGTH)
        {
            throw new IllegalArgumentException("snap length " + snapLength + " outside " + MIN_SNAP_LENGTH + ".." +
                DEFAULT_SNAP_LENGTH);
        }
        this.snapLength = snapLength;
    }

    /** Loads the source captures; returns the number of usable packets. */
    public int load(final List<Path> sources, final PrintWriter log) throws IOException
    {
        final PacketDecoder decoder = new PacketDecoder(1024);
        final DecodedPacket decoded = new DecodedPacket();
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        final CaptureFileReader reader = new CaptureFileReader();
        long outliers = 0;
        for (final Path source : sources)
        {
            final int fileStart = times.size();
            try
            {
                reader.read(source, (linkType, buffer, offset, capturedLength, originalLength, ts) ->
                {
                    if (decoder.decode(linkType, buffer, offset, capturedLength, decoded) != DecodeResult.OK ||
                        decoded.ipVersion != 4 || decoded.tunnelDepth != 0 || decoded.attributedFragment)
                    {
                        return;
                    }
                    // Find the IPv4 header: the decoder keeps no offset, so look for it after the link header.
                    final int ipStart = findIpv4(buffer, offset, capturedLength, decoded);
                    if (ipStart < 0)
                    {
                        return;
                    }
                    // Up to the IP total length: Ethernet pads short frames, and a copied trailer would make the
                    // written captured length exceed the original length, which a pcap must not.
                    final int ipBytes = decoded.ipLength > 0 ?
                        Math.min(capturedLength - (ipStart - offset), decoded.ipLength) : capturedLength - (ipStart - offset);
                    final int available = Math.min(ipBytes, snapLength - ETHERNET);
                    final byte[] header = new byte[available];
                    buffer.getBytes(ipStart, header);
                    ipHeaders.add(header);
                    times.add(new long[] {ts});
                    lengths.add(new int[] {decoded.ipLength});
                    flowKeys.add(decoded.srcLo + ":" + decoded.srcPort + ">" + decoded.dstLo + ":" + decoded.dstPort +
                        "/" + decoded.protocol);
                });
            }
            catch (final CaptureFileException ex)
            {
                log.println("gen-capture: skipping " + ex.getMessage());
            }
            outliers += keepLargestRun(fileStart);
        }
        if (outliers > 0)
        {
            log.println("gen-capture: left out " + outliers + " packets more than " + MAX_GAP_NANOS / 1_000_000_000L +
                " s apart from the bulk of their capture (clock jumps)");
        }
        // Sources are laid side by side from time 0: sort by relative time.
        final Integer[] order = new Integer[times.size()];
        for (int i = 0; i < order.length; i++)
        {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Long.compare(times.get(a)[0], times.get(b)[0]));
        final List<long[]> sortedTimes = new ArrayList<>();
        final List<byte[]> sortedHeaders = new ArrayList<>();
        final List<int[]> sortedLengths = new ArrayList<>();
        for (final int i : order)
        {
            sortedTimes.add(times.get(i));
            sortedHeaders.add(ipHeaders.get(i));
            sortedLengths.add(lengths.get(i));
            first = Math.min(first, times.get(i)[0]);
            last = Math.max(last, times.get(i)[0]);
        }
        times.clear();
        times.addAll(sortedTimes);
        ipHeaders.clear();
        ipHeaders.addAll(sortedHeaders);
        lengths.clear();
        lengths.addAll(sortedLengths);
        sourceFlows = new HashSet<>(flowKeys).size();
        flowKeys.clear();
        sourceSpanNanos = times.isEmpty() ? 0 : last - first;
        return times.size();
    }

    /**
     * Several real captures hold a few packets with clock-jump timestamps years away from the rest (1970, 2097);
     * laid out as they are, one such packet stretches a round over decades and writes times a pcap cannot hold.
     * Keeps the largest run of one capture's packets whose sorted times have no gap over {@link #MAX_GAP_NANOS}
     * (a long capture of steady traffic stays whole) and makes their times relative to the earliest one kept.
     *
     * @return packets left out.
     */
    private int keepLargestRun(final int fileStart)
    {
        final int count = times.size() - fileStart;
        if (count == 0)
        {
            return 0;
        }
        final long[] sorted = new long[count];
        for (int i = 0; i < count; i++)
        {
            sorted[i] = times.get(fileStart + i)[0];
        }
        java.util.Arrays.sort(sorted);
        int bestStart = 0;
        int bestEnd = 0; // exclusive
        int start = 0;
        for (int i = 1; i <= count; i++)
        {
            if (i == count || sorted[i] - sorted[i - 1] > MAX_GAP_NANOS)
            {
                if (i - start > bestEnd - bestStart)
                {
                    bestStart = start;
                    bestEnd = i;
                }
                start = i;
            }
        }
        final long first = sorted[bestStart];
        final long last = sorted[bestEnd - 1];
        int kept = fileStart;
        for (int i = fileStart; i < times.size(); i++)
        {
            final long ts = times.get(i)[0];
            if (ts >= first && ts <= last)
            {
                times.set(kept, new long[] {ts - first});
                ipHeaders.set(kept, ipHeaders.get(i));
                lengths.set(kept, lengths.get(i));
                flowKeys.set(kept, flowKeys.get(i));
                kept++;
            }
        }
        final int leftOut = times.size() - kept;
        times.subList(kept, times.size()).clear();
        ipHeaders.subList(kept, ipHeaders.size()).clear();
        lengths.subList(kept, lengths.size()).clear();
        flowKeys.subList(kept, flowKeys.size()).clear();
        return leftOut;
    }

    private static int findIpv4(final org.agrona.DirectBuffer buffer, final int offset, final int length,
        final DecodedPacket decoded)
    {
        final int src = (int)decoded.srcLo;
        final int dst = (int)decoded.dstLo;
        for (int i = offset; i + 20 <= offset + length && i < offset + 64; i++)
        {
            if ((buffer.getByte(i) & 0xF0) == 0x40 &&
                buffer.getInt(i + 12, ByteOrder.BIG_ENDIAN) == src &&
                buffer.getInt(i + 16, ByteOrder.BIG_ENDIAN) == dst)
            {
                return i;
            }
        }
        return -1;
    }

    public int sourceFlows()
    {
        return sourceFlows;
    }

    /** @return flows written (approximately concurrent per round). */
    public long write(final Path out, final long packets, final int flows) throws IOException
    {
        if (times.isEmpty())
        {
            throw new IOException("no plain IPv4 TCP/UDP packets in the source captures");
        }
        final int copies = Math.max(1, (flows + sourceFlows - 1) / Math.max(1, sourceFlows));
        final long roundNanos = sourceSpanNanos + 1_000_000_000L;
        final long base = 1_700_000_000L * 1_000_000_000L;
        final ByteBuffer record = ByteBuffer.allocate(16 + snapLength).order(ByteOrder.LITTLE_ENDIAN);
        long written = 0;
        long copyIndex = 0;
        try (OutputStream stream = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20))
        {
            final ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(0xA1B2C3D4).putShort((short)2).putShort((short)4).putInt(0).putInt(0).putInt(snapLength).putInt(1);
            stream.write(header.array());
            for (int round = 0; written < packets; round++)
            {
                for (int p = 0; p < times.size() && written < packets; p++)
                {
                    final byte[] ip = ipHeaders.get(p);
                    for (int c = 0; c < copies && written < packets; c++)
                    {
                        final long copy = (long)round * copies + c;
                        copyIndex = Math.max(copyIndex, copy + 1);
                        final long ts = base + round * roundNanos + times.get(p)[0] + c * 1000L;
                        record.clear();
                        record.putInt((int)(ts / 1_000_000_000L)).putInt((int)(ts % 1_000_000_000L / 1000));
                        record.putInt(ETHERNET + ip.length).putInt(ETHERNET + Math.max(ip.length, lengths.get(p)[0]));
                        record.put(ETHERNET_HEADER);
                        final int ipStart = record.position();
                        record.put(ip);
                        // New source address per copy: 10.x.y.z from the copy number and the original.
                        final int original = ByteBuffer.wrap(ip, 12, 4).getInt();
                        final int rewritten = (10 << 24) | (int)((copy * 0x9E3779B1L + (original & 0xFFFF)) & 0xFFFFFF);
                        record.order(ByteOrder.BIG_ENDIAN);
                        record.putInt(ipStart + 12, rewritten);
                        record.putShort(ipStart + 10, (short)0);
                        record.putShort(ipStart + 10, checksum(record, ipStart, (ip[0] & 0x0F) * 4));
                        record.order(ByteOrder.LITTLE_ENDIAN);
                        stream.write(record.array(), 0, record.position());
                        written++;
                    }
                }
            }
        }
        return copyIndex * sourceFlows;
    }

    private static short checksum(final ByteBuffer buffer, final int start, final int length)
    {
        long sum = 0;
        for (int i = 0; i + 1 < length && start + i + 1 < buffer.position(); i += 2)
        {
            sum += ((buffer.get(start + i) & 0xFF) << 8) | (buffer.get(start + i + 1) & 0xFF);
        }
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (short)~sum;
    }
}

package io.flowpic.flowtable.flow;

import io.flowpic.flowtable.capture.CaptureFileException;
import io.flowpic.flowtable.capture.CaptureFileReader;
import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.flowtable.decode.DecodedPacket;
import io.flowpic.flowtable.decode.PacketDecoder;
import io.flowpic.flowtable.testing.Tshark;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Per unidirectional flow packet counts from our reader, decoder and flow table, checked against
 * tshark as an independent oracle on every real capture in ../shared/data/pcap/ndpi.
 */
class TsharkFlowOracleTest
{
    private static final long S = 1_000_000_000L;

    @Test
    void perFlowPacketCountsMatchTshark() throws Exception
    {
        final Path dir = sharedCaptures();
        assumeTrue(Tshark.available(), "skipped: tshark is not installed (.ci/run installs it)");
        final List<Path> files;
        try (Stream<Path> list = Files.list(dir))
        {
            files = list.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng") ||
                p.toString().endsWith(".cap")).sorted().toList();
        }
        final String only = System.getProperty("flowpic.oracle.only");
        final List<String> mismatches = java.util.Collections.synchronizedList(new ArrayList<>());
        final java.util.concurrent.atomic.AtomicInteger compared = new java.util.concurrent.atomic.AtomicInteger();
        // tshark start-up dominates; two at a time uses both cores.
        final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        final List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (final Path file : files)
        {
            final String name = file.getFileName().toString();
            if (Tshark.EXCLUDED.containsKey(name) || (only != null && !name.contains(only)))
            {
                continue;
            }
            futures.add(pool.submit(() ->
            {
                final Map<String, Long> ours;
                try
                {
                    ours = ourCounts(file);
                }
                catch (final CaptureFileException ex)
                {
                    return null; // not a capture for us; the replay test reports these
                }
                final Map<String, Long> theirs = tsharkCounts(file);
                if (theirs != null)
                {
                    compared.incrementAndGet();
                    if (!ours.equals(theirs))
                    {
                        mismatches.add(name + ": " + describeDifference(ours, theirs));
                    }
                }
                return null;
            }));
        }
        for (final java.util.concurrent.Future<?> future : futures)
        {
            future.get(10, TimeUnit.MINUTES);
        }
        pool.shutdown();
        System.out.println("tshark oracle: compared " + compared + " captures, " + mismatches.size() + " differ");
        mismatches.forEach(m -> System.out.println("  " + m));
        assertTrue(only != null || compared.get() > 200, "too few captures compared: " + compared);
        assertTrue(mismatches.isEmpty(), mismatches.size() + " captures differ from tshark:\n" +
            String.join("\n", mismatches));
    }

    static Path sharedCaptures()
    {
        final String property = System.getProperty("flowpic.shared");
        final Path dir = Path.of(property != null ? property : "../shared").resolve("data/pcap/ndpi");
        assumeTrue(Files.isDirectory(dir), "skipped: shared captures not found at " + dir);
        return dir;
    }

    private static Map<String, Long> ourCounts(final Path file) throws CaptureFileException
    {
        final Map<String, Long> counts = new HashMap<>();
        final FlowTableCounters counters = new FlowTableCounters(FlowTableCounters.standaloneCountersManager(16));
        final BlockListener listener = (block, qualifies) -> counts.merge(key(block.ipVersion, block.protocol,
            block.srcHi, block.srcLo, block.srcPort, block.dstHi, block.dstLo, block.dstPort), (long)block.packets,
            Long::sum);
        // A huge idle timeout: tshark has no notion of flow expiry, only of 5-tuples.
        // Sized for these small captures: allocating production-size tables per file would dominate.
        final FlowTable table = new FlowTable(FlowPicSpec.defaults(), 1 << 16, 1_000_000L * 3600 * S, 1 << 20,
            counters, listener);
        final PacketDecoder decoder = new PacketDecoder(4096);
        final DecodedPacket packet = new DecodedPacket();
        new CaptureFileReader().read(file, (linkType, buffer, offset, capturedLength, originalLength, ts) ->
        {
            // tshark (without reassembly) gives non-first fragments no ports; we attribute them to
            // their flow. Leave them out here; the decoder tests cover attribution.
            if (decoder.decode(linkType, buffer, offset, capturedLength, packet) == DecodeResult.OK &&
                !packet.attributedFragment)
            {
                final long late = counters.packetsLate.get();
                table.reserve(1); // the flow agent reserves between ring batches
                table.onPacket(packet.ipVersion, packet.protocol, packet.srcHi, packet.srcLo, packet.dstHi,
                    packet.dstLo, packet.srcPort, packet.dstPort, packet.ipLength, ts);
                if (counters.packetsLate.get() != late)
                {
                    // Late (its window had finished): counted, not binned, but still a packet of its flow.
                    counts.merge(key(packet.ipVersion, packet.protocol, packet.srcHi, packet.srcLo, packet.srcPort,
                        packet.dstHi, packet.dstLo, packet.dstPort), 1L, Long::sum);
                }
            }
        });
        table.flushAll();
        return new TreeMap<>(counts);
    }

    private static String key(final int ipVersion, final int protocol, final long srcHi, final long srcLo,
        final int srcPort, final long dstHi, final long dstLo, final int dstPort)
    {
        return address(ipVersion, srcHi, srcLo) + ":" + srcPort + ">" + address(ipVersion, dstHi, dstLo) + ":" +
            dstPort + "/" + (protocol == 6 ? "TCP" : "UDP");
    }

    private static String address(final int ipVersion, final long hi, final long lo)
    {
        final byte[] bytes = new byte[ipVersion == 4 ? 4 : 16];
        if (ipVersion == 4)
        {
            for (int i = 0; i < 4; i++)
            {
                bytes[i] = (byte)(lo >>> (24 - 8 * i));
            }
        }
        else
        {
            for (int i = 0; i < 8; i++)
            {
                bytes[i] = (byte)(hi >>> (56 - 8 * i));
                bytes[8 + i] = (byte)(lo >>> (56 - 8 * i));
            }
        }
        try
        {
            return InetAddress.getByAddress(bytes).getHostAddress();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * tshark's view: the innermost IP addresses and transport ports of every TCP/UDP packet, without
     * IP reassembly (so a fragment counts where its own header puts it) and without ICMP errors
     * (whose quoted headers tshark would otherwise report as ports).
     */
    private static Map<String, Long> tsharkCounts(final Path file) throws IOException, InterruptedException
    {
        final ProcessBuilder builder = new ProcessBuilder("tshark", "-n", "-r", file.toString(),
            "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
            "-Y", "(tcp or udp) and not icmp and not icmpv6",
            "-T", "fields", "-E", "occurrence=l", "-E", "separator=|",
            "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
            "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport", "-e", "udp.dstport",
            "-e", "ip.version");
        builder.redirectError(ProcessBuilder.Redirect.DISCARD);
        final Process process = builder.start();
        final Map<String, Long> counts = new TreeMap<>();
        try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                final String[] f = line.split("\\|", -1);
                final boolean tcp = !f[4].isEmpty();
                final String srcPort = tcp ? f[4] : f[6];
                final String dstPort = tcp ? f[5] : f[7];
                if (srcPort.isEmpty())
                {
                    continue;
                }
                // With both present the later header is the inner one; tshark lists v4 and v6 separately.
                final boolean v6 = !f[2].isEmpty() && (f[0].isEmpty() || "6".equals(f[8]));
                final String src = v6 ? InetAddress.getByName(f[2]).getHostAddress() : f[0];
                final String dst = v6 ? InetAddress.getByName(f[3]).getHostAddress() : f[1];
                counts.merge(src + ":" + srcPort + ">" + dst + ":" + dstPort + "/" + (tcp ? "TCP" : "UDP"), 1L,
                    Long::sum);
            }
        }
        if (!process.waitFor(120, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            return null;
        }
        return counts;
    }

    private static String describeDifference(final Map<String, Long> ours, final Map<String, Long> theirs)
    {
        final StringBuilder sb = new StringBuilder();
        int shown = 0;
        final TreeMap<String, Long> all = new TreeMap<>(ours);
        theirs.forEach(all::putIfAbsent);
        for (final String key : all.keySet())
        {
            final long a = ours.getOrDefault(key, 0L);
            final long b = theirs.getOrDefault(key, 0L);
            if (a != b && shown++ < 3)
            {
                sb.append(key).append(" ours=").append(a).append(" tshark=").append(b).append("; ");
            }
        }
        long totalOurs = 0;
        long totalTheirs = 0;
        for (final long v : ours.values())
        {
            totalOurs += v;
        }
        for (final long v : theirs.values())
        {
            totalTheirs += v;
        }
        return sb + "(flows ours=" + ours.size() + " tshark=" + theirs.size() + ", packets ours=" + totalOurs +
            " tshark=" + totalTheirs + ")";
    }
}

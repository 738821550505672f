package io.flowpic.sensor.cli;

import io.flowpic.flowtable.capture.CaptureFileException;
import io.flowpic.flowtable.capture.CaptureFileReader;
import io.flowpic.flowtable.capture.CaptureWriter;
import io.flowpic.flowtable.capture.LinkType;
import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.flowtable.decode.DecodedPacket;
import io.flowpic.flowtable.decode.PacketDecoder;
import io.flowpic.flowtable.decode.Packets;
import io.flowpic.flowtable.flow.FlowPicBlock;
import io.flowpic.flowtable.flow.FlowPicSpec;
import io.flowpic.flowtable.flow.FlowTable;
import io.flowpic.flowtable.flow.FlowTableCounters;
import io.flowpic.inference.dataset.FlowCsvReader;
import io.flowpic.inference.dataset.FlowCsvWriter;
import io.flowpic.inference.dataset.FlowSession;
import io.flowpic.inference.dataset.SessionBlocks;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * KEY: captures → {@code dataset extract} → FlowPic CSV → {@link SessionBlocks} gives the same FlowPics (same cell
 * counts per block per flow) as replaying the captures through the sensor's reader, decoder and flow table.
 */
class ToolsExtractTest
{
    private static final long T0 = 1_700_000_000L;
    private static final int SRC = 0x0A010001; // 10.1.0.1
    private static final int DST = 0x0A020002; // 10.2.0.2
    private static final long IDLE_NANOS = 60_000_000_000L;
    private static final List<FlowPicSpec> SPECS = List.of(new FlowPicSpec(32, 15, 1500, 10),
        new FlowPicSpec(1500, 60, 1500, 10), new FlowPicSpec(64, 15, 1500, 10));

    @TempDir
    static Path dir;
    static Path capture;

    @BeforeAll
    static void writeCapture() throws Exception
    {
        capture = dir.resolve("skype-call.pcap");
        final List<long[]> events = new ArrayList<>(); // micros, flow, size
        for (int i = 0; i < 40; i++) // A: TCP 40000->443, 2 blocks at T=15
        {
            events.add(new long[] {i < 30 ? i * 500_000L : 15_000_000L + (i - 30) * 500_000L, 'A', 60 + i * 35});
        }
        for (int i = 0; i < 12; i++) // B: UDP 5353 reverse direction
        {
            events.add(new long[] {250_000L + i * 80_000L, 'B', 200 + i});
        }
        for (int i = 0; i < 40; i++) // C: UDP 6000->6001, 25 packets, 70 s idle, 15 packets: two sessions
        {
            events.add(new long[] {i < 25 ? 3_000_000L + i * 100_001L : 3_000_000L + 2_500_000L + 70_000_000L + i * 33_333L,
                'C', 100 + 13 * i});
        }
        for (int i = 0; i < 30; i++) // D: IPv6 UDP
        {
            events.add(new long[] {1_000_000L + i * 777_777L, 'D', 48 + 40 * i});
        }
        for (int i = 0; i < 4; i++) // E: too small
        {
            events.add(new long[] {2_000_000L + i, 'E', 60});
        }
        events.sort((x, y) -> Long.compare(x[0], y[0]));
        // Out of order: a B packet recorded at 0.5 s, stamped before B's first packet (offset clamps to 0, the flow
        // table puts it in time column 0 of the open block too).
        int at = 0;
        while (events.get(at)[0] <= 500_000L)
        {
            at++;
        }
        events.add(at, new long[] {100_000L, 'B', 999});
        // A B packet recorded last (clock ~76 s), stamped 0.2 s: not later than B's last packet, so the flow table
        // adds it to B's open block (column 0); extract keeps it in B's session.
        events.add(new long[] {200_000L, 'B', 888});
        final CaptureWriter pcap = CaptureWriter.pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET);
        for (final long[] e : events)
        {
            final int size = (int)e[2];
            final byte[] frame = switch ((char)e[1])
            {
                case 'A' -> Packets.ethernet(0x0800, Packets.ipv4(SRC, DST, 6, 0, 0, new byte[0], Packets.tcp(40000, 443, size - 40)));
                case 'B' -> Packets.ethernet(0x0800, Packets.ipv4(DST, SRC, 17, 0, 0, new byte[0], Packets.udp(5353, 40001, size - 28)));
                case 'C' -> Packets.ethernet(0x0800, Packets.ipv4(SRC, DST, 17, 0, 0, new byte[0], Packets.udp(6000, 6001, size - 28)));
                case 'D' -> Packets.ethernet(0x86DD, Packets.ipv6(17, Packets.udp(7000, 7001, size - 48)));
                default -> Packets.ethernet(0x0800, Packets.ipv4(SRC, DST, 6, 0, 0, new byte[0], Packets.tcp(40002, 80, size - 40)));
            };
            pcap.record(T0 + e[0] / 1_000_000, e[0] % 1_000_000, frame);
        }
        Files.write(capture, pcap.bytes());
    }

    @Test
    void extractedCsvGivesTheSameFlowPicsAsTheFlowTable() throws Exception
    {
        final Path csv = dir.resolve("out/sessions.csv.gz");
        final ToolsCommandsTest.Run r = ToolsCommandsTest.run("dataset", "extract", "--out", csv.toString(),
            capture.toString());
        assertEquals(0, r.code(), r.err());
        final List<FlowSession> sessions = FlowCsvReader.readAll(csv, false);
        // A, B, C (twice: idle gap), D; E has 4 packets < 10.
        assertEquals(5, sessions.size(), sessions.toString());
        assertTrue(r.out().contains("sessions written 5, sessions too small 1"), r.out());
        assertTrue(sessions.stream().anyMatch(s -> s.ipVersion() == 6));
        final FlowSession b = sessions.stream().filter(s -> s.srcPort() == 5353).findFirst().orElseThrow();
        assertEquals(14, b.packetCount());
        final int late = Arrays.stream(b.sizes()).boxed().toList().indexOf(999);
        assertTrue(late > 0, "late packet in B");
        assertEquals(0L, b.offsetNanos()[late], "out-of-order packet clamped to the session start");
        for (final FlowPicSpec spec : SPECS)
        {
            final Map<String, String> direct = replay(List.of(capture), spec).get(capture.getFileName().toString());
            final Map<String, String> viaCsv = fromCsv(sessions, spec).get(capture.getFileName().toString());
            assertTrue(direct.size() >= 5, direct.toString());
            assertEquals(direct, viaCsv, spec.describe());
        }
    }

    @Test
    void labelRulesSplitByCaptureNameAndPort() throws Exception
    {
        final Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, String.join("\n",
            "- match: 'skype-*.pcap'",
            "  ports: [5353]",
            "  proto: UDP",
            "  label: voip",
            "- match: 'skype-*'",
            "  ports: [443, 7001]",
            "  label: browsing",
            "- match: 'other-*.pcap'",
            "  label: chat",
            ""));
        final Path out = dir.resolve("labelled/data.csv");
        final ToolsCommandsTest.Run r = ToolsCommandsTest.run("dataset", "extract", "--out", out.toString(),
            "--label-rules", rules.toString(), capture.toString());
        assertEquals(0, r.code(), r.err());
        final List<FlowSession> voip = FlowCsvReader.readAll(dir.resolve("labelled/data-voip.csv"), false);
        final List<FlowSession> browsing = FlowCsvReader.readAll(dir.resolve("labelled/data-browsing.csv"), false);
        assertEquals(List.of(5353), voip.stream().map(FlowSession::srcPort).toList());
        // A (dst 443) and D (IPv6, dst 7001).
        assertEquals(List.of(443, 7001), browsing.stream().map(FlowSession::dstPort).sorted().toList());
        assertTrue(Files.notExists(dir.resolve("labelled/data-chat.csv")));
        // C's two sessions match no rule.
        assertTrue(r.out().contains("sessions unmatched by rules 2"), r.out());

        Files.writeString(rules, "- match: '*'\n  proto: ICMP\n  label: x\n");
        final ToolsCommandsTest.Run bad = ToolsCommandsTest.run("dataset", "extract", "--out", out.toString(),
            "--label-rules", rules.toString(), capture.toString());
        assertEquals(ExitCodes.CONFIG_ERROR, bad.code());
        assertTrue(bad.err().contains("rule 1") && bad.err().contains("ICMP"), bad.err());
    }

    /** The same check on real captures when ../shared is present. */
    @Test
    void realCapturesGiveTheSameFlowPics() throws Exception
    {
        final String property = System.getProperty("flowpic.shared");
        final Path ndpi = Path.of(property != null ? property : "../shared").resolve("data/pcap/ndpi");
        assumeTrue(Files.isDirectory(ndpi), "skipped: shared captures not found at " + ndpi);
        final List<Path> files;
        try (Stream<Path> list = Files.list(ndpi))
        {
            final List<Path> all = list.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng"))
                .sorted().toList();
            // Every capture by default (a few seconds); -Dflowpic.tools.every=N takes every Nth by name.
            final String every = System.getProperty("flowpic.tools.every", "1");
            final int step = Integer.parseInt(every);
            final List<Path> chosen = new ArrayList<>();
            for (int i = 0; i < all.size(); i += step)
            {
                chosen.add(all.get(i));
            }
            files = chosen;
        }
        final Path csv = dir.resolve("ndpi.csv");
        final List<String> args = new ArrayList<>(List.of("dataset", "extract", "--out", csv.toString()));
        files.forEach(f -> args.add(f.toString()));
        final ToolsCommandsTest.Run r = ToolsCommandsTest.run(args.toArray(String[]::new));
        assertTrue(r.code() == 0 || r.code() == ExitCodes.INPUT_ERROR, r.err());
        final List<FlowSession> sessions = FlowCsvReader.readAll(csv, false);
        final FlowPicSpec spec = new FlowPicSpec(32, 15, 1500, 10);
        final Map<String, Map<String, String>> direct = replay(files, spec);
        final Map<String, Map<String, String>> viaCsv = fromCsv(sessions, spec);
        int blocks = 0;
        final List<String> differ = new ArrayList<>();
        for (final Map.Entry<String, Map<String, String>> e : direct.entrySet())
        {
            final Map<String, String> other = viaCsv.getOrDefault(e.getKey(), Map.of());
            blocks += e.getValue().size();
            if (!e.getValue().equals(other))
            {
                differ.add(e.getKey() + ": direct " + e.getValue().size() + " blocks, via CSV " + other.size());
            }
        }
        System.out.println("tools extract: " + direct.size() + " captures, " + blocks + " blocks compared, " +
            differ.size() + " differ " + differ);
        assertTrue(blocks > 50, "too few blocks compared: " + blocks);
        assertTrue(differ.isEmpty(), String.join("\n", differ));
    }

    /**
     * capture name → (flow@start → cell counts) straight through reader, decoder and flow table, packet by packet
     * (the on-arrival rule; no timer sweeps, as in the flow table oracle test).
     */
    static Map<String, Map<String, String>> replay(final List<Path> files, final FlowPicSpec spec)
    {
        final Map<String, Map<String, String>> out = new TreeMap<>();
        final Map<String, String>[] current = new Map[1];
        final FlowTable table = new FlowTable(spec, 1 << 18, IDLE_NANOS, 1 << 22,
            new FlowTableCounters(FlowTableCounters.standaloneCountersManager(16)),
            (block, qualifies) ->
            {
                if (qualifies)
                {
                    current[0].put(key(block), cells(block, spec));
                }
            });
        final PacketDecoder decoder = new PacketDecoder(4096);
        final DecodedPacket packet = new DecodedPacket();
        for (final Path file : files)
        {
            current[0] = new TreeMap<>();
            try
            {
                new CaptureFileReader().read(file, (linkType, buffer, offset, capturedLength, originalLength, ts) ->
                {
                    if (decoder.decode(linkType, buffer, offset, capturedLength, packet) == DecodeResult.OK)
                    {
                        table.reserve(1); // the flow agent reserves between ring batches
                        table.onPacket(packet.ipVersion, packet.protocol, packet.srcHi, packet.srcLo, packet.dstHi,
                            packet.dstLo, packet.srcPort, packet.dstPort, packet.ipLength, ts);
                    }
                });
            }
            catch (final CaptureFileException e)
            {
                continue; // not a capture: extract reports it and writes nothing for it
            }
            table.flushAll();
            out.put(file.getFileName().toString(), current[0]);
        }
        return out;
    }

    static Map<String, Map<String, String>> fromCsv(final List<FlowSession> sessions, final FlowPicSpec spec)
    {
        final Map<String, Map<String, String>> out = new TreeMap<>();
        final SessionBlocks blocks = new SessionBlocks(spec, IDLE_NANOS);
        for (final FlowSession s : sessions)
        {
            final Map<String, String> m = out.computeIfAbsent(s.pcapName(), k -> new TreeMap<>());
            blocks.forEachBlock(s, block -> m.put(key(block), cells(block, spec)));
        }
        return out;
    }

    private static String key(final FlowPicBlock b)
    {
        return FlowCsvWriter.address(b.ipVersion, b.srcHi, b.srcLo) + ":" + b.srcPort + ">" +
            FlowCsvWriter.address(b.ipVersion, b.dstHi, b.dstLo) + ":" + b.dstPort + "/" + b.protocol + "@" +
            (b.startNanos + 500) / 1000;
    }

    /** Sparse cell counts "cell×count" in cell order. */
    private static String cells(final FlowPicBlock b, final FlowPicSpec spec)
    {
        final int[] c = new int[b.cellCount()];
        for (int i = 0; i < c.length; i++)
        {
            c[i] = b.cellAt(i);
        }
        Arrays.sort(c);
        final StringBuilder sb = new StringBuilder().append(b.packets).append(':');
        for (int i = 0; i < c.length; )
        {
            int j = i;
            while (j < c.length && c[j] == c[i])
            {
                j++;
            }
            sb.append(c[i]).append('x').append(j - i).append(' ');
            i = j;
        }
        return sb.toString();
    }
}

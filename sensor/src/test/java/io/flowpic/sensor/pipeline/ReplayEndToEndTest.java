package io.flowpic.sensor.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowpic.flowtable.capture.CaptureFileReader;
import io.flowpic.flowtable.capture.CaptureWriter;
import io.flowpic.flowtable.capture.LinkType;
import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.flowtable.decode.DecodedPacket;
import io.flowpic.flowtable.decode.PacketDecoder;
import io.flowpic.flowtable.decode.Packets;
import io.flowpic.flowtable.flow.FlowPicSpec;
import io.flowpic.flowtable.flow.FlowTable;
import io.flowpic.flowtable.flow.FlowTableCounters;
import io.flowpic.inference.FlowDescriptors;
import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.sensor.cli.Main;
import io.flowpic.sensor.config.ConfigLoader;
import io.flowpic.sensor.config.SensorConfig;
import io.flowpic.sensor.journal.JournalReader;
import io.flowpic.sensor.journal.LabelRecord;
import io.flowpic.sensor.testing.TestModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A capture written by the test, replayed through the whole pipeline with a real SavedModel into a
 * real journal, read back with the journal reader.
 */
class ReplayEndToEndTest
{
    private static final long T0 = 1_700_000_000L;
    private static final int A_SRC = 0x0A010001;   // 10.1.0.1
    private static final int A_DST = 0x0A020002;   // 10.2.0.2

    @TempDir
    static Path dir;
    static Path model;
    static Path capture;
    /** "src:port>dst:port/proto" -> packets per block, in block order. */
    static final Map<String, List<Integer>> EXPECTED_BLOCKS = new HashMap<>();

    @BeforeAll
    static void writeModelAndCapture() throws Exception
    {
        model = TestModels.write(dir.resolve("model"), 32, 15, "e2e-fixed");
        capture = dir.resolve("e2e.pcap");
        writeCapture(capture);
        EXPECTED_BLOCKS.put("10.1.0.1:40000>10.2.0.2:443/TCP", List.of(30, 10));
        EXPECTED_BLOCKS.put("10.2.0.2:5353>10.1.0.1:40001/UDP", List.of(12));
    }

    /** Three flows (two qualifying, one too small), one ARP frame and one truncated IPv4 packet. */
    static void writeCapture(final Path file) throws Exception
    {
        final CaptureWriter pcap = CaptureWriter.pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET);
        // Flow A: TCP, 40 packets over 20 s -> block [0,15) has 30, block [15,30) has 10.
        // Flow B: UDP reverse direction, 12 packets in 1 s -> one block.
        // Flow C: TCP, 4 packets -> too small.
        // Plus an ARP frame (skipped, non-IP) and a truncated IPv4 packet (malformed).
        final List<long[]> events = new ArrayList<>();
        for (int i = 0; i < 40; i++)
        {
            final long micros = i < 30 ? i * 500_000L : 15_000_000L + (i - 30) * 500_000L;
            events.add(new long[] {micros, 'A', 100 + i * 30});
        }
        for (int i = 0; i < 12; i++)
        {
            events.add(new long[] {250_000L + i * 80_000L, 'B', 200});
        }
        for (int i = 0; i < 4; i++)
        {
            events.add(new long[] {1_000_000L + i, 'C', 60});
        }
        events.sort((x, y) -> Long.compare(x[0], y[0]));
        for (final long[] e : events)
        {
            final byte[] ip;
            if (e[1] == 'A')
            {
                ip = Packets.ipv4(A_SRC, A_DST, 6, 0, 0, new byte[0], Packets.tcp(40000, 443, (int)e[2] - 40));
            }
            else if (e[1] == 'B')
            {
                ip = Packets.ipv4(A_DST, A_SRC, 17, 0, 0, new byte[0], Packets.udp(5353, 40001, (int)e[2] - 28));
            }
            else
            {
                ip = Packets.ipv4(A_SRC, A_DST, 6, 0, 0, new byte[0], Packets.tcp(40002, 80, (int)e[2] - 40));
            }
            final byte[] frame = Packets.ethernet(0x0800, ip);
            pcap.record(T0 + e[0] / 1_000_000, e[0] % 1_000_000, frame);
        }
        pcap.record(T0 + 1, 0, Packets.ethernet(0x0806, new byte[28]));
        pcap.record(T0 + 1, 1, Packets.ethernet(0x0800, new byte[] {0x45, 0, 0, 40}));
        Files.write(file, pcap.bytes());
    }

    private static SensorConfig config(final Path journal) throws Exception
    {
        return new ConfigLoader().loadDefaults().withModelPath(model.toString()).withJournalPath(journal.toString());
    }

    private static ReplaySummary replay(final Path journal) throws Exception
    {
        try (FlowPicClassifier classifier = FlowPicClassifier.load(model))
        {
            final ReplayPipeline pipeline = new ReplayPipeline(config(journal), classifier,
                new PrintWriter(new StringWriter()));
            final ReplaySummary summary = pipeline.run(List.of(capture));
            assertTrue(pipeline.fileErrors().isEmpty(), pipeline.fileErrors().toString());
            return summary;
        }
    }

    private static List<LabelRecord> read(final Path journal) throws Exception
    {
        try (JournalReader reader = new JournalReader(journal))
        {
            return reader.readAll();
        }
    }

    private static String key(final LabelRecord r)
    {
        return r.srcIp() + ":" + r.srcPort + ">" + r.dstIp() + ":" + r.dstPort + "/" + r.protocolName();
    }

    @Test
    void everyJournaledBlockNamesItsFlowAndCarriesTheArgmaxLabel() throws Exception
    {
        final Path journal = dir.resolve("journal-a");
        final ReplaySummary summary = replay(journal);
        assertEquals(58, summary.packets());
        assertEquals(56, summary.decoded());
        assertEquals(3, summary.flows());
        assertEquals(3, summary.blocksClassified());
        assertEquals(1, summary.blocksTooSmall());
        assertEquals(0, summary.blocksDropped());
        assertEquals(Long.valueOf(1), summary.skipped().get("non_ip"));
        assertEquals(1, summary.malformed().values().stream().mapToLong(Long::longValue).sum());

        final List<LabelRecord> records = read(journal);
        assertEquals(3, records.size());
        final Map<String, List<Integer>> actual = new HashMap<>();
        for (final LabelRecord r : records)
        {
            int best = 0;
            for (int c = 1; c < r.scores.length; c++)
            {
                best = r.scores[c] > r.scores[best] ? c : best;
            }
            assertEquals(r.scoreLabels[best], r.label);
            assertEquals(r.scores[best], r.confidence);
            assertEquals(TestModels.LABELS, List.of(r.scoreLabels));
            assertEquals("e2e-fixed", r.modelId);
            assertEquals(15_000_000_000L, r.endNanos - r.startNanos);
            actual.computeIfAbsent(key(r), k -> new ArrayList<>()).add(r.packets);
        }
        assertEquals(EXPECTED_BLOCKS, actual);

        final LabelRecord secondA = records.stream()
            .filter(r -> r.srcPort == 40000 && r.packets == 10).findFirst().orElseThrow();
        assertEquals(T0 * 1_000_000_000L + 15_000_000_000L, secondA.startNanos);
        long bytes = 0;
        for (int i = 30; i < 40; i++)
        {
            bytes += 100 + i * 30;
        }
        assertEquals(bytes, secondA.bytes);
    }

    /**
     * Every record's scores are the model's for that record's own block: the blocks are rebuilt from the capture
     * here (reader, decoder, flow table, no pipeline), classified one at a time, and matched to records by flow and
     * start. "Label = argmax of its own scores" alone passes a batch that pairs blocks with another's scores.
     */
    @Test
    void everyRecordCarriesTheModelsScoresForItsOwnBlock() throws Exception
    {
        final Path journal = dir.resolve("journal-scores");
        replay(journal);
        final List<LabelRecord> records = read(journal);
        final SensorConfig config = config(journal);
        final FlowPicSpec spec = config.flowpic().spec();
        final Map<String, float[]> expected = new HashMap<>();
        try (FlowPicClassifier classifier = FlowPicClassifier.load(model))
        {
            final int cells = spec.cellsPerImage();
            final int classes = TestModels.LABELS.size();
            final FlowTable table = new FlowTable(spec, 1024, TimeUnit.SECONDS.toNanos(
                config.flowTable().idleTimeoutSeconds()), 1 << 16,
                new FlowTableCounters(FlowTableCounters.standaloneCountersManager(16)), (block, qualifies) ->
                {
                    if (qualifies)
                    {
                        final float[] counts = new float[cells];
                        block.addCountsTo(counts, 0);
                        final float[] flows = new float[FlowDescriptors.WIDTH];
                        FlowDescriptors.fill(block, flows, 0);
                        final float[] scores = new float[classes];
                        classifier.classify(counts, flows, 1, scores);
                        expected.put(block.srcPort + ">" + block.dstPort + "/" + block.protocol + "@" +
                            block.startNanos, scores);
                    }
                });
            final PacketDecoder decoder = new PacketDecoder(4096);
            final DecodedPacket packet = new DecodedPacket();
            new CaptureFileReader().read(capture, (linkType, buffer, offset, capturedLength, originalLength, ts) ->
            {
                if (decoder.decode(linkType, buffer, offset, capturedLength, packet) == DecodeResult.OK)
                {
                    table.reserve(1);
                    table.onPacket(packet.ipVersion, packet.protocol, packet.srcHi, packet.srcLo, packet.dstHi,
                        packet.dstLo, packet.srcPort, packet.dstPort, packet.ipLength, ts);
                }
            });
            table.flushAll();
            table.close();
        }
        assertEquals(3, expected.size());
        assertEquals(expected.size(), records.size());
        final Set<String> distinct = new TreeSet<>();
        for (final LabelRecord r : records)
        {
            final float[] scores = expected.get(r.srcPort + ">" + r.dstPort + "/" + r.protocol + "@" + r.startNanos);
            assertNotNull(scores, "no such block in the capture: " + key(r) + " at " + r.startNanos);
            assertArrayEquals(scores, r.scores, 1e-5f, key(r) + " at " + r.startNanos);
            distinct.add(java.util.Arrays.toString(scores));
        }
        assertEquals(3, distinct.size(), "the blocks score differently, so swapped scores would show");
    }

    @Test
    void replayingTwiceWritesIdenticalJournals() throws Exception
    {
        final Path first = dir.resolve("journal-1");
        final Path second = dir.resolve("journal-2");
        replay(first);
        replay(second);
        final List<LabelRecord> a = read(first);
        final List<LabelRecord> b = read(second);
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++)
        {
            assertEquals(key(a.get(i)), key(b.get(i)));
            assertEquals(a.get(i).startNanos, b.get(i).startNanos);
            assertEquals(a.get(i).packets, b.get(i).packets);
            assertEquals(a.get(i).bytes, b.get(i).bytes);
            assertEquals(a.get(i).label, b.get(i).label);
            assertArrayEquals(a.get(i).scores, b.get(i).scores);
        }
    }

    @Test
    void cliPrintsTheJsonSummaryWithExactlyTheDocumentedKeysAndTailsTheJournal() throws Exception
    {
        final Path journal = dir.resolve("journal-cli");
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exit = Main.run(new PrintWriter(out), new PrintWriter(err), "replay", "--model", model.toString(),
            "--journal", journal.toString(), "--summary", "json", capture.toString());
        assertEquals(0, exit, err.toString());
        final JsonNode json = new ObjectMapper().readTree(out.toString());
        final Set<String> keys = new TreeSet<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertEquals(new TreeSet<>(List.of("files", "packets", "decoded", "malformed", "skipped", "flows",
            "blocks_classified", "blocks_too_small", "blocks_dropped", "labels", "seconds", "journal", "failed_files")), keys);
        assertEquals(58, json.get("packets").asLong());
        assertEquals(3, json.get("blocks_classified").asLong());
        long labelled = 0;
        for (final Iterator<JsonNode> it = json.get("labels").elements(); it.hasNext(); )
        {
            labelled += it.next().asLong();
        }
        assertEquals(3, labelled);

        final StringWriter tail = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(tail), new PrintWriter(err), "journal", "tail",
            "--journal", journal.toString(), "--format", "json"));
        final String[] lines = tail.toString().trim().split("\n");
        assertEquals(3, lines.length);
        for (final String line : lines)
        {
            final JsonNode record = new ObjectMapper().readTree(line);
            final Set<String> recordKeys = new TreeSet<>();
            record.fieldNames().forEachRemaining(recordKeys::add);
            assertEquals(new TreeSet<>(List.of("start_ns", "end_ns", "src_ip", "src_port", "dst_ip", "dst_port",
                "proto", "packets", "bytes", "label", "confidence", "scores", "model")), recordKeys);
            assertNotNull(record.get("scores").get(record.get("label").asText()));
        }
    }

    @Test
    void unreadableFileIsReportedAfterTheOthersWithNonZeroExit() throws Exception
    {
        final Path notCapture = dir.resolve("notes.txt");
        Files.writeString(notCapture, "this is not a capture file at all");
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exit = Main.run(new PrintWriter(out), new PrintWriter(err), "replay", "--model", model.toString(),
            "--journal", dir.resolve("journal-bad").toString(), notCapture.toString(), capture.toString());
        assertEquals(1, exit);
        assertTrue(err.toString().contains("notes.txt"), err.toString());
        assertTrue(out.toString().contains("blocks classified  3"), out.toString());
    }

    @Test
    void modelMadeForAnotherResolutionIsRefusedNamingTheMismatch() throws Exception
    {
        final Path model64 = TestModels.write(dir.resolve("model64"), 64, 15, "r64");
        final StringWriter err = new StringWriter();
        final int exit = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "replay", "--model",
            model64.toString(), "--journal", dir.resolve("journal-64").toString(), capture.toString());
        assertEquals(3, exit);
        assertTrue(err.toString().contains("resolution 64") && err.toString().contains("flowpic.resolution"),
            err.toString());
    }

    @Test
    void badConfigFailsFastNamingFileAndKey() throws Exception
    {
        final Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "inference:\n  batch-size: 0\n");
        final StringWriter err = new StringWriter();
        final int exit = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "replay", "--config",
            config.toString(), "--model", model.toString(), capture.toString());
        assertEquals(3, exit);
        assertTrue(err.toString().contains(config.toString()) && err.toString().contains("inference.batch-size"),
            err.toString());
    }

    @Test
    void missingModelDirectoryIsNamed() throws Exception
    {
        final StringWriter err = new StringWriter();
        final Path missing = dir.resolve("no-such-model");
        final int exit = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "replay", "--model",
            missing.toString(), "--journal", dir.resolve("journal-x").toString(), capture.toString());
        assertEquals(3, exit);
        assertTrue(err.toString().contains(missing.toString()), err.toString());
    }

    @Test
    @Timeout(120)
    void journalThatCannotBeOpenedStopsTheReplayWithExit3EvenWithTheHandOffFull() throws Exception
    {
        // The journal opens beside reading, so its failure arrives while packets flow; a tiny hand-off
        // makes the flow agent wait for an inference agent that never starts.
        final Path blocker = dir.resolve("journal-blocker");
        Files.writeString(blocker, "a file, not a directory");
        final Path config = dir.resolve("tiny-queue.yaml");
        Files.writeString(config, "inference:\n  queue-size: 2\n");
        final StringWriter err = new StringWriter();
        final int exit = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "replay", "--config",
            config.toString(), "--model", model.toString(), "--journal", blocker.resolve("journal").toString(),
            capture.toString());
        assertEquals(3, exit);
        assertTrue(err.toString().contains(blocker.toString()), err.toString());
    }
}

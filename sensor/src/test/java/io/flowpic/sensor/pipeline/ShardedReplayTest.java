package io.flowpic.sensor.pipeline;

import io.flowpic.flowtable.capture.CaptureWriter;
import io.flowpic.flowtable.capture.LinkType;
import io.flowpic.flowtable.decode.Packets;
import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.sensor.config.ConfigLoader;
import io.flowpic.sensor.config.SensorConfig;
import io.flowpic.sensor.journal.JournalReader;
import io.flowpic.sensor.journal.LabelRecord;
import io.flowpic.sensor.testing.SharedData;
import io.flowpic.sensor.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sharded flow agents ({@code pipeline.flow-agents}) change which thread accounts a flow, never what is journaled:
 * a replay with two agents gives the same set of records as with one (the order aside), and the same counts.
 */
class ShardedReplayTest
{
    private static final long T0 = 1_700_000_000L;

    @TempDir
    Path dir;

    @Test
    void twoAgentsJournalTheSameRecordsAsOneOnACraftedCapture() throws Exception
    {
        // 400 UDP/TCP flows interleaved over 40 s (blocks end, flows idle, late packets), in shuffled order.
        final CaptureWriter pcap = CaptureWriter.pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET);
        final Random random = new Random(7);
        for (int i = 0; i < 20_000; i++)
        {
            final int flow = random.nextInt(400);
            final long micros = (long)random.nextInt(40_000_000);
            final int src = 0x0A000000 | (flow * 7919 & 0xFFFF);
            final int protocol = flow % 3 == 0 ? 6 : 17;
            final byte[] l4 = protocol == 17 ? Packets.udp(20000 + flow, 443, 40 + flow % 1200) :
                Packets.tcp(20000 + flow, 443, 40 + flow % 1200);
            pcap.record(T0 + micros / 1_000_000, micros % 1_000_000 * 1000, Packets.ethernet(0x0800,
                Packets.ipv4(src, 0x0A630001, protocol, 0, 0, new byte[0], l4)));
        }
        final Path capture = dir.resolve("crafted.pcap");
        Files.write(capture, pcap.bytes());
        assertSameRecords(List.of(capture), 200);
    }

    @Test
    void twoAgentsJournalTheSameRecordsAsOneOnSharedCaptures() throws Exception
    {
        final List<Path> captures;
        try (Stream<Path> files = Files.list(SharedData.ndpiCaptures()))
        {
            // The largest captures (most flows and blocks), and every tenth of the rest for variety.
            final List<Path> all = files.filter(p -> p.toString().matches(".*\\.(pcap|pcapng|cap)$"))
                .sorted(Comparator.comparingLong(ShardedReplayTest::size).reversed()).toList();
            captures = new ArrayList<>(all.subList(0, 12));
            for (int i = 12; i < all.size(); i += 10)
            {
                captures.add(all.get(i));
            }
        }
        long records = 0;
        for (final Path capture : captures)
        {
            records += assertSameRecords(List.of(capture), 0);
        }
        assertTrue(records > 100, "records: " + records);
    }

    private static long size(final Path file)
    {
        try
        {
            return Files.size(file);
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    private long assertSameRecords(final List<Path> capture, final int minRecords) throws Exception
    {
        final Path model = dir.resolve("model");
        if (!Files.isDirectory(model))
        {
            TestModels.write(model, 32, 15, "sharded");
        }
        final List<String> one = replay(capture, 1);
        final List<String> two = replay(capture, 2);
        assertTrue(one.size() >= minRecords, capture + ": " + one.size() + " records");
        assertEquals(one, two, capture + ": the same records, sorted");
        return one.size();
    }

    private int run;

    /** The journal's records as sorted lines (flow, window, counts, label, confidence to 1e-4). */
    private List<String> replay(final List<Path> capture, final int agents) throws Exception
    {
        final Path config = dir.resolve("agents-" + agents + ".yaml");
        Files.writeString(config, "pipeline:\n  flow-agents: " + agents + "\ncapture:\n  ring-buffer-mb: 4\n" +
            "flow-table:\n  max-flows: 65536\n  max-open-packets: 1000000\ninference:\n  queue-size: 256\n");
        final Path journal = dir.resolve("journal-" + run++);
        final SensorConfig loaded = new ConfigLoader().load(config).withModelPath(dir.resolve("model").toString())
            .withJournalPath(journal.toString());
        final ReplayPipeline pipeline;
        try (FlowPicClassifier classifier = FlowPicClassifier.load(dir.resolve("model")))
        {
            pipeline = new ReplayPipeline(loaded, classifier, new PrintWriter(new StringWriter()));
            final ReplaySummary summary = pipeline.run(capture);
            assertEquals(pipeline.total(c -> c.blocksQueued.get()), summary.blocksClassified(),
                "every queued block classified, summed over " + agents + " agents");
        }
        final List<String> lines = new ArrayList<>();
        try (JournalReader reader = new JournalReader(journal))
        {
            for (final LabelRecord r : reader.readAll())
            {
                lines.add(r.srcIp() + ":" + r.srcPort + ">" + r.dstIp() + ":" + r.dstPort + "/" + r.protocol + " " +
                    r.startNanos + ".." + r.endNanos + " " + r.packets + "p " + r.bytes + "B " + r.label + " " +
                    Math.round(r.confidence * 10_000));
            }
        }
        lines.sort(null);
        return lines;
    }
}

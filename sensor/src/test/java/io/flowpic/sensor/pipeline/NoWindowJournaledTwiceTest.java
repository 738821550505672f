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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A late packet whose window a sweep already finished is counted as late, never binned into a second
 * record for the same window: no two journal records share (5-tuple, block start).
 */
class NoWindowJournaledTwiceTest
{
    private static final long T0 = 1_700_000_000L;
    private static final int A_SRC = 0x0A010001;   // 10.1.0.1
    private static final int A_DST = 0x0A020002;   // 10.2.0.2

    @TempDir
    Path dir;

    @Test
    void aLateBurstAfterTheSweepFinishedItsWindowIsCountedNotJournaledAgain() throws Exception
    {
        final Path capture = dir.resolve("late.pcap");
        final CaptureWriter pcap = CaptureWriter.pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET);
        // Flow A: 12 packets in [0, 4.4 s).
        for (int i = 0; i < 12; i++)
        {
            pcap.record(T0, i * 400_000L, udp(A_SRC, A_DST, 40000, 53, 200));
        }
        // Flow B from 16 s: enough packets for the replay to sweep on the packet clock, which finishes A's [0, 15 s).
        for (int i = 0; i < 300; i++)
        {
            pcap.record(T0 + 16, i * 1000L, udp(A_DST, A_SRC, 53, 40000, 100));
        }
        // A late burst of A, timestamped inside its finished window.
        for (int i = 0; i < 12; i++)
        {
            pcap.record(T0 + 10, i * 1000L, udp(A_SRC, A_DST, 40000, 53, 300));
        }
        Files.write(capture, pcap.bytes());

        final Path model = TestModels.write(dir.resolve("model"), 32, 15, "late-fixed");
        final SensorConfig config = new ConfigLoader().loadDefaults().withModelPath(model.toString())
            .withJournalPath(dir.resolve("journal").toString());
        final ReplayPipeline pipeline;
        try (FlowPicClassifier classifier = FlowPicClassifier.load(model))
        {
            pipeline = new ReplayPipeline(config, classifier, new PrintWriter(new StringWriter()));
            pipeline.run(List.of(capture));
        }
        final List<LabelRecord> records = read(dir.resolve("journal"));
        assertEquals(List.of(), duplicates(records));
        final List<LabelRecord> a = records.stream().filter(r -> r.srcPort == 40000).toList();
        assertEquals(1, a.size());
        assertEquals(12, a.get(0).packets);
        assertEquals(12 * 200, a.get(0).bytes);
        assertEquals(12, pipeline.counters().flowTable.packetsLate.get());
    }

    @Test
    void noSharedCaptureJournalsAWindowTwice() throws Exception
    {
        final List<Path> captures;
        try (Stream<Path> files = Files.list(SharedData.ndpiCaptures()))
        {
            captures = files.filter(p -> p.toString().matches(".*\\.(pcap|pcapng|cap)$")).sorted().toList();
        }
        assertTrue(captures.size() > 200, "expected the nDPI corpus, found " + captures.size());
        final Path model = TestModels.write(dir.resolve("model"), 32, 15, "ndpi-late");
        // Small tables, as in SharedCapturesReplayTest; a small hand-off queue so the replay waits on inference.
        final Path small = dir.resolve("small.yaml");
        Files.writeString(small, "capture:\n  ring-buffer-mb: 4\nflow-table:\n  max-flows: 65536\n" +
            "  max-open-packets: 1000000\ninference:\n  queue-size: 256\n");
        final SensorConfig base = new ConfigLoader().load(small);
        final List<String> found = new ArrayList<>();
        long records = 0;
        long late = 0;
        try (FlowPicClassifier classifier = FlowPicClassifier.load(model))
        {
            int index = 0;
            for (final Path capture : captures)
            {
                final Path journal = dir.resolve("journal-" + index++);
                final ReplayPipeline pipeline = new ReplayPipeline(config(base, journal), classifier,
                    new PrintWriter(new StringWriter()));
                pipeline.run(List.of(capture));
                final List<LabelRecord> journaled = read(journal);
                records += journaled.size();
                late += pipeline.counters().flowTable.packetsLate.get();
                for (final String d : duplicates(journaled))
                {
                    found.add(capture.getFileName() + ": " + d);
                }
            }
        }
        System.out.println("shared captures: " + records + " records, " + found.size() +
            " duplicate windows, " + late + " late packets");
        assertTrue(records > 100, "records: " + records);
        assertEquals(List.of(), found);
    }

    private static SensorConfig config(final SensorConfig base, final Path journal)
    {
        return base.withJournalPath(journal.toString());
    }

    private static byte[] udp(final int src, final int dst, final int srcPort, final int dstPort, final int ipLength)
    {
        return Packets.ethernet(0x0800, Packets.ipv4(src, dst, 17, 0, 0, new byte[0],
            Packets.udp(srcPort, dstPort, ipLength - 28)));
    }

    private static List<LabelRecord> read(final Path journal) throws Exception
    {
        try (JournalReader reader = new JournalReader(journal))
        {
            return reader.readAll();
        }
    }

    /** Records whose (5-tuple, block start) an earlier record already had. */
    private static List<String> duplicates(final List<LabelRecord> records)
    {
        final Set<String> seen = new HashSet<>();
        final List<String> duplicates = new ArrayList<>();
        for (final LabelRecord r : records)
        {
            final String key = r.srcIp() + ":" + r.srcPort + ">" + r.dstIp() + ":" + r.dstPort + "/" + r.protocol +
                " @" + r.startNanos;
            if (!seen.add(key))
            {
                duplicates.add(key);
            }
        }
        return duplicates;
    }
}

package io.flowpic.sensor.daemon;

import io.flowpic.flowtable.capture.CaptureWriter;
import io.flowpic.flowtable.capture.LinkType;
import io.flowpic.flowtable.decode.Packets;
import io.flowpic.sensor.config.ConfigLoader;
import io.flowpic.sensor.journal.LabelRecord;
import io.flowpic.sensor.pipeline.SensorCounters;
import io.flowpic.sensor.testing.TestCaptures;
import io.flowpic.sensor.testing.TestModels;
import io.flowpic.sensor.testing.VethPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shutdown classifies every open block that qualifies, even when they are many times the hand-off queue: the
 * final flush waits for inference (up to the stop deadline) instead of counting them as dropped.
 */
class LiveShutdownVethTest
{
    private static final int FLOWS = 2000;
    private static final int PACKETS_PER_FLOW = 10;
    private static final int QUEUE_SIZE = 64;

    @TempDir
    Path dir;

    @Test
    @Timeout(180)
    void everyQualifyingOpenBlockIsJournaledAtStopNoneDropped() throws Exception
    {
        try (VethPair pair = VethPair.create())
        {
            final Path model = TestModels.write(dir.resolve("model"), 32, 15, "stop-fixed");
            final Path capture = manyFlows(dir.resolve("flows.pcap"));
            final StringWriter log = new StringWriter();
            final LiveSensor sensor = LiveSensor.start(new ConfigLoader().load(LiveSensorVethTest.writeConfig(dir,
                pair, model, "inference:\n  queue-size: " + QUEUE_SIZE + "\nmetrics:\n  enabled: false")), null,
                new PrintWriter(log));
            final SensorCounters counters = sensor.counters();
            final String summary;
            final long flows;
            final long journaled;
            final long tooSmall;
            final long dropped;
            try
            {
                // 20,000 packets in ~2 s: every flow's 15 s block is still open when the sensor stops.
                pair.replayFromNamespace(capture, 10_000);
                final long deadline = System.nanoTime() + 10_000_000_000L;
                while (counters.packetsDecoded.get() < FLOWS * PACKETS_PER_FLOW && System.nanoTime() < deadline)
                {
                    Thread.sleep(20);
                }
                assertEquals(0, counters.blocksQueued.get(), "no block may finish before the stop: " + log);
                sensor.stop();
                // The counters live in a file the sensor unmaps on close: read them first.
                flows = counters.flowTable.flowsCreated.get();
                journaled = counters.journalRecords.get();
                tooSmall = counters.blocksTooSmall.get();
                dropped = counters.blocksDropped.get();
                summary = "flows " + flows + ", journaled " + journaled + ", too small " + tooSmall +
                    ", dropped " + dropped + ", decoded " + counters.packetsDecoded.get() + ", ring drops " +
                    counters.packetsRingDropped.get() + "; log: " + log;
            }
            finally
            {
                sensor.close();
            }
            System.out.println("shutdown with " + FLOWS + " open flows, queue " + QUEUE_SIZE + ": " + summary);
            assertEquals(0, dropped, summary);
            assertTrue(flows >= FLOWS, summary);
            assertEquals(flows, journaled + tooSmall, "every open block journaled or too small: " + summary);
            // Normally nothing is lost on a veth; allow a few captured-short flows on a busy machine.
            assertTrue(journaled >= FLOWS * 95L / 100, summary);
            final List<LabelRecord> records = LiveSensorVethTest.journal(dir.resolve("journal"));
            assertEquals(journaled, records.size());
        }
    }

    /** FLOWS UDP flows PEER → HOST, interleaved so all are open at once, PACKETS_PER_FLOW packets each. */
    private static Path manyFlows(final Path file) throws Exception
    {
        final CaptureWriter pcap = CaptureWriter.pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET);
        for (int round = 0; round < PACKETS_PER_FLOW; round++)
        {
            for (int flow = 0; flow < FLOWS; flow++)
            {
                final byte[] ip = Packets.ipv4(TestCaptures.PEER, TestCaptures.HOST, 17, 0, 0, new byte[0],
                    Packets.udp(20_000 + flow, 5000, 72 + round));
                pcap.record(1_700_000_000L, round * 100_000L + flow, Packets.ethernet(0x0800, ip));
            }
        }
        Files.write(file, pcap.bytes());
        return file;
    }
}

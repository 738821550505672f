package io.flowpic.sensor.daemon;

import io.flowpic.flowtable.capture.CaptureWriter;
import io.flowpic.flowtable.capture.LinkType;
import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.flowtable.decode.Packets;
import io.flowpic.sensor.config.ConfigLoader;
import io.flowpic.sensor.pipeline.SensorCounters;
import io.flowpic.sensor.testing.TestModels;
import io.flowpic.sensor.testing.VethPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A flood at tcpreplay's top speed into a sensor with a tiny flow table and inference queue: capture
 * goes on and the table refuses new flows, with a counter, the shutdown flush waits for the small queue
 * rather than dropping, and the counters add up. (bench/overload.sh runs the minute-long version and measures RSS.)
 */
class LiveOverloadTest
{
    @TempDir
    Path dir;

    /** 4,000 flows × 12 packets, all in the first second, so every block ends at the same moment. */
    private static Path flood(final Path file) throws Exception
    {
        final CaptureWriter pcap = CaptureWriter.pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET);
        for (int i = 0; i < 12; i++)
        {
            for (int flow = 0; flow < 4000; flow++)
            {
                final byte[] ip = Packets.ipv4(LiveSensorVethTest.PEER, LiveSensorVethTest.HOST, 17, 0, 0,
                    new byte[0], Packets.udp(10000 + flow, 5000 + i % 2, 64));
                pcap.record(1_700_000_000L, i * 1000L + flow / 10, Packets.ethernet(0x0800, ip));
            }
        }
        Files.write(file, pcap.bytes());
        return file;
    }

    @Test
    void floodIsCountedNotFatal() throws Exception
    {
        try (VethPair pair = VethPair.create())
        {
            final Path model = TestModels.write(dir.resolve("model"), 32, 15, "overload");
            final Path config = LiveSensorVethTest.writeConfig(dir, pair, model, String.join("\n",
                "metrics:", "  enabled: false", "inference:", "  queue-size: 16"))
                .getParent().resolve("live.yaml");
            Files.writeString(config, Files.readString(config).replace("  max-flows: 65536", "  max-flows: 1000"));
            try (LiveSensor sensor = LiveSensor.start(new ConfigLoader().load(config), null,
                new PrintWriter(new StringWriter())))
            {
                final Path capture = flood(dir.resolve("flood.pcap"));
                pair.inNamespace(120, "tcpreplay", "-q", "--topspeed", "--loop=3", "-i", pair.peerEnd,
                    capture.toString());
                Thread.sleep(500);
                sensor.stop();
                sensor.tick();
                final SensorCounters c = sensor.counters();
                long malformed = 0;
                long skipped = 0;
                for (final DecodeResult result : DecodeResult.values())
                {
                    if (result != DecodeResult.OK)
                    {
                        malformed += result.isMalformed() ? c.decodeResults[result.ordinal()].get() : 0;
                        skipped += result.isSkipped() ? c.decodeResults[result.ordinal()].get() : 0;
                    }
                }
                final long captured = c.packetsReceived.get();
                assertTrue(captured + c.kernelDropped.get() >= 3 * 48_000, "sent 144,000: captured " + captured +
                    ", kernel drops " + c.kernelDropped.get());
                assertEquals(captured, c.packetsDecoded.get() + malformed + skipped + c.packetsRingDropped.get(),
                    "every captured packet is decoded or counted by reason");
                assertEquals(1000, c.flowTable.flowsCreated.get(), "the table held its 1,000 flows, no more");
                assertTrue(c.flowTable.packetsRejectedTableFull.get() > 0, "new flows beyond it are refused");
                // The 1,000 blocks are still open at the stop; the final flush waits for the 16-block queue.
                assertEquals(0, c.blocksDropped.get(), "shutdown classifies every open block that qualifies");
                assertEquals(c.blocksQueued.get(), c.blocksClassified.get(),
                    "every queued block was classified and journaled");
                assertEquals(c.blocksClassified.get(), c.journalRecords.get());
                assertTrue(c.blocksClassified.get() + c.blocksDropped.get() + c.blocksTooSmall.get() >= 1000);
            }
        }
    }
}

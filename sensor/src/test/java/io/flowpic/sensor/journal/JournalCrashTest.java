package io.flowpic.sensor.journal;

import io.flowpic.sensor.testing.SensorProcess;
import io.flowpic.sensor.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 of a process while it journals, then a restart on the same journal: every record written
 * before the kill reads back whole, no torn record is visible, and new records append after them.
 */
class JournalCrashTest
{
    private static final int FLOWS = 1000;
    private static final int SECONDS = 300;
    private static final int PACKETS_PER_BLOCK = 15;

    @TempDir
    Path dir;

    /**
     * FLOWS UDP flows, one packet per flow per second for SECONDS seconds: a 15-packet block per flow
     * finishes every 15 s of packet time, so records stream out during the whole replay.
     */
    private static void writeCapture(final Path file, final int flows, final int seconds) throws Exception
    {
        final ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(0xA1B2C3D4).putShort((short)2).putShort((short)4).putInt(0).putInt(0).putInt(65535).putInt(101);
        final ByteBuffer packet = ByteBuffer.allocate(16 + 28).order(ByteOrder.LITTLE_ENDIAN);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20))
        {
            out.write(header.array());
            for (int second = 0; second < seconds; second++)
            {
                for (int flow = 0; flow < flows; flow++)
                {
                    packet.clear();
                    packet.putInt(1_700_000_000 + second).putInt(flow).putInt(28).putInt(28);
                    packet.order(ByteOrder.BIG_ENDIAN);
                    // IPv4 20 bytes (raw IP link type 101) + UDP 8 bytes, 10.0.x.y:port -> 10.1.0.1:53
                    packet.put((byte)0x45).put((byte)0).putShort((short)28).putShort((short)0).putShort((short)0)
                        .put((byte)64).put((byte)17).putShort((short)0)
                        .putInt(0x0A000000 | flow).putInt(0x0A010001)
                        .putShort((short)(10000 + flow)).putShort((short)53).putShort((short)8).putShort((short)0);
                    packet.order(ByteOrder.LITTLE_ENDIAN);
                    out.write(packet.array());
                }
            }
        }
    }

    private static int countValid(final Path journal) throws Exception
    {
        try (JournalReader reader = new JournalReader(journal))
        {
            return checkAll(reader.readAll());
        }
    }

    private static int checkAll(final List<LabelRecord> records)
    {
        for (final LabelRecord r : records)
        {
            assertEquals(PACKETS_PER_BLOCK, r.packets, "a torn or corrupt record would not read back whole");
            assertEquals(PACKETS_PER_BLOCK * 28L, r.bytes);
            assertEquals(17, r.protocol);
            assertEquals(53, r.dstPort);
            assertEquals("10.1.0.1", r.dstIp());
            assertEquals(TestModels.LABELS.size(), r.scores.length);
            float sum = 0;
            for (final float s : r.scores)
            {
                sum += s;
            }
            assertEquals(1f, sum, 1e-4f);
            assertTrue(TestModels.LABELS.contains(r.label));
        }
        return records.size();
    }

    @Test
    void recordsWrittenBeforeKillNineSurviveAndNewOnesAppendAfterThem() throws Exception
    {
        final Path capture = dir.resolve("stream.pcap");
        writeCapture(capture, FLOWS, SECONDS);
        final Path model = TestModels.write(dir.resolve("model"), 32, 15, "crash");
        final Path journal = dir.resolve("journal");
        // Batch size 1: one model call per record keeps the writer busy long enough to be killed mid-stream.
        final Path config = dir.resolve("slow.yaml");
        Files.writeString(config, "inference:\n  batch-size: 1\nflow-table:\n  max-flows: 65536\n" +
            "  max-open-packets: 1000000\ncapture:\n  ring-buffer-mb: 4\n");

        final int beforeKill;
        try (SensorProcess replay = SensorProcess.start(SensorProcess.javaCommand(null, "replay", "--config",
            config.toString(), "--model", model.toString(), "--journal", journal.toString(), capture.toString())))
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            int seen = 0;
            while (seen < 2000 && System.nanoTime() < deadline)
            {
                Thread.sleep(20);
                try (JournalReader reader = new JournalReader(journal))
                {
                    seen = reader.readAll().size();
                }
                catch (final java.io.IOException notCreatedYet)
                {
                    seen = 0;
                }
            }
            assertTrue(seen >= 2000, "journal never reached 2000 records; output:\n" + replay.output());
            replay.signal("KILL");
            assertEquals(137, replay.awaitExit(30), "killed by SIGKILL, not finished: " + replay.output());
            beforeKill = seen;
        }

        final int survived = countValid(journal);
        System.out.println("journal crash test: " + beforeKill + " records seen before kill -9, " + survived +
            " read back intact after it");
        assertTrue(survived >= beforeKill, "records seen before the kill: " + beforeKill + ", after: " + survived);
        assertTrue(survived < FLOWS * SECONDS / PACKETS_PER_BLOCK, "the kill must land mid-stream");

        final Path small = dir.resolve("small.pcap");
        writeCapture(small, 10, 15);
        try (SensorProcess again = SensorProcess.start(SensorProcess.javaCommand(null, "replay", "--config",
            config.toString(), "--model", model.toString(), "--journal", journal.toString(), small.toString())))
        {
            assertEquals(0, again.awaitExit(120), again.output());
        }
        try (JournalReader reader = new JournalReader(journal))
        {
            final List<LabelRecord> all = reader.readAll();
            checkAll(all);
            assertEquals(survived + 10, all.size(), "the restart appends its 10 records after the survivors");
            for (int i = survived; i < all.size(); i++)
            {
                assertTrue(all.get(i).srcPort < 10010, "new records come after the old ones");
            }
        }
    }
}

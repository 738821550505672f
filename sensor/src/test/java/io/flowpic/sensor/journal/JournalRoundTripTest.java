package io.flowpic.sensor.journal;

import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class JournalRoundTripTest
{
    @TempDir
    Path dir;

    @Test
    void recordsReadBackFieldByFieldAndAppendAcrossReopen() throws Exception
    {
        final String[] labels = {"chat", "video"};
        try (JournalWriter writer = new JournalWriter(dir, RollCycles.FAST_DAILY))
        {
            final LabelRecord record = new LabelRecord();
            record.ipVersion = 4;
            LabelRecord.putAddress(4, 0, 0xC0A80001L, record.srcAddress);
            LabelRecord.putAddress(4, 0, 0x08080808L, record.dstAddress);
            record.srcPort = 65535;
            record.dstPort = 443;
            record.protocol = 6;
            record.startNanos = 1_700_000_000_123_456_789L;
            record.endNanos = record.startNanos + 15_000_000_000L;
            record.packets = 42;
            record.bytes = 1L << 33;
            record.label = "video";
            record.confidence = 0.75f;
            record.modelId = "m-1";
            record.scoreLabels = labels;
            record.scores = new float[] {0.25f, 0.75f};
            writer.append(record);
        }
        try (JournalWriter writer = new JournalWriter(dir, RollCycles.FAST_DAILY))
        {
            final LabelRecord record = new LabelRecord();
            record.ipVersion = 6;
            LabelRecord.putAddress(6, 0x20010DB800000000L, 1, record.srcAddress);
            LabelRecord.putAddress(6, 0xFE80000000000000L, 0xABCDL, record.dstAddress);
            record.protocol = 17;
            record.label = "chat";
            record.modelId = "m-1";
            record.scoreLabels = labels;
            record.scores = new float[] {0.9f, 0.1f};
            writer.append(record);
        }

        try (JournalReader reader = new JournalReader(dir))
        {
            final List<LabelRecord> records = reader.readAll();
            assertEquals(2, records.size());
            final LabelRecord first = records.get(0);
            assertEquals("192.168.0.1", first.srcIp());
            assertEquals("8.8.8.8", first.dstIp());
            assertEquals(65535, first.srcPort);
            assertEquals(443, first.dstPort);
            assertEquals("TCP", first.protocolName());
            assertEquals(1_700_000_000_123_456_789L, first.startNanos);
            assertEquals(1_700_000_015_123_456_789L, first.endNanos);
            assertEquals(42, first.packets);
            assertEquals(1L << 33, first.bytes);
            assertEquals("video", first.label);
            assertEquals(0.75f, first.confidence);
            assertEquals("m-1", first.modelId);
            assertArrayEquals(labels, first.scoreLabels);
            assertArrayEquals(new float[] {0.25f, 0.75f}, first.scores);
            final LabelRecord second = records.get(1);
            assertEquals("2001:db8:0:0:0:0:0:1", second.srcIp());
            assertEquals("fe80:0:0:0:0:0:0:abcd", second.dstIp());
            assertEquals("UDP", second.protocolName());
            assertEquals("chat", second.label);
        }
    }
}

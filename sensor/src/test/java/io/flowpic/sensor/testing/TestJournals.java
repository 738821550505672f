package io.flowpic.sensor.testing;

import io.flowpic.sensor.journal.JournalWriter;
import io.flowpic.sensor.journal.LabelRecord;
import net.openhft.chronicle.queue.RollCycles;

import java.io.IOException;
import java.nio.file.Path;

/** Journals of made-up label records, for exporter tests that need records but not a model. */
public final class TestJournals
{
    public static final long T0_NANOS = 1_700_000_000_000_000_000L;
    private static final String[] LABELS = TestModels.LABELS.toArray(new String[0]);

    private TestJournals()
    {
    }

    /**
     * Appends records {@code first .. first+count-1} of a fixed sequence: record i is unique by its source port
     * and start time, alternates IPv4/IPv6 and TCP/UDP, and has {@code i % 5} as its label's index.
     */
    public static void append(final Path directory, final int first, final int count) throws IOException
    {
        try (JournalWriter writer = new JournalWriter(directory, RollCycles.FAST_HOURLY))
        {
            for (int i = first; i < first + count; i++)
            {
                if (!writer.append(record(i)))
                {
                    throw new IOException("journal refused record " + i);
                }
            }
        }
    }

    public static LabelRecord record(final int i)
    {
        final LabelRecord record = new LabelRecord();
        record.ipVersion = i % 3 == 2 ? 6 : 4;
        if (record.ipVersion == 4)
        {
            LabelRecord.putAddress(4, 0, 0x0A000000L | (i & 0xFFFF), record.srcAddress);
            LabelRecord.putAddress(4, 0, 0xC0A80001L, record.dstAddress);
        }
        else
        {
            LabelRecord.putAddress(6, 0x20010db800000000L, i, record.srcAddress);
            LabelRecord.putAddress(6, 0x20010db8ffff0000L, 1, record.dstAddress);
        }
        record.protocol = i % 2 == 0 ? 6 : 17;
        record.srcPort = 1024 + i % 60000;
        record.dstPort = i % 2 == 0 ? 443 : 3478;
        record.startNanos = T0_NANOS + i * 1_000_000L;
        record.endNanos = record.startNanos + 15_000_000_000L;
        record.packets = 10 + i % 1000;
        record.bytes = 1500L * record.packets - i % 7;
        final int label = i % LABELS.length;
        record.label = LABELS[label];
        record.modelId = "test-model";
        record.scoreLabels = LABELS;
        record.scores = new float[LABELS.length];
        for (int k = 0; k < LABELS.length; k++)
        {
            record.scores[k] = k == label ? 0.6f : 0.1f;
        }
        record.confidence = 0.6f;
        return record;
    }
}

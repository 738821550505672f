package io.flowpic.sensor.export.ipfix;

import io.flowpic.sensor.journal.LabelRecord;

import java.util.ArrayList;
import java.util.List;

/** Varied label records: both address families, TCP and UDP, several labels, times in the recent past. */
final class IpfixTestData
{
    static final String[] CLASSES = {"chat", "email", "video", "voip", "file-transfer"};
    /** 2026-01-02T03:04:05.678Z, whole milliseconds so the encoder's millisecond times compare exactly. */
    static final long BASE_NANOS = 1_767_323_045_678L * 1_000_000L;

    private IpfixTestData()
    {
    }

    static List<LabelRecord> records(final int count)
    {
        final List<LabelRecord> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            final LabelRecord r = new LabelRecord();
            r.ipVersion = i % 3 == 2 ? 6 : 4;
            if (r.ipVersion == 4)
            {
                LabelRecord.putAddress(4, 0, 0x0A00_0000L | (i + 1), r.srcAddress);
                LabelRecord.putAddress(4, 0, 0xC0A8_0100L | (i % 250 + 1), r.dstAddress);
            }
            else
            {
                LabelRecord.putAddress(6, 0x2001_0db8_0000_0001L, 0x1000L + i, r.srcAddress);
                LabelRecord.putAddress(6, 0x2001_0db8_0000_0002L, 0x2000L + i, r.dstAddress);
            }
            r.srcPort = 40_000 + i;
            r.dstPort = i % 2 == 0 ? 443 : 53;
            r.protocol = i % 2 == 0 ? 6 : 17;
            r.startNanos = BASE_NANOS + i * 1_000_000_000L;
            r.endNanos = r.startNanos + 15_000_000_000L + i * 1_000_000L;
            r.packets = 10 + i;
            r.bytes = 5_000_000_000L + i * 1000L;
            r.label = CLASSES[i % CLASSES.length];
            r.confidence = 0.5f + (i % 5) / 10f;
            r.modelId = "flowpic-iscx-" + (i % 2 == 0 ? "v1" : "v2");
            r.scoreLabels = CLASSES;
            r.scores = new float[CLASSES.length];
            for (int c = 0; c < CLASSES.length; c++)
            {
                r.scores[c] = c == i % CLASSES.length ? r.confidence : (1 - r.confidence) / (CLASSES.length - 1);
            }
            records.add(r);
        }
        return records;
    }

    static long startMillis(final LabelRecord r)
    {
        return r.startNanos / 1_000_000L;
    }

    static long endMillis(final LabelRecord r)
    {
        return r.endNanos / 1_000_000L;
    }
}

package io.flowpic.sensor.export.kafka;

import io.flowpic.flowtable.flow.FlowTableCounters;
import io.flowpic.sensor.export.CommunityId;
import io.flowpic.sensor.export.EcsDocument;
import io.flowpic.sensor.export.ExportCounters;
import io.flowpic.sensor.journal.LabelRecord;

/** Records, documents and counters for the Kafka exporter's tests. */
final class KafkaTestRecords
{
    static final String[] LABELS = {"voip", "video", "chat"};
    static final String HOST = "sensor-test";

    private KafkaTestRecords()
    {
    }

    /**
     * Record {@code i}: block {@code i / 50} of conversation {@code i % 50} (source 10.0.0.(1 + i % 50), port
     * 10000 + i % 50), so keys spread over partitions and each conversation has many blocks; {@code bytes} =
     * 1000 + i tells the records apart.
     */
    static LabelRecord record(final int i)
    {
        final LabelRecord record = new LabelRecord();
        record.startNanos = 1_700_000_000_000_000_000L + i * 1_000_000L;
        record.endNanos = record.startNanos + 500_000_000L;
        record.ipVersion = 4;
        LabelRecord.putAddress(4, 0, 0x0A000001L + (i % 50), record.srcAddress);
        LabelRecord.putAddress(4, 0, 0xC0A80001L, record.dstAddress);
        record.srcPort = 10_000 + i % 50;
        record.dstPort = 443;
        record.protocol = i % 50 % 2 == 0 ? 6 : 17;
        record.packets = 1 + i % 100;
        record.bytes = 1000L + i;
        record.label = LABELS[i % LABELS.length];
        record.confidence = 0.5f + (i % 50) / 100f;
        record.modelId = "test-model";
        record.scoreLabels = LABELS;
        record.scores = new float[] {0.2f, 0.3f, 0.5f};
        return record;
    }

    static EcsDocument document()
    {
        return new EcsDocument(new CommunityId(0), HOST);
    }

    static ExportCounters counters()
    {
        return new ExportCounters(FlowTableCounters.standaloneCountersManager(16), "kafka-test");
    }
}

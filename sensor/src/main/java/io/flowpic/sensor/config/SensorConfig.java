package io.flowpic.sensor.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.flowpic.flowtable.flow.FlowPicSpec;

/** The sensor's whole configuration: one immutable, validated object (see {@link ConfigLoader}). */
public record SensorConfig(
    Capture capture,
    FlowTable flowTable,
    FlowPic flowpic,
    Model model,
    Inference inference,
    Journal journal,
    Metrics metrics)
{
    public record Capture(
        @JsonProperty("interface") String iface,
        int snapLength,
        boolean promiscuous,
        int bufferSizeMb,
        String filter,
        boolean nanosecondTimestamps,
        int ringBufferMb)
    {
    }

    public record FlowTable(int maxFlows, int idleTimeoutSeconds, int maxOpenPackets)
    {
    }

    public record FlowPic(int resolution, int blockSeconds, int maxPacketSize, int minPackets)
    {
        public FlowPicSpec spec()
        {
            return new FlowPicSpec(resolution, blockSeconds, maxPacketSize, minPackets);
        }
    }

    public record Model(String path)
    {
    }

    public record Inference(int batchSize, int maxWaitMs, int threads, int queueSize)
    {
    }

    public record Journal(String path, String rollCycle, int retentionHours, int minFreeMb)
    {
    }

    public record Metrics(boolean enabled, String bind, int port)
    {
    }

    public SensorConfig withModelPath(final String path)
    {
        return new SensorConfig(capture, flowTable, flowpic, new Model(path), inference, journal, metrics);
    }

    public SensorConfig withJournalPath(final String path)
    {
        return new SensorConfig(capture, flowTable, flowpic, model,
            inference, new Journal(path, journal.rollCycle(), journal.retentionHours(), journal.minFreeMb()), metrics);
    }

    public SensorConfig withInterface(final String iface)
    {
        return new SensorConfig(new Capture(iface, capture.snapLength(), capture.promiscuous(),
            capture.bufferSizeMb(), capture.filter(), capture.nanosecondTimestamps(), capture.ringBufferMb()),
            flowTable, flowpic, model, inference, journal, metrics);
    }
}

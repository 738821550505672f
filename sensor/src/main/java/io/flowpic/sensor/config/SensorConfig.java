package io.flowpic.sensor.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.flowpic.flowtable.flow.FlowPicSpec;

import java.util.List;
import java.util.Map;

/** The sensor's whole configuration: one immutable, validated object (see {@link ConfigLoader}). */
public record SensorConfig(
    Capture capture,
    FlowTable flowTable,
    FlowPic flowpic,
    Model model,
    Inference inference,
    Journal journal,
    Metrics metrics,
    List<Export> export,
    Pipeline pipeline)
{
    /** How the packet path is spread over threads. */
    public record Pipeline(int flowAgents)
    {
    }

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

    /**
     * @param minConfidence a block whose top calibrated score is below this is journaled as
     *                      {@link io.flowpic.inference.ConfidenceThreshold#UNKNOWN} (every score still recorded);
     *                      0 = off, every block gets its top class
     */
    public record FlowPic(int resolution, int blockSeconds, int maxPacketSize, int minPackets, double minConfidence)
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

    /**
     * One export destination ({@code to}, a URI of {@link io.flowpic.sensor.export.ExportUri}) and its options;
     * an option left out (null) takes the default below, and one that does not apply to the destination's
     * kind is refused at load.
     */
    public record Export(
        String to,
        String name,
        Integer communityIdSeed,
        Integer maxSizeMb,
        Integer maxFiles,
        Long enterpriseNumber,
        Integer observationDomain,
        Integer maxMessageBytes,
        Integer templateResendSeconds,
        Map<String, String> producer)
    {
        public static final int DEFAULT_MAX_SIZE_MB = 100;
        public static final int DEFAULT_MAX_FILES = 5;
        /** RFC 5612's documentation PEN: operators exporting to a shared collector should set their own. */
        public static final long DEFAULT_ENTERPRISE_NUMBER = 32473;
        public static final int DEFAULT_MAX_MESSAGE_BYTES = 1400;
        public static final int DEFAULT_TEMPLATE_RESEND_SECONDS = 60;

        /** A destination with every option at its default. */
        public static Export of(final String to)
        {
            return new Export(to, null, null, null, null, null, null, null, null, null);
        }

        public Export withName(final String newName)
        {
            return new Export(to, newName, communityIdSeed, maxSizeMb, maxFiles, enterpriseNumber, observationDomain,
                maxMessageBytes, templateResendSeconds, producer);
        }

        public int communityIdSeedOrDefault()
        {
            return communityIdSeed == null ? 0 : communityIdSeed;
        }

        public int maxSizeMbOrDefault()
        {
            return maxSizeMb == null ? DEFAULT_MAX_SIZE_MB : maxSizeMb;
        }

        public int maxFilesOrDefault()
        {
            return maxFiles == null ? DEFAULT_MAX_FILES : maxFiles;
        }

        public long enterpriseNumberOrDefault()
        {
            return enterpriseNumber == null ? DEFAULT_ENTERPRISE_NUMBER : enterpriseNumber;
        }

        public int observationDomainOrDefault()
        {
            return observationDomain == null ? 0 : observationDomain;
        }

        public int maxMessageBytesOrDefault()
        {
            return maxMessageBytes == null ? DEFAULT_MAX_MESSAGE_BYTES : maxMessageBytes;
        }

        public int templateResendSecondsOrDefault()
        {
            return templateResendSeconds == null ? DEFAULT_TEMPLATE_RESEND_SECONDS : templateResendSeconds;
        }

        public Map<String, String> producerOrEmpty()
        {
            return producer == null ? Map.of() : producer;
        }
    }

    public SensorConfig withModelPath(final String path)
    {
        return new SensorConfig(capture, flowTable, flowpic, new Model(path), inference, journal, metrics, export, pipeline);
    }

    public SensorConfig withExport(final List<Export> newExport)
    {
        return new SensorConfig(capture, flowTable, flowpic, model, inference, journal, metrics, newExport, pipeline);
    }

    public SensorConfig withMinConfidence(final double threshold)
    {
        return new SensorConfig(capture, flowTable, new FlowPic(flowpic.resolution(), flowpic.blockSeconds(),
            flowpic.maxPacketSize(), flowpic.minPackets(), threshold), model, inference, journal, metrics, export, pipeline);
    }

    public SensorConfig withJournalPath(final String path)
    {
        return new SensorConfig(capture, flowTable, flowpic, model,
            inference, new Journal(path, journal.rollCycle(), journal.retentionHours(), journal.minFreeMb()), metrics,
            export, pipeline);
    }

    public SensorConfig withInterface(final String iface)
    {
        return new SensorConfig(new Capture(iface, capture.snapLength(), capture.promiscuous(),
            capture.bufferSizeMb(), capture.filter(), capture.nanosecondTimestamps(), capture.ringBufferMb()),
            flowTable, flowpic, model, inference, journal, metrics, export, pipeline);
    }
}

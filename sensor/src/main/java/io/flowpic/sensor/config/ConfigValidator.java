package io.flowpic.sensor.config;

import io.flowpic.flowtable.flow.FlowPicSpec;
import io.flowpic.sensor.export.ExportUri;
import io.flowpic.sensor.export.kafka.KafkaOptions;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Range checks that the YAML binding cannot express; each failure names the file and the key. */
final class ConfigValidator
{
    /** Each flow agent has its own set of counters in the counters file (CountersFile holds 2,048). */
    static final int MAX_FLOW_AGENTS = 16;

    private final String file;

    ConfigValidator(final String file)
    {
        this.file = file;
    }

    void validate(final SensorConfig config) throws ConfigException
    {
        final SensorConfig.Capture capture = config.capture();
        range("capture.snap-length", capture.snapLength(), 64, 262144);
        range("capture.buffer-size-mb", capture.bufferSizeMb(), 1, 4096);
        range("capture.ring-buffer-mb", capture.ringBufferMb(), 1, 1024);
        if (Integer.bitCount(capture.ringBufferMb()) != 1)
        {
            fail("capture.ring-buffer-mb", capture.ringBufferMb(), "must be a power of two");
        }
        notNull("capture.interface", capture.iface());
        notNull("capture.filter", capture.filter());

        range("flow-table.max-flows", config.flowTable().maxFlows(), 1, io.flowpic.flowtable.flow.FlowTable.MAX_FLOWS);
        range("flow-table.idle-timeout-seconds", config.flowTable().idleTimeoutSeconds(), 1, 86400);
        range("flow-table.max-open-packets", config.flowTable().maxOpenPackets(), 1000, 1 << 30);

        final SensorConfig.FlowPic flowpic = config.flowpic();
        // The shapes a model may have (FlowPicSpec holds the one list): any other could never match the model.
        if (!FlowPicSpec.MODEL_RESOLUTIONS.contains(flowpic.resolution()))
        {
            fail("flowpic.resolution", flowpic.resolution(), "must be one of " +
                new TreeSet<>(FlowPicSpec.MODEL_RESOLUTIONS));
        }
        if (!FlowPicSpec.MODEL_BLOCK_SECONDS.contains(flowpic.blockSeconds()))
        {
            fail("flowpic.block-seconds", flowpic.blockSeconds(), "must be one of " +
                new TreeSet<>(FlowPicSpec.MODEL_BLOCK_SECONDS));
        }
        range("flowpic.max-packet-size", flowpic.maxPacketSize(), FlowPicSpec.MIN_MAX_PACKET_SIZE,
            FlowPicSpec.MAX_MAX_PACKET_SIZE);
        range("flowpic.min-packets", flowpic.minPackets(), 1, 1_000_000);
        if (!(flowpic.minConfidence() >= 0 && flowpic.minConfidence() <= 1))
        {
            fail("flowpic.min-confidence", flowpic.minConfidence(),
                "must be 0 (off) or a score in (0, 1]: blocks whose top score is below it are labelled unknown");
        }

        range("pipeline.flow-agents", config.pipeline().flowAgents(), 1, MAX_FLOW_AGENTS);

        notBlank("model.path", config.model().path());

        final SensorConfig.Inference inference = config.inference();
        range("inference.batch-size", inference.batchSize(), 1, 4096);
        range("inference.max-wait-ms", inference.maxWaitMs(), 0, 60_000);
        range("inference.threads", inference.threads(), 1, 256);
        range("inference.queue-size", inference.queueSize(), 2, 1 << 20);

        notBlank("journal.path", config.journal().path());
        notBlank("journal.roll-cycle", config.journal().rollCycle());
        if (!ConfigLoader.isRollCycle(config.journal().rollCycle()))
        {
            fail("journal.roll-cycle", config.journal().rollCycle(),
                "must be one of FIVE_MINUTELY, TEN_MINUTELY, TWENTY_MINUTELY, HALF_HOURLY, FAST_HOURLY, " +
                "TWO_HOURLY, FOUR_HOURLY, SIX_HOURLY, FAST_DAILY, WEEKLY");
        }
        range("journal.retention-hours", config.journal().retentionHours(), 0, 24 * 3650);
        range("journal.min-free-mb", config.journal().minFreeMb(), 0, 1 << 20);

        notBlank("metrics.bind", config.metrics().bind());
        range("metrics.port", config.metrics().port(), 0, 65535);

        validateExports(config.export());
    }

    private void validateExports(final List<SensorConfig.Export> exports) throws ConfigException
    {
        if (exports == null)
        {
            throw new ConfigException(file + ": 'export' must be a list (use [] for none)");
        }
        if (exports.size() > 16)
        {
            throw new ConfigException(file + ": 'export' lists " + exports.size() + " destinations; at most 16");
        }
        final Set<String> names = new HashSet<>();
        for (int i = 0; i < exports.size(); i++)
        {
            final String at = "export[" + i + "]";
            final SensorConfig.Export export = exports.get(i);
            if (export == null)
            {
                throw new ConfigException(file + ": '" + at + "' is empty (expected a mapping with 'to: URI')");
            }
            notBlank(at + ".to", export.to());
            final ExportUri uri;
            try
            {
                uri = ExportUri.parse(export.to());
            }
            catch (final IllegalArgumentException ex)
            {
                throw new ConfigException(file + ": '" + at + ".to': " + ex.getMessage());
            }
            final String name = export.name() == null ? uri.defaultName() : export.name();
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,119}"))
            {
                fail(at + ".name", name, "must be 1..120 letters, digits, '.', '_' or '-', starting with a letter or digit");
            }
            if (!names.add(name))
            {
                fail(at + ".name", name, "is used by another destination (each keeps its own read position)");
            }
            if (export.communityIdSeed() != null)
            {
                range(at + ".community-id-seed", export.communityIdSeed(), 0, 65535);
            }
            final boolean json = uri.scheme() == ExportUri.Scheme.JSON;
            final boolean ipfix = uri.scheme() == ExportUri.Scheme.IPFIX_UDP || uri.scheme() == ExportUri.Scheme.IPFIX_TCP;
            final boolean kafka = uri.scheme() == ExportUri.Scheme.KAFKA;
            only(at, "max-size-mb", export.maxSizeMb(), json, "json:");
            only(at, "max-files", export.maxFiles(), json, "json:");
            only(at, "enterprise-number", export.enterpriseNumber(), ipfix, "ipfix:");
            only(at, "observation-domain", export.observationDomain(), ipfix, "ipfix:");
            only(at, "max-message-bytes", export.maxMessageBytes(), ipfix, "ipfix:");
            only(at, "template-resend-seconds", export.templateResendSeconds(), ipfix, "ipfix:");
            only(at, "producer", export.producer(), kafka, "kafka://");
            if (export.maxSizeMb() != null)
            {
                range(at + ".max-size-mb", export.maxSizeMb(), 1, 1 << 20);
            }
            if (export.maxFiles() != null)
            {
                range(at + ".max-files", export.maxFiles(), 0, 1000);
            }
            if (export.enterpriseNumber() != null)
            {
                range(at + ".enterprise-number", export.enterpriseNumber(), 1, 0xFFFF_FFFFL);
            }
            if (export.observationDomain() != null)
            {
                range(at + ".observation-domain", export.observationDomain(), 0, Integer.MAX_VALUE);
            }
            if (export.maxMessageBytes() != null)
            {
                range(at + ".max-message-bytes", export.maxMessageBytes(), 512, 65507);
            }
            if (kafka)
            {
                try
                {
                    KafkaOptions.parse(export.to(), export.producer());
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new ConfigException(file + ": '" + at + (export.producer() == null ? ".to" : ".producer") +
                        "': " + ex.getMessage());
                }
            }
            if (export.templateResendSeconds() != null)
            {
                range(at + ".template-resend-seconds", export.templateResendSeconds(), 1, 86400);
            }
        }
    }

    private void only(final String at, final String key, final Object value, final boolean applies,
        final String scheme) throws ConfigException
    {
        if (value != null && !applies)
        {
            throw new ConfigException(file + ": '" + at + "." + key + "' applies only to " + scheme + " destinations");
        }
    }

    private void range(final String key, final long value, final long min, final long max) throws ConfigException
    {
        if (value < min || value > max)
        {
            fail(key, value, "must be in " + min + ".." + max);
        }
    }

    private void notNull(final String key, final String value) throws ConfigException
    {
        if (value == null)
        {
            fail(key, null, "must be set (use \"\" for none)");
        }
    }

    private void notBlank(final String key, final String value) throws ConfigException
    {
        if (value == null || value.isBlank())
        {
            fail(key, value, "must not be empty");
        }
    }

    private void fail(final String key, final Object value, final String why) throws ConfigException
    {
        throw new ConfigException(file + ": '" + key + "' = " + value + " " + why);
    }
}

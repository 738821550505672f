package io.flowpic.sensor.config;

/** Range checks that the YAML binding cannot express; each failure names the file and the key. */
final class ConfigValidator
{
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
        if (flowpic.resolution() != 32 && flowpic.resolution() != 64 && flowpic.resolution() != 1500)
        {
            fail("flowpic.resolution", flowpic.resolution(), "must be 32, 64 or 1500");
        }
        range("flowpic.block-seconds", flowpic.blockSeconds(), 1, 3600);
        range("flowpic.max-packet-size", flowpic.maxPacketSize(), 64, 65575);
        range("flowpic.min-packets", flowpic.minPackets(), 1, 1_000_000);

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

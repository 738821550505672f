package io.flowpic.sensor.cli;

import io.flowpic.flowtable.flow.FlowPicSpec;
import io.flowpic.inference.ModelMetadata;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** The FlowPic shape and CSV-reading options shared by the commands that turn CSV sessions into blocks. */
final class BlockOptions
{
    @Option(names = "--resolution", defaultValue = "32",
        description = "R: 32, 64 or 1500, the shapes the sensor loads (default: ${DEFAULT-VALUE}).")
    int resolution;

    @Option(names = "--block-seconds", defaultValue = "15", description = "T: 15 or 60 (default: ${DEFAULT-VALUE}).")
    int blockSeconds;

    @Option(names = "--min-packets", defaultValue = "10",
        description = "Blocks with fewer packets are left out (default: ${DEFAULT-VALUE}).")
    int minPackets;

    @Option(names = "--skip-bad-rows", description = "Count and skip malformed CSV rows instead of failing.")
    boolean skipBadRows;

    /**
     * Only shapes a model can have: blocks of any other shape (training data, pictures) could never be
     * compared with what the sensor classifies, so they are a usage error before any file is read.
     */
    void validate(final CommandSpec spec)
    {
        OptionChecks.oneOf(spec, "--resolution", resolution, ModelMetadata.RESOLUTIONS);
        OptionChecks.oneOf(spec, "--block-seconds", blockSeconds, ModelMetadata.BLOCK_SECONDS);
        OptionChecks.atLeast(spec, "--min-packets", minPackets, 1);
    }

    /** Call {@link #validate} first: then this cannot fail. */
    FlowPicSpec spec()
    {
        return new FlowPicSpec(resolution, blockSeconds, FlowPicSpec.DEFAULT_MAX_PACKET_SIZE, minPackets);
    }
}

package io.flowpic.sensor.cli;

import io.flowpic.flowtable.flow.FlowPicSpec;
import picocli.CommandLine.Option;

/** The FlowPic shape and CSV-reading options shared by the commands that turn CSV sessions into blocks. */
final class BlockOptions
{
    @Option(names = "--resolution", defaultValue = "32", description = "R (default: ${DEFAULT-VALUE}).")
    int resolution;

    @Option(names = "--block-seconds", defaultValue = "15", description = "T (default: ${DEFAULT-VALUE}).")
    int blockSeconds;

    @Option(names = "--min-packets", defaultValue = "10",
        description = "Blocks with fewer packets are left out (default: ${DEFAULT-VALUE}).")
    int minPackets;

    @Option(names = "--skip-bad-rows", description = "Count and skip malformed CSV rows instead of failing.")
    boolean skipBadRows;

    /** @throws IllegalArgumentException naming the value out of range. */
    FlowPicSpec spec()
    {
        return new FlowPicSpec(resolution, blockSeconds, FlowPicSpec.DEFAULT_MAX_PACKET_SIZE, minPackets);
    }
}

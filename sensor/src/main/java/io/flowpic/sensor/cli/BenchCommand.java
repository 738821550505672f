package io.flowpic.sensor.cli;

import io.flowpic.sensor.bench.CaptureGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmark helpers.",
    subcommands = BenchCommand.GenCapture.class)
final class BenchCommand
{
    @Command(name = "gen-capture", mixinStandardHelpOptions = true,
        description = "Write a large pcap from real captures: copies with rewritten addresses, shifted in time.")
    static final class GenCapture implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Option(names = "--packets", defaultValue = "1000000", description = "Packets to write (default: ${DEFAULT-VALUE}).")
        long packets;

        @Option(names = "--flows", defaultValue = "10000", description = "Concurrent flows to aim for (default: ${DEFAULT-VALUE}).")
        int flows;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output pcap.")
        Path out;

        @Option(names = "--snap-length", defaultValue = "65535", paramLabel = "BYTES",
            description = "Bytes kept per packet, Ethernet header included (${DEFAULT-VALUE}: whole packets as the " +
                "sources hold them; 128 writes headers only).")
        int snapLength;

        @Parameters(arity = "1..*", paramLabel = "SOURCE", description = "Real captures to build from.")
        List<Path> sources;

        public Integer call()
        {
            final PrintWriter err = spec.commandLine().getErr();
            final PrintWriter out = spec.commandLine().getOut();
            OptionChecks.atLeast(spec, "--packets", packets, 1);
            OptionChecks.atLeast(spec, "--flows", flows, 1);
            OptionChecks.atLeast(spec, "--snap-length", snapLength, CaptureGenerator.MIN_SNAP_LENGTH);
            OptionChecks.atMost(spec, "--snap-length", snapLength, CaptureGenerator.DEFAULT_SNAP_LENGTH);
            try
            {
                final CaptureGenerator generator = new CaptureGenerator(snapLength);
                final int loaded = generator.load(sources, err);
                final long written = generator.write(this.out, packets, flows);
                out.printf("wrote %d packets, about %d flows (%d source packets in %d flows) to %s%n", packets,
                    written, loaded, generator.sourceFlows(), this.out);
                out.flush();
                return ExitCodes.OK;
            }
            catch (final IOException ex)
            {
                err.println("flowpic: " + ex.getMessage());
                return ExitCodes.INPUT_ERROR;
            }
        }
    }
}

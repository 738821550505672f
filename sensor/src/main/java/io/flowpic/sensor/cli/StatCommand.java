package io.flowpic.sensor.cli;

import io.flowpic.sensor.metrics.PrometheusFormatter;
import io.flowpic.sensor.pipeline.CountersFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;

@Command(name = "stat", mixinStandardHelpOptions = true,
    description = "Print the counters of a running (or the last) `flowpic run` from its counters file, " +
        "without HTTP, as AeronStat does.")
final class StatCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Mixin
    JournalDirOptions where;

    @Option(names = "--watch", paramLabel = "SECONDS", defaultValue = "0",
        description = "Repeat every SECONDS until interrupted (0 = print once).")
    int watchSeconds;

    public Integer call() throws InterruptedException
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        OptionChecks.atLeast(spec, "--watch", watchSeconds, 0);
        final Path dir = where.resolve(err);
        if (dir == null)
        {
            return ExitCodes.CONFIG_ERROR;
        }
        try (CountersFile file = CountersFile.open(dir.resolve(CountersFile.FILE_NAME)))
        {
            do
            {
                final boolean alive = ProcessHandle.of(file.pid()).map(ProcessHandle::isAlive).orElse(false);
                out.printf("flowpic pid %d (%s), started %s%n", file.pid(), alive ? "running" : "not running",
                    Instant.ofEpochMilli(file.startMillis()));
                // The /metrics sample names and values (summed over flow agents), from the same table.
                for (final String line : new PrometheusFormatter(file.reader(), null).samples().split("\n"))
                {
                    final int space = line.lastIndexOf(' ');
                    out.printf("%-60s %20s%n", line.substring(0, space), line.substring(space + 1));
                }
                out.flush();
                if (watchSeconds > 0)
                {
                    Thread.sleep(watchSeconds * 1000L);
                    out.println();
                }
            }
            while (watchSeconds > 0);
        }
        catch (final IOException ex)
        {
            err.println("flowpic: " + ex.getMessage());
            return ExitCodes.INPUT_ERROR;
        }
        return ExitCodes.OK;
    }
}

package io.flowpic.sensor.cli;

import io.flowpic.flowtable.flow.FlowTableCounters;
import io.flowpic.sensor.config.ConfigException;
import io.flowpic.sensor.config.ConfigLoader;
import io.flowpic.sensor.config.SensorConfig;
import io.flowpic.sensor.export.ExportAgent;
import io.flowpic.sensor.export.ExportCounters;
import io.flowpic.sensor.export.ExportPosition;
import io.flowpic.sensor.export.ExportUri;
import io.flowpic.sensor.export.Exporters;
import org.agrona.concurrent.status.CountersManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {"Send journal records to the tools that read flows: ECS JSON lines (Filebeat, Vector), IPFIX " +
        "(nfacctd, nfcapd, ElastiFlow) and Kafka, each from its own saved read position (at-least-once).",
        "Destinations: " + ExportUri.FORMS + ". Without --to, the export list of --config.",
        "Without --once, follows the journal until SIGTERM/SIGINT."})
final class ExportCommand implements Callable<Integer>
{
    private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(2);

    @Spec
    CommandSpec spec;

    @Option(names = "--journal", paramLabel = "DIR", description = "Journal directory (default: journal.path of --config).")
    Path journal;

    @Option(names = "--config", paramLabel = "FILE",
        description = "YAML config: journal.path, and the export list when no --to is given (default: built-in defaults).")
    Path config;

    @Option(names = "--to", paramLabel = "URI", description = "A destination (repeatable).")
    List<String> to = new ArrayList<>();

    @Option(names = "--name", paramLabel = "NAME",
        description = "Name of the saved read position (one --to only; default: derived from the URI).")
    String name;

    @Option(names = "--from-start", description = "Forget the saved position: export the whole journal again.")
    boolean fromStart;

    @Option(names = "--once", description = "Export up to the journal's current end, then exit.")
    boolean once;

    @Option(names = "--community-id-seed", paramLabel = "N", description = "Community ID seed, 0..65535 (default: 0).")
    Integer communityIdSeed;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
        description = "With --once: give up when no record has been accepted for this long (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    public Integer call() throws InterruptedException
    {
        final PrintWriter err = spec.commandLine().getErr();
        final SensorConfig sensorConfig;
        try
        {
            sensorConfig = new ConfigLoader().load(config);
        }
        catch (final ConfigException ex)
        {
            err.println("flowpic: " + ex.getMessage());
            return ExitCodes.CONFIG_ERROR;
        }
        if (timeoutSeconds < 1)
        {
            err.println("flowpic: --timeout must be at least 1 second");
            return ExitCodes.USAGE;
        }
        if (communityIdSeed != null && (communityIdSeed < 0 || communityIdSeed > 0xFFFF))
        {
            err.println("flowpic: --community-id-seed must be in 0..65535");
            return ExitCodes.USAGE;
        }
        final List<SensorConfig.Export> exports = destinations(sensorConfig, err);
        if (exports == null)
        {
            return ExitCodes.USAGE;
        }
        final Path journalDirectory = journal != null ? journal : Path.of(sensorConfig.journal().path());
        final CountersManager counters = FlowTableCounters.standaloneCountersManager(16 * exports.size());
        final Exporters exporters = new Exporters(journalDirectory, counters, err);
        if (fromStart)
        {
            for (final SensorConfig.Export export : exports)
            {
                try (ExportPosition position = ExportPosition.open(Exporters.positionsDirectory(journalDirectory),
                    nameOf(export)))
                {
                    position.reset();
                }
                catch (final IOException ex)
                {
                    err.println("flowpic: " + ex.getMessage());
                    return ExitCodes.INPUT_ERROR;
                }
            }
        }
        return once ? exportOnce(exporters, exports, err) : follow(exporters, exports, err);
    }

    private List<SensorConfig.Export> destinations(final SensorConfig sensorConfig, final PrintWriter err)
    {
        final List<SensorConfig.Export> exports = new ArrayList<>();
        for (final String uri : to)
        {
            try
            {
                ExportUri.parse(uri);
            }
            catch (final IllegalArgumentException ex)
            {
                err.println("flowpic: --to " + ex.getMessage());
                return null;
            }
            // A destination also in the config keeps the options written there.
            exports.add(sensorConfig.export().stream().filter(e -> e.to().equals(uri)).findFirst()
                .orElse(SensorConfig.Export.of(uri)));
        }
        if (exports.isEmpty())
        {
            exports.addAll(sensorConfig.export());
        }
        if (exports.isEmpty())
        {
            err.println("flowpic: no destination: give --to URI (" + ExportUri.FORMS + ") or an export list in --config");
            return null;
        }
        if (name != null)
        {
            if (exports.size() != 1)
            {
                err.println("flowpic: --name names one destination's position; give one --to with it");
                return null;
            }
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,119}"))
            {
                err.println("flowpic: --name must be 1..120 letters, digits, '.', '_' or '-', starting with a letter or digit");
                return null;
            }
            exports.set(0, exports.get(0).withName(name));
        }
        if (communityIdSeed != null)
        {
            exports.replaceAll(e -> new SensorConfig.Export(e.to(), e.name(), communityIdSeed, e.maxSizeMb(),
                e.maxFiles(), e.enterpriseNumber(), e.observationDomain(), e.maxMessageBytes(),
                e.templateResendSeconds(), e.producer()));
        }
        return exports;
    }

    private static String nameOf(final SensorConfig.Export export)
    {
        return export.name() == null ? ExportUri.parse(export.to()).defaultName() : export.name();
    }

    private int exportOnce(final Exporters exporters, final List<SensorConfig.Export> exports, final PrintWriter err)
    {
        final List<ExportAgent> agents = new ArrayList<>();
        try
        {
            for (final SensorConfig.Export export : exports)
            {
                agents.add(exporters.open(export));
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            err.println("flowpic: " + ex.getMessage());
            agents.forEach(ExportAgent::onClose);
            return ExitCodes.INPUT_ERROR;
        }
        final long[] end = new long[agents.size()];
        for (int i = 0; i < agents.size(); i++)
        {
            agents.get(i).onStart();
            end[i] = agents.get(i).journalLastIndex();
        }
        final long timeoutNanos = TimeUnit.SECONDS.toNanos(timeoutSeconds);
        final long started = System.nanoTime();
        long lastProgress = started;
        long nextReport = started + PROGRESS_INTERVAL_NANOS;
        long sentBefore = -1;
        boolean stalled = false;
        while (true)
        {
            boolean done = true;
            int work = 0;
            long sent = 0;
            for (int i = 0; i < agents.size(); i++)
            {
                work += agents.get(i).doWork();
                done &= agents.get(i).offeredThrough(end[i]);
                sent += agents.get(i).counters().recordsSent.get();
            }
            final long now = System.nanoTime();
            if (done)
            {
                break;
            }
            if (sent != sentBefore)
            {
                sentBefore = sent;
                lastProgress = now;
            }
            else if (now - lastProgress > timeoutNanos)
            {
                stalled = true;
                break;
            }
            if (now >= nextReport)
            {
                nextReport = now + PROGRESS_INTERVAL_NANOS;
                for (final ExportAgent agent : agents)
                {
                    agent.refreshLag();
                    final ExportCounters c = agent.counters();
                    err.printf("flowpic: export to %s: %d sent, %d to go%s%n", agent.destination(), c.recordsSent.get(),
                        c.lag.get(), c.lastError() == null ? "" : " (last error: " + c.lastError() + ")");
                }
                err.flush();
            }
            if (work == 0)
            {
                Thread.onSpinWait();
                sleepQuietly();
            }
        }
        boolean complete = !stalled;
        for (final ExportAgent agent : agents)
        {
            complete &= agent.flush(timeoutNanos);
        }
        summary(agents, err);
        final double seconds = (System.nanoTime() - started) / 1e9;
        final long total = agents.stream().mapToLong(a -> a.counters().recordsSent.get()).sum();
        err.printf("flowpic: exported in %.2f s (%,.0f records/s)%n", seconds, total / Math.max(seconds, 1e-9));
        err.flush();
        agents.forEach(ExportAgent::onClose);
        if (!complete)
        {
            err.println("flowpic: export incomplete: no record accepted for " + timeoutSeconds + " s; " +
                "the saved positions keep what was sent, run again to go on");
            return ExitCodes.INPUT_ERROR;
        }
        return ExitCodes.OK;
    }

    private int follow(final Exporters exporters, final List<SensorConfig.Export> exports, final PrintWriter err)
        throws InterruptedException
    {
        final CountDownLatch stop = new CountDownLatch(1);
        try
        {
            exporters.apply(exports);
        }
        catch (final IOException | RuntimeException ex)
        {
            err.println("flowpic: " + ex.getMessage());
            exporters.close();
            return ExitCodes.INPUT_ERROR;
        }
        Signal.handle(new Signal("TERM"), signal -> stop.countDown());
        Signal.handle(new Signal("INT"), signal -> stop.countDown());
        stop.await();
        final List<ExportAgent> agents = exporters.agents();
        exporters.close();
        summary(agents, err);
        return ExitCodes.OK;
    }

    private static void summary(final List<ExportAgent> agents, final PrintWriter err)
    {
        for (final ExportAgent agent : agents)
        {
            final ExportCounters c = agent.counters();
            err.printf("flowpic: export to %s: %d records sent (%d sent again after a restart or failure), " +
                "%d errors, %d not yet accepted%s%n", agent.destination(), c.recordsSent.get(),
                c.recordsResent.get(), c.errors.get(), c.lag.get(),
                c.lastError() == null ? "" : "; last error: " + c.lastError());
        }
        err.flush();
    }

    private static void sleepQuietly()
    {
        try
        {
            Thread.sleep(1);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}

package io.flowpic.sensor.export;

import io.flowpic.sensor.config.SensorConfig;
import io.flowpic.sensor.journal.JournalReader;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.status.CountersManager;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The export stage of a sensor: one {@link ExportAgent} on its own thread per configured destination, each
 * with its own read position under {@code <journal>/export/}. Reloading keeps the exporters whose
 * destination and options are unchanged running and restarts the others from their saved positions.
 */
public final class Exporters implements AutoCloseable
{
    /** Where positions live, relative to the journal directory. */
    public static final String POSITIONS_DIRECTORY = "export";

    private final Path journalDirectory;
    private final CountersManager countersManager;
    private final PrintWriter log;
    private final String hostname = ExportSinks.hostname();
    private final Map<SensorConfig.Export, Running> running = new LinkedHashMap<>();

    private record Running(ExportAgent agent, AgentRunner runner, Throwable[] failure)
    {
    }

    public Exporters(final Path journalDirectory, final CountersManager countersManager, final PrintWriter log)
    {
        this.journalDirectory = journalDirectory;
        this.countersManager = countersManager;
        this.log = log;
    }

    public static Path positionsDirectory(final Path journalDirectory)
    {
        return journalDirectory.resolve(POSITIONS_DIRECTORY);
    }

    /**
     * Starts the exporters of {@code exports} not running yet and stops those no longer listed.
     *
     * @throws IOException when a destination cannot be opened: those already started keep running.
     */
    public synchronized void apply(final List<SensorConfig.Export> exports) throws IOException
    {
        final List<SensorConfig.Export> stale = new ArrayList<>();
        for (final SensorConfig.Export export : running.keySet())
        {
            if (!exports.contains(export))
            {
                stale.add(export);
            }
        }
        for (final SensorConfig.Export export : stale)
        {
            final Running removed = running.remove(export);
            stop(removed);
            removed.agent().counters().close();
            log.println("flowpic: export to " + export.to() + " stopped");
        }
        for (final SensorConfig.Export export : exports)
        {
            if (!running.containsKey(export))
            {
                running.put(export, start(export));
                log.println("flowpic: exporting to " + export.to());
            }
        }
        log.flush();
    }

    /** Opens one exporter (reader, position, sink) without starting a thread, for {@code export --once}. */
    public ExportAgent open(final SensorConfig.Export export) throws IOException
    {
        final String name = export.name() == null ? ExportUri.parse(export.to()).defaultName() : export.name();
        final ExportCounters counters = new ExportCounters(countersManager, name);
        JournalReader reader = null;
        ExportPosition position = null;
        try
        {
            reader = new JournalReader(journalDirectory);
            position = ExportPosition.open(positionsDirectory(journalDirectory), name);
            final ExportSink sink = ExportSinks.open(export, counters, hostname);
            return new ExportAgent(name, reader, position, sink, counters);
        }
        catch (final IOException | RuntimeException ex)
        {
            if (position != null)
            {
                position.close();
            }
            if (reader != null)
            {
                reader.close();
            }
            counters.close();
            throw ex;
        }
    }

    /** Every running exporter's counters and destination. */
    public synchronized List<ExportAgent> agents()
    {
        final List<ExportAgent> agents = new ArrayList<>();
        running.values().forEach(r -> agents.add(r.agent()));
        return agents;
    }

    /** The counters of the running exporters, for /metrics. */
    public synchronized List<ExportCounters> counters()
    {
        final List<ExportCounters> list = new ArrayList<>();
        running.values().forEach(r -> list.add(r.agent().counters()));
        return list;
    }

    /**
     * Waits until every running exporter's destination has accepted the journal up to {@code lastIndex}, or
     * the timeout passes: at shutdown, so that what was journaled last leaves now rather than at the next start.
     *
     * @return true when all caught up.
     */
    public boolean awaitAccepted(final long lastIndex, final long timeoutNanos) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeoutNanos;
        for (final ExportAgent agent : agents())
        {
            while (agent.acceptedIndex() < lastIndex)
            {
                if (System.nanoTime() >= deadline)
                {
                    return false;
                }
                Thread.sleep(10);
            }
        }
        return true;
    }

    /**
     * What /healthz says of the exporters: null when all are caught up; otherwise which are behind and why.
     * Being behind is not unhealthy (the journal holds the backlog), so this goes in the body of a 200.
     */
    public synchronized String behind()
    {
        final StringBuilder text = new StringBuilder();
        for (final Running r : running.values())
        {
            final ExportCounters c = r.agent().counters();
            final long lag = c.lag.get();
            final String error = c.lastError();
            if (r.failure()[0] != null)
            {
                text.append(text.length() == 0 ? "" : "; ").append("exporter ").append(c.name)
                    .append(" failing: ").append(r.failure()[0]);
            }
            else if (lag > 0)
            {
                text.append(text.length() == 0 ? "" : "; ").append("exporter ").append(c.name).append(" is ")
                    .append(lag).append(" records behind").append(error == null ? "" : " (last error: " + error + ")");
            }
        }
        return text.length() == 0 ? null : text.toString();
    }

    @Override
    public synchronized void close()
    {
        running.values().forEach(this::stop);
        running.clear();
    }

    private Running start(final SensorConfig.Export export) throws IOException
    {
        final ExportAgent agent = open(export);
        final Throwable[] failure = new Throwable[1];
        final AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(5), error ->
        {
            failure[0] = error;
            agent.counters().error(error.toString());
        }, null, agent);
        AgentRunner.startOnThread(runner);
        return new Running(agent, runner, failure);
    }

    /** Stops the thread (the agent flushes and saves its position on the way out); the counters stay readable. */
    private void stop(final Running r)
    {
        r.runner().close();
    }
}

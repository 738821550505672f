package io.flowpic.sensor.daemon;

import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.inference.ModelException;
import io.flowpic.sensor.capture.DefaultInterface;
import io.flowpic.sensor.capture.LiveCapture;
import io.flowpic.sensor.capture.OffloadCheck;
import io.flowpic.sensor.config.ConfigException;
import io.flowpic.sensor.config.ConfigLoader;
import io.flowpic.sensor.config.SensorConfig;
import io.flowpic.sensor.export.Exporters;
import io.flowpic.sensor.journal.JournalHousekeeping;
import io.flowpic.sensor.journal.JournalWriter;
import io.flowpic.sensor.metrics.MetricsServer;
import io.flowpic.sensor.metrics.PrometheusFormatter;
import io.flowpic.sensor.pipeline.AgentLauncher;
import io.flowpic.sensor.pipeline.BlockHandoff;
import io.flowpic.sensor.pipeline.CountersFile;
import io.flowpic.sensor.pipeline.FlowAgent;
import io.flowpic.sensor.pipeline.FlowDispatch;
import io.flowpic.sensor.pipeline.InferenceAgent;
import io.flowpic.sensor.pipeline.ModelLocator;
import io.flowpic.sensor.pipeline.PacketRing;
import io.flowpic.sensor.pipeline.PipelineContext;
import io.flowpic.sensor.pipeline.SensorCounters;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The live sensor: pcap4j capture thread → ring → flow agent (wall-clock expiry) → bounded
 * hand-off (drops counted, capture never waits) → inference agent → journal. The same pipeline
 * classes as replay; only the packet source and the clock differ.
 */
public final class LiveSensor implements AutoCloseable
{
    private static final long SHUTDOWN_WAIT_NANOS = TimeUnit.SECONDS.toNanos(20);
    /** At shutdown, how long exporters get to send what was journaled last (the rest goes at the next start). */
    private static final long EXPORT_DRAIN_NANOS = TimeUnit.SECONDS.toNanos(5);
    /**
     * Java forward pass warm-up beside the first model's start (FlowPicClassifier.warmUp): in one run each, the
     * whole-run block latency p99 went from 757 ms (three runs without: 757–837 ms) to 70 ms (bench/RESULTS.md
     * section 11). A reloaded model warms up on the reload thread before it is swapped in: its net may use kernels
     * the first did not (another filter count, pool size or resolution).
     */
    private static final long WARM_UP_NANOS = TimeUnit.SECONDS.toNanos(3);
    private static final long RELOAD_WARM_UP_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final SensorConfig config;
    private final Path configFile;
    private final PrintWriter log;
    private final CountersFile countersFile;
    private final SensorCounters counters;
    private final AgentLauncher agents = new AgentLauncher();
    private final AtomicBoolean reloading = new AtomicBoolean();
    private final String interfaceName;
    private final String interfaceReason;
    private final FlowPicClassifier firstModel;
    private final JournalWriter journal;
    private final JournalHousekeeping journalHousekeeping;
    private final LiveCapture capture;
    private final FlowAgent[] flowAgents;
    private final InferenceAgent inferenceAgent;
    private final Exporters exporters;
    private MetricsServer metrics;
    private boolean started;
    private volatile boolean stopped;

    private LiveSensor(final SensorConfig config, final Path configFile, final PrintWriter log) throws IOException,
        ModelException
    {
        this.config = config;
        this.configFile = configFile;
        this.log = log;
        if (config.capture().iface().isBlank())
        {
            final String[] chosen = DefaultInterface.choose()
                .orElseThrow(() -> new IOException("capture.interface is empty and no interface is up: set one"));
            interfaceName = chosen[0];
            interfaceReason = chosen[1];
        }
        else
        {
            interfaceName = config.capture().iface();
            interfaceReason = "configured";
        }
        firstModel = ModelLocator.load(config.model().path(), config.flowpic().spec(), config.inference().threads());
        JournalWriter journalWriter = null;
        JournalHousekeeping housekeeping = null;
        LiveCapture liveCapture = null;
        CountersFile createdCounters = null;
        try
        {
            journalWriter = new JournalWriter(Path.of(config.journal().path()),
                RollCycles.valueOf(config.journal().rollCycle()));
            housekeeping = new JournalHousekeeping(journalWriter, (long)config.journal().minFreeMb() << 20,
                config.journal().retentionHours());
            // Counters live in a file beside the journal so `flowpic stat` can read them from outside.
            createdCounters = CountersFile.create(Path.of(config.journal().path(), CountersFile.FILE_NAME), 2048);
            counters = new SensorCounters(createdCounters.manager());
            final int agentCount = config.pipeline().flowAgents();
            final PacketRing[] rings = new PacketRing[agentCount];
            for (int i = 0; i < agentCount; i++)
            {
                rings[i] = new PacketRing(config.capture().ringBufferMb() << 20, config.capture().snapLength());
            }
            liveCapture = LiveCapture.open(interfaceName, config.capture(), new FlowDispatch(rings), counters);
            final PipelineContext context = PipelineContext.of(config, PipelineContext.Mode.LIVE).counters(counters)
                .conclude();
            final BlockHandoff handoff = new BlockHandoff(context.queueSize(), agentCount);
            // Sharded: each flow agent owns a ring, a flow table and a set of counters (read as sums).
            final FlowAgent[] created = new FlowAgent[agentCount];
            for (int i = 0; i < agentCount; i++)
            {
                created[i] = new FlowAgent(context, i == 0 ? counters : counters.forAnotherAgent(), rings[i],
                    handoff);
            }
            flowAgents = created;
            inferenceAgent = new InferenceAgent(context, firstModel, handoff, journalWriter, () ->
            {
                for (final FlowAgent agent : created)
                {
                    if (!agent.isFinished())
                    {
                        return false;
                    }
                }
                return true;
            });
            inferenceAgent.minConfidence(config.flowpic().minConfidence());
        }
        catch (final IOException | RuntimeException ex)
        {
            if (liveCapture != null)
            {
                liveCapture.close();
            }
            if (journalWriter != null)
            {
                journalWriter.close();
            }
            if (createdCounters != null)
            {
                createdCounters.close();
            }
            firstModel.close();
            throw ex;
        }
        countersFile = createdCounters;
        journal = journalWriter;
        journalHousekeeping = housekeeping;
        exporters = new Exporters(Path.of(config.journal().path()), counters.manager, log);
        capture = liveCapture;
        final Runnable warmUp = firstModel.warmUp(WARM_UP_NANOS);
        if (warmUp != null)
        {
            final Thread thread = new Thread(warmUp, "flowpic-warm-up");
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** Opens everything (model, journal, capture handle) and starts the threads. */
    public static LiveSensor start(final SensorConfig config, final Path configFile, final PrintWriter log)
        throws IOException, ModelException
    {
        final LiveSensor sensor = new LiveSensor(config, configFile, log);
        try
        {
            sensor.exporters.apply(config.export());
            if (config.metrics().enabled())
            {
                sensor.metrics = MetricsServer.start(config.metrics().bind(), config.metrics().port(),
                    new PrometheusFormatter(sensor.counters.manager, sensor::modelId),
                    sensor::healthProblem, sensor.exporters::behind);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            sensor.close();
            throw ex;
        }
        for (final FlowAgent flowAgent : sensor.flowAgents)
        {
            sensor.agents.start(flowAgent, new BackoffIdleStrategy(1, 10, 1000, 1_000_000));
        }
        // A quiet network leaves inference idle most of the time; a millisecond sleep is plenty.
        sensor.agents.start(sensor.inferenceAgent, new SleepingMillisIdleStrategy(1));
        // Checks are a second apart at the finest; sleeping 100 ms between duty cycles costs nothing.
        sensor.agents.start(sensor.journalHousekeeping, new SleepingMillisIdleStrategy(100));
        sensor.capture.start();
        sensor.started = true;
        log.printf("flowpic: capturing on %s (%s), link type %d, %s timestamps; model %s; journal %s; %s%n",
            sensor.interfaceName, sensor.interfaceReason, sensor.capture.linkType(),
            sensor.capture.nanosecondTimestamps() ? "nanosecond" : "microsecond",
            sensor.inferenceAgent.modelId(), config.journal().path(),
            sensor.metrics == null ? "metrics off" :
            "metrics http://" + hostPort(config.metrics().bind(), sensor.metrics.boundPort()) + "/metrics");
        final String offloads = OffloadCheck.warning(sensor.interfaceName);
        if (offloads != null)
        {
            log.println(offloads);
        }
        log.flush();
        return sensor;
    }

    private static String hostPort(final String host, final int port)
    {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** Port the metrics endpoint listens on, or -1 when it is off. */
    public int metricsPort()
    {
        return metrics == null ? -1 : metrics.boundPort();
    }

    public SensorCounters counters()
    {
        return counters;
    }

    public String modelId()
    {
        return inferenceAgent.modelId();
    }

    /** Capture thread and the agents alive, and the journal taking records. */
    public boolean healthy()
    {
        return healthProblem() == null;
    }

    /** Why the sensor is not healthy, for /healthz to say; null when it is. */
    public String healthProblem()
    {
        if (stopped)
        {
            return "stopped";
        }
        if (!capture.isRunning())
        {
            return "capture not running" + (capture.failure() == null ? "" : ": " + capture.failure());
        }
        final Throwable error = agents.error();
        if (error != null || agents.anyClosed())
        {
            return "agent stopped" + (error == null ? "" : ": " + error);
        }
        if (!journal.spaceAvailable())
        {
            return "journal refusing records: free disk below journal.min-free-mb (" + (journalHousekeeping.minFreeBytes() >> 20) +
                " MiB)";
        }
        return null;
    }

    /** Periodic housekeeping from the main thread: kernel statistics and failure reports. */
    public void tick()
    {
        capture.updateKernelStats();
        final Throwable error = agents.error();
        if (error != null)
        {
            log.println("flowpic: agent failed: " + error +
                (error.getCause() == null ? "" : " (cause: " + error.getCause() + ")"));
            log.flush();
        }
        if (capture.failure() != null)
        {
            log.println("flowpic: capture failed: " + capture.failure());
            log.flush();
        }
    }

    /**
     * Loads the model named by the (re-read) config in the background and swaps it in between
     * batches; a bad model keeps the old one and counts the failure. Capture goes on throughout.
     */
    public void reload()
    {
        if (!reloading.compareAndSet(false, true))
        {
            log.println("flowpic: reload already in progress");
            log.flush();
            return;
        }
        final Thread thread = new Thread(() ->
        {
            try
            {
                String modelPath = config.model().path();
                if (configFile != null)
                {
                    final SensorConfig fresh = new ConfigLoader().load(configFile);
                    modelPath = fresh.model().path();
                    if (!fresh.withModelPath(config.model().path()).withExport(config.export())
                        .withMinConfidence(config.flowpic().minConfidence()).equals(config))
                    {
                        log.println("flowpic: reload: only model.path, flowpic.min-confidence and export change " +
                            "live; other changes need a restart");
                    }
                    inferenceAgent.minConfidence(fresh.flowpic().minConfidence());
                    try
                    {
                        exporters.apply(fresh.export());
                    }
                    catch (final IOException | RuntimeException ex)
                    {
                        log.println("flowpic: reload: export: " + ex.getMessage());
                    }
                }
                final FlowPicClassifier next = ModelLocator.load(modelPath, config.flowpic().spec(),
                    config.inference().threads());
                final Runnable warmUp = next.warmUp(RELOAD_WARM_UP_NANOS);
                if (warmUp != null)
                {
                    warmUp.run();
                }
                inferenceAgent.offerModel(next);
                counters.modelReloadsOk.incrementRelease();
                log.println("flowpic: reload: model " + next.metadata().modelId() + " loaded from " + modelPath);
            }
            catch (final ConfigException | ModelException | RuntimeException ex)
            {
                counters.modelReloadsFailed.incrementRelease();
                log.println("flowpic: reload failed, keeping model " + inferenceAgent.modelId() + ": " +
                    ex.getMessage());
            }
            finally
            {
                log.flush();
                reloading.set(false);
            }
        }, "flowpic-reload");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Stops capture, finishes every open block (those that qualify are classified), flushes the
     * journal. Bounded: gives up waiting after 20 s and says so.
     */
    public void stop() throws InterruptedException
    {
        if (stopped)
        {
            return;
        }
        stopped = true;
        if (!started)
        {
            return;
        }
        capture.stop();
        final long stopStarted = System.nanoTime();
        // The final flush waits for hand-off slots for most of the budget; the last quarter is for inference
        // to journal what is then queued. What is left after that is counted as dropped (InferenceAgent.onClose).
        for (final FlowAgent flowAgent : flowAgents)
        {
            flowAgent.requestStop(stopStarted + SHUTDOWN_WAIT_NANOS / 4 * 3);
        }
        final long deadline = stopStarted + SHUTDOWN_WAIT_NANOS;
        while (!inferenceAgent.isFinished() && agents.error() == null && System.nanoTime() < deadline)
        {
            Thread.sleep(5);
        }
        if (!inferenceAgent.isFinished())
        {
            log.println("flowpic: shutdown: inference did not finish in time; some blocks were not journaled");
            log.flush();
        }
        if (!exporters.awaitAccepted(journal.lastIndex(), EXPORT_DRAIN_NANOS))
        {
            log.println("flowpic: shutdown: some exporters are behind; they resume from their saved positions at " +
                "the next start");
            log.flush();
        }
    }

    public void close()
    {
        try
        {
            stop();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        if (metrics != null)
        {
            metrics.close();
        }
        exporters.close();
        agents.close();
        capture.close();
        journal.close();
        inferenceAgent.closeSwappedModel();
        firstModel.close();
        countersFile.close();
    }
}

package io.flowpic.sensor.pipeline;

import io.flowpic.flowtable.capture.CaptureFileException;
import io.flowpic.flowtable.capture.CaptureFileReader;
import io.flowpic.flowtable.capture.CaptureReadResult;
import io.flowpic.flowtable.capture.PacketHandler;
import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.sensor.config.SensorConfig;
import io.flowpic.sensor.journal.JournalHousekeeping;
import io.flowpic.sensor.journal.JournalWriter;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Replays capture files through the sensor's pipeline: the file reader takes the capture thread's
 * place in front of the same ring, flow agent, hand-off and inference agent. Unlike live capture,
 * a replay waits instead of dropping when a stage is behind, so every packet counts.
 */
public final class ReplayPipeline
{
    private static final int REPLAY_RING_MB = 8;

    private final SensorConfig config;
    private final CompletableFuture<FlowPicClassifier> classifier;
    private final PrintWriter warnings;
    private final SensorCounters counters = SensorCounters.standalone();
    /** One set per flow agent, the first being {@link #counters}. */
    private final List<SensorCounters> agentCounters = new ArrayList<>();
    private final List<String> fileErrors = new ArrayList<>();
    /** The files behind {@link #fileErrors}, for the JSON summary to name (messages alone are for people). */
    private final java.util.Map<Path, String> failedFiles = new java.util.LinkedHashMap<>();
    private boolean continuous;

    /** The classifier stays the caller's to close. */
    public ReplayPipeline(final SensorConfig config, final FlowPicClassifier classifier, final PrintWriter warnings)
    {
        this(config, CompletableFuture.completedFuture(classifier), warnings);
    }

    /**
     * With a model still loading: reading and flow accounting start at once and inference joins
     * when the model is ready (loading TensorFlow takes about as long as reading a large capture).
     * A model that fails to load stops the replay with {@link AgentLauncher.PipelineStoppedException} whose cause
     * is the loader's exception. The classifier stays the caller's to close.
     */
    public ReplayPipeline(final SensorConfig config, final CompletableFuture<FlowPicClassifier> classifier,
        final PrintWriter warnings)
    {
        this.config = config;
        this.classifier = classifier;
        this.warnings = warnings;
    }

    /**
     * One capture rotated into many files (tcpdump -C/-G): the flow table and packet clock carry over from
     * each file into the next, and a file that starts before the previous one ended is refused (a file
     * error). Off by default: then each file is a capture of its own, replayed with a fresh flow table
     * and clock (open blocks finished at its end), so a file's records do not depend on which files were
     * given with it or in what order.
     */
    public ReplayPipeline continuous(final boolean value)
    {
        continuous = value;
        return this;
    }

    /** Files that could not be read as captures, with the reason; the replay went on without them. */
    public List<String> fileErrors()
    {
        return fileErrors;
    }

    /** Each file that could not be replayed (or only in part, for an overlap), with why, in replay order. */
    public java.util.Map<Path, String> failedFiles()
    {
        return failedFiles;
    }

    public SensorCounters counters()
    {
        return counters;
    }

    public ReplaySummary run(final List<Path> files) throws IOException
    {
        PhaseLog.mark("pipeline-start");
        final long started = System.nanoTime();
        final PipelineContext context = PipelineContext.of(config, PipelineContext.Mode.REPLAY).counters(counters)
            .conclude();
        // The ring absorbs live bursts; a replay just waits for the flow agent, so a few MiB do.
        final int agentCount = context.flowAgents();
        final PacketRing[] rings = new PacketRing[agentCount];
        for (int i = 0; i < agentCount; i++)
        {
            rings[i] = new PacketRing(Math.min(config.capture().ringBufferMb(), REPLAY_RING_MB) << 20,
                config.capture().snapLength());
        }
        final FlowDispatch dispatch = new FlowDispatch(rings);
        final BlockHandoff handoff = new BlockHandoff(context.queueSize(), agentCount);
        final AgentLauncher agents = new AgentLauncher();
        // A flow agent owns one flow table and packet clock, so a fresh one per file makes each file its own
        // capture; the hand-off and inference agent stay, and inference ends after the last file's agent.
        // Sharded (pipeline.flow-agents > 1): one agent per ring, each with its own counters and flow table.
        for (int i = agentCounters.size(); i < agentCount; i++)
        {
            agentCounters.add(i == 0 ? counters : counters.forAnotherAgent());
        }
        final Supplier<FlowAgent[]> newFlowAgents = () ->
        {
            final FlowAgent[] created = new FlowAgent[agentCount];
            for (int i = 0; i < agentCount; i++)
            {
                created[i] = new FlowAgent(context, agentCounters.get(i), rings[i], handoff);
            }
            return created;
        };
        final AtomicReference<FlowAgent[]> flowAgentRef = new AtomicReference<>(newFlowAgents.get());
        final AtomicBoolean lastFileRead = new AtomicBoolean();
        final BooleanSupplier flowsFinished = () -> lastFileRead.get() && allFinished(flowAgentRef.get());

        // Opening the journal loads Chronicle Queue (seconds of class loading and initialisation on a busy
        // machine); reading and flow accounting need no journal, so it opens beside them, like the model.
        final CompletableFuture<JournalWriter> journalOpened = openJournalAsync(agents);
        // A journal that cannot be opened stops the replay at once, not only once the model has loaded.
        journalOpened.whenComplete((journal, failure) ->
        {
            if (failure != null)
            {
                agents.onError(unwrap(failure));
            }
        });
        try
        {
            final AtomicReference<AgentRunner[]> flowRunnerRef = new AtomicReference<>(
                startAll(agents, flowAgentRef.get()));
            final AtomicReference<InferenceAgent> inferenceAgentRef = new AtomicReference<>();
            final CompletableFuture<Void> inferenceStarted = CompletableFuture.allOf(journalOpened, classifier)
                .whenComplete((ignored, failure) ->
            {
                if (failure != null)
                {
                    PhaseLog.mark("start-failed");
                    agents.onError(unwrap(failure)); // the model's or the journal's
                    return;
                }
                PhaseLog.mark("inference-start");
                final InferenceAgent agent = new InferenceAgent(context, classifier.join(), handoff,
                    journalOpened.join(), flowsFinished);
                agent.minConfidence(config.flowpic().minConfidence());
                inferenceAgentRef.set(agent);
                agents.start(agent, new BackoffIdleStrategy());
            });
            try
            {
                final IdleStrategy idle = new BackoffIdleStrategy();
                final long[] times = new long[2]; // first and latest timestamp of the file being read
                final PacketHandler handler = (linkType, buffer, offset, capturedLength, originalLength, ts) ->
                {
                    counters.packetsReceived.incrementRelease();
                    idle.reset();
                    final PacketRing ring = dispatch.ringFor(linkType, buffer, offset, capturedLength, originalLength);
                    while (!ring.offer(linkType, buffer, offset, capturedLength, originalLength, ts, times[1]))
                    {
                        agents.throwIfFailed();
                        idle.idle();
                    }
                };
                final CaptureFileReader reader = new CaptureFileReader();
                final PacketHandler timed = (linkType, buffer, offset, capturedLength, originalLength, ts) ->
                {
                    if (times[0] == Long.MIN_VALUE)
                    {
                        times[0] = ts;
                    }
                    times[1] = Math.max(times[1], ts);
                    handler.onPacket(linkType, buffer, offset, capturedLength, originalLength, ts);
                };
                Path previous = null;
                long previousEnd = Long.MIN_VALUE;
                for (int i = 0; i < files.size(); i++)
                {
                    final Path file = files.get(i);
                    if (continuous && previous != null)
                    {
                        final String overlap = CaptureTimes.overlap(reader, previous, previousEnd, file);
                        if (overlap != null)
                        {
                            fileErrors.add(overlap);
                            failedFiles.put(file, overlap);
                            warnings.println("error: " + overlap);
                            continue;
                        }
                    }
                    times[0] = Long.MIN_VALUE;
                    times[1] = Long.MIN_VALUE;
                    try
                    {
                        final CaptureReadResult result = reader.read(file, timed);
                        if (result.warning() != null && result.packets() == 0 && result.warningOffset() == 0)
                        {
                            // A cut-off file header: not a capture at all, the same failure as an empty file. A
                            // whole header followed by a damaged first record is a capture cut short (a warning),
                            // as the nDPI corpus's fuzzed files are.
                            final String error = result.warning() + "; no packet read";
                            fileErrors.add(error);
                            failedFiles.put(file, error);
                            warnings.println("error: " + error);
                        }
                        else if (result.warning() != null)
                        {
                            warnings.println("warning: " + result.warning());
                        }
                    }
                    catch (final CaptureFileException ex)
                    {
                        fileErrors.add(ex.getMessage());
                        failedFiles.put(file, ex.getMessage());
                        warnings.println("error: " + ex.getMessage());
                    }
                    if (times[0] != Long.MIN_VALUE)
                    {
                        previous = file;
                        previousEnd = times[1];
                    }
                    if (!continuous && i < files.size() - 1)
                    {
                        // End this file's capture: its agent finishes every open block. The next file's packets
                        // must not reach the ring before, or the finished agent would read them.
                        endCapture(rings, flowAgentRef.get(), agents, idle);
                        closeAll(agents, flowRunnerRef.get());
                        flowAgentRef.set(newFlowAgents.get());
                        flowRunnerRef.set(startAll(agents, flowAgentRef.get()));
                    }
                }
                lastFileRead.set(true);
                PhaseLog.mark("read-done");
                endCapture(rings, flowAgentRef.get(), agents, idle);
                PhaseLog.mark("flow-done");
                while (inferenceAgentRef.get() == null || !inferenceAgentRef.get().isFinished())
                {
                    agents.throwIfFailed();
                    idle.idle();
                }
                agents.throwIfFailed();
                PhaseLog.mark("inference-done");
            }
            finally
            {
                for (final FlowAgent agent : flowAgentRef.get())
                {
                    agent.abort(); // no-op when it has finished; else it may be waiting on a full hand-off
                }
                closeAll(agents, flowRunnerRef.get());
                // A model still loading would start its runner after this; wait for the loader.
                try
                {
                    inferenceStarted.handle((model, failure) -> null).get();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
                catch (final java.util.concurrent.ExecutionException ex)
                {
                    // handled above through the launcher's first error
                }
                agents.close(); // the inference agent, if it started, and the journal's housekeeping
            }
            PhaseLog.mark("agents-closed");
            final double seconds = (System.nanoTime() - started) / 1e9;
            return summarize(files.size(), inferenceAgentRef.get(), seconds);
        }
        catch (final AgentLauncher.PipelineStoppedException ex)
        {
            // A journal that cannot be opened fails the replay with its own IOException, as before it opened aside.
            if (ex.getCause() instanceof IOException io && journalOpened.isCompletedExceptionally() &&
                journalOpened.handle((journal, failure) -> unwrap(failure)).join() == io)
            {
                throw io;
            }
            throw ex;
        }
        finally
        {
            final JournalWriter journal = journalOpened.handle((opened, ex) -> opened).join();
            agents.close();
            if (journal != null)
            {
                journal.close();
            }
        }
    }

    /**
     * Opens the journal on a thread of its own, and starts its housekeeping (free space, retention) on another,
     * as live: which records a replay journals does not depend on it, only whether a full disk refuses them.
     */
    private CompletableFuture<JournalWriter> openJournalAsync(final AgentLauncher agents)
    {
        final CompletableFuture<JournalWriter> opened = new CompletableFuture<>();
        final Thread opener = new Thread(() ->
        {
            JournalWriter writer = null;
            try
            {
                writer = new JournalWriter(Path.of(config.journal().path()),
                    RollCycles.valueOf(config.journal().rollCycle()));
                final JournalHousekeeping housekeeping = new JournalHousekeeping(writer,
                    (long)config.journal().minFreeMb() << 20, config.journal().retentionHours());
                agents.start(housekeeping, new SleepingMillisIdleStrategy(100));
                opened.complete(writer);
                PhaseLog.mark("journal-open");
            }
            catch (final Throwable ex)
            {
                if (writer != null)
                {
                    writer.close();
                }
                opened.completeExceptionally(ex);
            }
        }, "flowpic-journal-open");
        opener.setDaemon(true);
        opener.start();
        return opened;
    }

    /** Offers the end of a capture and waits until the flow agent has finished every open block. */
    private static void endCapture(final PacketRing[] rings, final FlowAgent[] flowAgents,
        final AgentLauncher agents, final IdleStrategy idle)
    {
        for (final PacketRing ring : rings)
        {
            idle.reset();
            while (!ring.offerEnd())
            {
                agents.throwIfFailed();
                idle.idle();
            }
        }
        while (!allFinished(flowAgents))
        {
            agents.throwIfFailed();
            idle.idle();
        }
    }

    private static boolean allFinished(final FlowAgent[] flowAgents)
    {
        for (final FlowAgent agent : flowAgents)
        {
            if (!agent.isFinished())
            {
                return false;
            }
        }
        return true;
    }

    private static AgentRunner[] startAll(final AgentLauncher agents, final FlowAgent[] flowAgents)
    {
        final AgentRunner[] runners = new AgentRunner[flowAgents.length];
        for (int i = 0; i < flowAgents.length; i++)
        {
            runners[i] = agents.start(flowAgents[i], new BackoffIdleStrategy());
        }
        return runners;
    }

    private static void closeAll(final AgentLauncher agents, final AgentRunner[] runners)
    {
        for (final AgentRunner runner : runners)
        {
            agents.close(runner);
        }
    }

    /** A counter summed over the flow agents' sets (the first set also holds the reader's and inference's). */
    public long total(final java.util.function.ToLongFunction<SensorCounters> counter)
    {
        long sum = 0;
        for (final SensorCounters set : agentCounters)
        {
            sum += counter.applyAsLong(set);
        }
        return sum;
    }

    private static Throwable unwrap(final Throwable failure)
    {
        return failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ?
            failure.getCause() : failure;
    }

    private ReplaySummary summarize(final int files, final InferenceAgent inferenceAgent, final double seconds)
    {
        final Map<String, Long> malformed = new TreeMap<>();
        final Map<String, Long> skipped = new TreeMap<>();
        for (final DecodeResult result : DecodeResult.values())
        {
            if (result == DecodeResult.OK)
            {
                continue;
            }
            final long count = total(c -> c.decodeResults[result.ordinal()].get());
            if (count > 0)
            {
                (result.isMalformed() ? malformed : skipped).put(result.label(), count);
            }
        }
        final Map<String, Long> labels = new TreeMap<>();
        final String[] names = inferenceAgent.labels();
        for (int i = 0; i < names.length; i++)
        {
            labels.put(names[i], inferenceAgent.labelCount(i));
        }
        if (inferenceAgent.unknownCount() > 0)
        {
            labels.put(io.flowpic.inference.ConfidenceThreshold.UNKNOWN, inferenceAgent.unknownCount());
        }
        return new ReplaySummary(files, counters.packetsReceived.get(), total(c -> c.packetsDecoded.get()), malformed,
            skipped, total(c -> c.flowTable.flowsCreated.get()), counters.blocksClassified.get(),
            total(c -> c.blocksTooSmall.get()), total(c -> c.blocksDropped.get()), labels, seconds);
    }
}

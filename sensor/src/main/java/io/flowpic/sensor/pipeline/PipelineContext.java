package io.flowpic.sensor.pipeline;

import io.flowpic.flowtable.flow.FlowPicSpec;
import io.flowpic.sensor.config.SensorConfig;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemEpochNanoClock;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Everything the pipeline's agents are built from, in one typed object (as Aeron's {@code MediaDriver.Context}):
 * live capture and offline replay build the same agents from it and differ only by {@link Mode}. Set what
 * differs from the config, then {@link #conclude()} checks it once; the agents read it, never change it.
 */
public final class PipelineContext
{
    /** How the pipeline keeps time and what it does when a stage is behind. */
    public enum Mode
    {
        /**
         * Wall clock: blocks of silent flows are finished when the clock passes their due time; a full
         * hand-off drops (counted) so capture never waits; partial batches go out after max-wait.
         */
        LIVE,
        /**
         * Packet clock: expiry follows capture time so the same capture always gives the same journal; a full
         * stage waits instead of dropping; batches are cut by count only.
         */
        REPLAY
    }

    private final Mode mode;
    private FlowPicSpec spec = FlowPicSpec.defaults();
    private int maxFlows = 1_000_000;
    private long idleTimeoutNanos = TimeUnit.SECONDS.toNanos(60);
    private int maxOpenPackets = 10_000_000;
    private int batchSize = 64;
    private long maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(50);
    private int queueSize = 4096;
    private int flowAgents = 1;
    private SensorCounters counters;
    private EpochNanoClock clock;
    private Supplier<IdleStrategy> backPressureIdle = BackoffIdleStrategy::new;
    private boolean concluded;

    public PipelineContext(final Mode mode)
    {
        this.mode = Objects.requireNonNull(mode, "mode");
    }

    /** The context a validated config describes; counters and clock are still the caller's to set. */
    public static PipelineContext of(final SensorConfig config, final Mode mode)
    {
        return new PipelineContext(mode)
            .spec(config.flowpic().spec())
            .maxFlows(config.flowTable().maxFlows())
            .idleTimeoutNanos(TimeUnit.SECONDS.toNanos(config.flowTable().idleTimeoutSeconds()))
            .maxOpenPackets(config.flowTable().maxOpenPackets())
            .batchSize(config.inference().batchSize())
            .maxWaitNanos(TimeUnit.MILLISECONDS.toNanos(config.inference().maxWaitMs()))
            .queueSize(config.inference().queueSize())
            .flowAgents(config.pipeline().flowAgents());
    }

    /**
     * Fills what was left unset (standalone counters; the system clock live) and checks the rest once.
     *
     * @throws IllegalArgumentException naming the first bad setting.
     */
    public PipelineContext conclude()
    {
        if (concluded)
        {
            return this;
        }
        positive("max flows", maxFlows);
        positive("idle timeout nanos", idleTimeoutNanos);
        positive("max open packets", maxOpenPackets);
        positive("batch size", batchSize);
        positive("queue size", queueSize);
        positive("flow agents", flowAgents);
        if (maxWaitNanos < 0)
        {
            throw new IllegalArgumentException("max wait nanos must be >= 0: " + maxWaitNanos);
        }
        if (counters == null)
        {
            counters = SensorCounters.standalone();
        }
        if (clock == null)
        {
            clock = new SystemEpochNanoClock();
        }
        concluded = true;
        return this;
    }

    private static void positive(final String what, final long value)
    {
        if (value <= 0)
        {
            throw new IllegalArgumentException(what + " must be positive: " + value);
        }
    }

    private void checkNotConcluded()
    {
        if (concluded)
        {
            throw new IllegalStateException("context already concluded");
        }
    }

    public Mode mode()
    {
        return mode;
    }

    public boolean isReplay()
    {
        return mode == Mode.REPLAY;
    }

    public FlowPicSpec spec()
    {
        return spec;
    }

    public PipelineContext spec(final FlowPicSpec spec)
    {
        checkNotConcluded();
        this.spec = Objects.requireNonNull(spec, "spec");
        return this;
    }

    public int maxFlows()
    {
        return maxFlows;
    }

    /** Per flow agent: each agent owns a table of this many flows. */
    public PipelineContext maxFlows(final int maxFlows)
    {
        checkNotConcluded();
        this.maxFlows = maxFlows;
        return this;
    }

    public long idleTimeoutNanos()
    {
        return idleTimeoutNanos;
    }

    public PipelineContext idleTimeoutNanos(final long idleTimeoutNanos)
    {
        checkNotConcluded();
        this.idleTimeoutNanos = idleTimeoutNanos;
        return this;
    }

    public int maxOpenPackets()
    {
        return maxOpenPackets;
    }

    public PipelineContext maxOpenPackets(final int maxOpenPackets)
    {
        checkNotConcluded();
        this.maxOpenPackets = maxOpenPackets;
        return this;
    }

    public int batchSize()
    {
        return batchSize;
    }

    public PipelineContext batchSize(final int batchSize)
    {
        checkNotConcluded();
        this.batchSize = batchSize;
        return this;
    }

    /** Live only: how long a partial batch may wait for more blocks. */
    public long maxWaitNanos()
    {
        return maxWaitNanos;
    }

    public PipelineContext maxWaitNanos(final long maxWaitNanos)
    {
        checkNotConcluded();
        this.maxWaitNanos = maxWaitNanos;
        return this;
    }

    /** Blocks in flight between the flow agents and the inference agent. */
    public int queueSize()
    {
        return queueSize;
    }

    public PipelineContext queueSize(final int queueSize)
    {
        checkNotConcluded();
        this.queueSize = queueSize;
        return this;
    }

    /** Flow agents, each owning a flow table and a ring, packets dispatched among them by flow. */
    public int flowAgents()
    {
        return flowAgents;
    }

    public PipelineContext flowAgents(final int flowAgents)
    {
        checkNotConcluded();
        this.flowAgents = flowAgents;
        return this;
    }

    public SensorCounters counters()
    {
        return counters;
    }

    public PipelineContext counters(final SensorCounters counters)
    {
        checkNotConcluded();
        this.counters = counters;
        return this;
    }

    /** The wall clock: live expiry and batching follow it; replay uses it only for its own timing. */
    public EpochNanoClock clock()
    {
        return clock;
    }

    public PipelineContext clock(final EpochNanoClock clock)
    {
        checkNotConcluded();
        this.clock = clock;
        return this;
    }

    /** A fresh idle strategy for a flow agent waiting on a full hand-off (each agent needs its own). */
    public IdleStrategy newBackPressureIdle()
    {
        return backPressureIdle.get();
    }

    public PipelineContext backPressureIdle(final Supplier<IdleStrategy> backPressureIdle)
    {
        checkNotConcluded();
        this.backPressureIdle = Objects.requireNonNull(backPressureIdle, "backPressureIdle");
        return this;
    }
}

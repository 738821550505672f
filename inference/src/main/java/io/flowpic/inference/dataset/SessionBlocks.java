package io.flowpic.inference.dataset;

import io.flowpic.flowtable.flow.FlowPicBlock;
import io.flowpic.flowtable.flow.FlowPicSpec;
import io.flowpic.flowtable.flow.FlowTable;
import io.flowpic.flowtable.flow.FlowTableCounters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Turns sessions into FlowPic blocks by feeding their packets through a {@link FlowTable}, exactly as the
 * sensor does, so training blocks equal what the sensor sees: blocks aligned to the flow's first packet,
 * cut at {@code blockSeconds}, a new grid after an idle gap, only blocks with at least {@code minPackets}
 * packets kept. One flow table is reused for every session (flushed after each). Single-threaded.
 */
public final class SessionBlocks
{
    /** Idle timeout used when none is given; the sensor's flow table default. */
    public static final long DEFAULT_IDLE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final int MIN_POOL_CELLS = 1 << 16;

    /** Receives each qualifying block; the block is a flyweight valid only during the call. */
    @FunctionalInterface
    public interface Sink
    {
        void accept(FlowPicBlock block);
    }

    private final FlowPicSpec spec;
    private final long idleTimeoutNanos;
    private FlowTable table;
    private int poolCells;
    private Sink current;
    private long qualifying;
    private long rejected;
    private int sessionBlocks;

    public SessionBlocks(final FlowPicSpec spec)
    {
        this(spec, DEFAULT_IDLE_TIMEOUT_NANOS);
    }

    public SessionBlocks(final FlowPicSpec spec, final long idleTimeoutNanos)
    {
        this.spec = spec;
        this.idleTimeoutNanos = idleTimeoutNanos;
        ensureTable(MIN_POOL_CELLS);
    }

    public FlowPicSpec spec()
    {
        return spec;
    }

    public long idleTimeoutNanos()
    {
        return idleTimeoutNanos;
    }

    /** Qualifying blocks produced so far, over all sessions. */
    public long qualifyingBlocks()
    {
        return qualifying;
    }

    /** Blocks finished with fewer than the minimum packets, over all sessions. */
    public long rejectedBlocks()
    {
        return rejected;
    }

    /** @return the number of qualifying blocks of the session. */
    public int forEachBlock(final FlowSession session, final Sink sink)
    {
        return forEachBlock(session, 1.0, 0L, sink);
    }

    /**
     * Blocks of a time-augmented copy of the session: each packet's offset from the first packet is
     * multiplied by {@code timeScale}, then packets whose scaled offset is below {@code shiftNanos} are
     * dropped, so the block grid starts at the first remaining packet (a time shift of the grid).
     *
     * @return the number of qualifying blocks of the session.
     */
    public int forEachBlock(final FlowSession session, final double timeScale, final long shiftNanos, final Sink sink)
    {
        return forEachBlock(session, timeScale, shiftNanos, 0.0, 0, null, sink);
    }

    /**
     * As {@link #forEachBlock(FlowSession, double, long, Sink)}, and also as seen through another network: each
     * packet is lost with probability {@code lossRate}, and each remaining packet's size moves by a uniform
     * {@code -sizeJitter..+sizeJitter} bytes (other encapsulation, padding or MTU), never below 1.
     */
    public int forEachBlock(
        final FlowSession session, final double timeScale, final long shiftNanos, final double lossRate,
        final int sizeJitter, final java.util.Random random, final Sink sink)
    {
        if (!(lossRate >= 0 && lossRate < 1) || sizeJitter < 0 || ((lossRate > 0 || sizeJitter > 0) && random == null))
        {
            throw new IllegalArgumentException("loss rate must be in [0, 1) and size jitter >= 0, with a random source: " +
                lossRate + ", " + sizeJitter);
        }
        if (!(timeScale > 0))
        {
            throw new IllegalArgumentException("time scale must be positive: " + timeScale);
        }
        ensureTable(session.packetCount());
        current = sink;
        sessionBlocks = 0;
        final FlowTable table = this.table;
        final long[] offsets = session.offsetNanos();
        final int[] sizes = session.sizes();
        final long start = session.startNanos();
        final boolean identity = timeScale == 1.0;
        try
        {
            for (int i = 0; i < sizes.length; i++)
            {
                final long offset = identity ? offsets[i] : Math.round(offsets[i] * timeScale);
                if (offset < shiftNanos || (lossRate > 0 && random.nextDouble() < lossRate))
                {
                    continue;
                }
                final int size = sizeJitter == 0 ? sizes[i] :
                    Math.max(1, sizes[i] + random.nextInt(2 * sizeJitter + 1) - sizeJitter);
                table.reserve(1); // offline, no ring batches: room for this one packet
                table.onPacket(session.ipVersion(), session.protocol(), session.srcHi(), session.srcLo(),
                    session.dstHi(), session.dstLo(), session.srcPort(), session.dstPort(), size, start + offset);
            }
            table.flushAll();
        }
        finally
        {
            current = null;
        }
        return sessionBlocks;
    }

    /** Raw counts (R*R, row-major) of each qualifying block of the session. */
    public List<float[]> counts(final FlowSession session)
    {
        final List<float[]> out = new ArrayList<>();
        final int cells = spec.cellsPerImage();
        forEachBlock(session, block ->
        {
            final float[] counts = new float[cells];
            block.addCountsTo(counts, 0);
            out.add(counts);
        });
        return out;
    }

    private void ensureTable(final int packets)
    {
        if (table == null || packets > poolCells)
        {
            poolCells = Math.max(MIN_POOL_CELLS, Integer.highestOneBit(Math.max(1, packets - 1)) << 1);
            final FlowTableCounters counters = new FlowTableCounters(FlowTableCounters.standaloneCountersManager(16));
            if (table != null)
            {
                table.close(); // its slab goes now, not at some later GC
            }
            table = new FlowTable(spec, 4, idleTimeoutNanos, poolCells, counters, this::onBlock);
        }
    }

    private void onBlock(final FlowPicBlock block, final boolean qualifies)
    {
        if (qualifies)
        {
            qualifying++;
            sessionBlocks++;
            current.accept(block);
        }
        else
        {
            rejected++;
        }
    }
}

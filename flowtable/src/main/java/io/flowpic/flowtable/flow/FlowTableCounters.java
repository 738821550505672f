package io.flowpic.flowtable.flow;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import java.nio.ByteBuffer;
import java.util.function.UnaryOperator;

/**
 * The flow table's counters. Agrona counters so another thread (metrics) or process can read them
 * while the single writer updates them with plain release stores, no locks.
 */
public final class FlowTableCounters
{
    public final AtomicCounter flowsCreated;
    public final AtomicCounter flowsActive;
    /**
     * Packets of new flows refused because max flows were held: every packet of a refused flow counts (the
     * table keeps no state for flows it refuses, so it cannot tell their first packet from later ones).
     */
    public final AtomicCounter packetsRejectedTableFull;
    public final AtomicCounter flowsClosedIdle;
    public final AtomicCounter packetsOutOfOrder;
    public final AtomicCounter cellsDroppedPoolFull;
    /**
     * Packets whose block window was already finished (journaled or counted too small) when they arrived: not
     * binned, so no window of a flow is ever finished twice.
     */
    public final AtomicCounter packetsLate;
    /**
     * Packets larger than the FlowPic maximum packet size (binned into the last row): merged GRO/LRO/TSO
     * packets, jumbo frames, BIG TCP.
     */
    public final AtomicCounter packetsOversize;

    public FlowTableCounters(final CountersManager counters)
    {
        this(counters, UnaryOperator.identity());
    }

    /** @param label each counter's label from its key ({@code flows_created}, ...): the owner's naming. */
    public FlowTableCounters(final CountersManager counters, final UnaryOperator<String> label)
    {
        flowsCreated = counters.newCounter(label.apply("flows_created"));
        flowsActive = counters.newCounter(label.apply("flows_active"));
        packetsRejectedTableFull = counters.newCounter(label.apply("packets_rejected_table_full"));
        flowsClosedIdle = counters.newCounter(label.apply("flows_closed_idle"));
        packetsOutOfOrder = counters.newCounter(label.apply("packets_out_of_order"));
        cellsDroppedPoolFull = counters.newCounter(label.apply("cells_dropped_pool_full"));
        packetsLate = counters.newCounter(label.apply("packets_late"));
        packetsOversize = counters.newCounter(label.apply("packets_oversize"));
    }

    /** A private counters area, for tools and tests that run a flow table outside the sensor. */
    public static CountersManager standaloneCountersManager(final int maxCounters)
    {
        final UnsafeBuffer metadata = new UnsafeBuffer(
            ByteBuffer.allocateDirect(maxCounters * CountersManager.METADATA_LENGTH));
        final UnsafeBuffer values = new UnsafeBuffer(
            ByteBuffer.allocateDirect(maxCounters * CountersManager.COUNTER_LENGTH));
        return new CountersManager(metadata, values);
    }
}

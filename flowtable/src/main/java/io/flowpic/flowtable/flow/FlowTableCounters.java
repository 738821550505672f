package io.flowpic.flowtable.flow;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import java.nio.ByteBuffer;

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
        flowsCreated = counters.newCounter("flows_created");
        flowsActive = counters.newCounter("flows_active");
        packetsRejectedTableFull = counters.newCounter("packets_rejected_table_full");
        flowsClosedIdle = counters.newCounter("flows_closed_idle");
        packetsOutOfOrder = counters.newCounter("packets_out_of_order");
        cellsDroppedPoolFull = counters.newCounter("cells_dropped_pool_full");
        packetsLate = counters.newCounter("packets_late");
        packetsOversize = counters.newCounter("packets_oversize");
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

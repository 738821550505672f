package io.flowpic.sensor.pipeline;

import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.flowtable.flow.FlowTableCounters;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * Every counter of one sensor process, allocated in one Agrona counters area so that metrics (and
 * tools outside the process) read them without locks while each agent writes its own.
 */
public final class SensorCounters
{
    public final CountersManager manager;
    /** Packet records read from files or captured off the interface. */
    public final AtomicCounter packetsReceived;
    /** Captured packets lost because the ring to the flow agent was full (live only). */
    public final AtomicCounter packetsRingDropped;
    /** TCP/UDP packets that reached the flow table. */
    public final AtomicCounter packetsDecoded;
    /** Indexed by {@link DecodeResult#ordinal()}; null for OK. */
    public final AtomicCounter[] decodeResults;
    public final FlowTableCounters flowTable;
    public final AtomicCounter blocksTooSmall;
    public final AtomicCounter blocksQueued;
    public final AtomicCounter blocksDropped;
    public final AtomicCounter blocksClassified;
    public final AtomicCounter inferenceBatches;
    public final AtomicCounter journalRecords;
    public final AtomicCounter journalErrors;
    /** libpcap's ps_recv and ps_drop for the live handle, copied in periodically (see README). */
    public final AtomicCounter kernelReceived;
    public final AtomicCounter kernelDropped;
    /** Times the wall clock stepped back and every open block was finished early (live only). */
    public final AtomicCounter clockJumps;
    public final AtomicCounter modelReloadsOk;
    public final AtomicCounter modelReloadsFailed;
    /** Wall time from a block's end to its journal append (live only; replay runs on packet time). */
    public final LatencyHistogram blockLatency;
    /** Of that, the part from the flow agent finishing the block to its journal append (live only). */
    public final LatencyHistogram finishLatency;

    public SensorCounters(final CountersManager manager)
    {
        this.manager = manager;
        packetsReceived = manager.newCounter("packets_received");
        packetsRingDropped = manager.newCounter("packets_ring_dropped");
        packetsDecoded = manager.newCounter("packets_decoded");
        final DecodeResult[] results = DecodeResult.values();
        decodeResults = new AtomicCounter[results.length];
        for (final DecodeResult result : results)
        {
            if (result != DecodeResult.OK)
            {
                decodeResults[result.ordinal()] =
                    manager.newCounter((result.isMalformed() ? "malformed_" : "skipped_") + result.label());
            }
        }
        flowTable = new FlowTableCounters(manager);
        blocksTooSmall = manager.newCounter("blocks_too_small");
        blocksQueued = manager.newCounter("blocks_queued");
        blocksDropped = manager.newCounter("blocks_dropped");
        blocksClassified = manager.newCounter("blocks_classified");
        inferenceBatches = manager.newCounter("inference_batches");
        journalRecords = manager.newCounter("journal_records");
        journalErrors = manager.newCounter("journal_errors");
        kernelReceived = manager.newCounter("kernel_received");
        kernelDropped = manager.newCounter("kernel_dropped");
        clockJumps = manager.newCounter("clock_jumps");
        modelReloadsOk = manager.newCounter("model_reloads_ok");
        modelReloadsFailed = manager.newCounter("model_reloads_failed");
        blockLatency = new LatencyHistogram(manager, "block_latency");
        finishLatency = new LatencyHistogram(manager, "block_finish_latency");
    }

    public static SensorCounters standalone()
    {
        return new SensorCounters(FlowTableCounters.standaloneCountersManager(256));
    }
}

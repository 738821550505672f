package io.flowpic.sensor.pipeline;

import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.flowtable.flow.FlowTableCounters;
import io.flowpic.sensor.metrics.MetricCatalog;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * Every counter of one sensor process, allocated in one Agrona counters area so that metrics (and
 * tools outside the process) read them without locks while each agent writes its own. Each is labelled
 * with its Prometheus sample name from {@link MetricCatalog}, the one table of names.
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
        packetsReceived = manager.newCounter(MetricCatalog.PACKETS_CAPTURED.name());
        packetsRingDropped = manager.newCounter(MetricCatalog.RING_DROPPED.name());
        packetsDecoded = manager.newCounter(MetricCatalog.PACKETS_DECODED.name());
        final DecodeResult[] results = DecodeResult.values();
        decodeResults = new AtomicCounter[results.length];
        for (final DecodeResult result : results)
        {
            if (result != DecodeResult.OK)
            {
                decodeResults[result.ordinal()] =
                    manager.newCounter(MetricCatalog.decodeResultLabel(result));
            }
        }
        flowTable = new FlowTableCounters(manager, MetricCatalog::flowTableLabel);
        blocksTooSmall = manager.newCounter(MetricCatalog.BLOCKS_TOO_SMALL.name());
        blocksQueued = manager.newCounter(MetricCatalog.BLOCKS_QUEUED.name());
        blocksDropped = manager.newCounter(MetricCatalog.BLOCKS_DROPPED.name());
        blocksClassified = manager.newCounter(MetricCatalog.BLOCKS_CLASSIFIED.name());
        inferenceBatches = manager.newCounter(MetricCatalog.INFERENCE_BATCHES.name());
        journalRecords = manager.newCounter(MetricCatalog.JOURNAL_RECORDS.name());
        journalErrors = manager.newCounter(MetricCatalog.JOURNAL_ERRORS.name());
        kernelReceived = manager.newCounter(MetricCatalog.KERNEL_RECEIVED.name());
        kernelDropped = manager.newCounter(MetricCatalog.KERNEL_DROPPED.name());
        clockJumps = manager.newCounter(MetricCatalog.CLOCK_JUMPS.name());
        modelReloadsOk = manager.newCounter(MetricCatalog.MODEL_RELOADS.sample("result", "ok"));
        modelReloadsFailed = manager.newCounter(MetricCatalog.MODEL_RELOADS.sample("result", "failed"));
        blockLatency = new LatencyHistogram(manager, MetricCatalog.BLOCK_LATENCY.name());
        finishLatency = new LatencyHistogram(manager, MetricCatalog.BLOCK_FINISH_LATENCY.name());
    }

    /** Another set in the same counters area, for one more flow agent (same labels: read as sums). */
    public SensorCounters forAnotherAgent()
    {
        return new SensorCounters(manager);
    }

    public static SensorCounters standalone()
    {
        return new SensorCounters(FlowTableCounters.standaloneCountersManager(2048));
    }
}

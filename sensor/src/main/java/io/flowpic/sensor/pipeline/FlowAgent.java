package io.flowpic.sensor.pipeline;

import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.flowtable.decode.DecodedPacket;
import io.flowpic.flowtable.decode.PacketDecoder;
import io.flowpic.flowtable.flow.BlockListener;
import io.flowpic.flowtable.flow.FlowPicBlock;
import io.flowpic.flowtable.flow.FlowPicSpec;
import io.flowpic.flowtable.flow.FlowTable;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;

/**
 * Owns the decoder and the flow table: reads packets off the ring, decodes, accounts them into
 * flows and hands finished blocks to inference. Expiry follows the packet clock in replay (so a
 * replay is deterministic) and the wall clock live (so a silent flow still gets its block out).
 */
public final class FlowAgent implements Agent, MessageHandler, BlockListener
{
    private static final int READ_LIMIT = 1024;
    private static final long SWEEP_INTERVAL_NANOS = 1_000_000_000L;
    /** A wall clock that goes back further than this was set back (NTP step, operator). */
    private static final long CLOCK_JUMP_BACK_NANOS = 2 * SWEEP_INTERVAL_NANOS;

    private final PacketRing ring;
    private final PacketDecoder decoder = new PacketDecoder(4096);
    private final DecodedPacket packet = new DecodedPacket();
    private final FlowTable flowTable;
    private final BlockHandoff handoff;
    private final SensorCounters counters;
    private final EpochNanoClock wallClock;
    private final IdleStrategy backPressureIdle;
    private final boolean waitWhenFull;
    private long nextSweepNanos = Long.MIN_VALUE;
    private volatile boolean finished;
    private volatile boolean stopRequested;

    /**
     * @param wallClock    null to expire by the packet clock (replay), else the clock live expiry follows.
     * @param waitWhenFull replay waits for the inference agent instead of dropping blocks.
     */
    public FlowAgent(
        final PacketRing ring,
        final FlowPicSpec spec,
        final int maxFlows,
        final long idleTimeoutNanos,
        final int maxOpenPackets,
        final BlockHandoff handoff,
        final SensorCounters counters,
        final EpochNanoClock wallClock,
        final boolean waitWhenFull,
        final IdleStrategy backPressureIdle)
    {
        this.ring = ring;
        this.handoff = handoff;
        this.counters = counters;
        this.wallClock = wallClock;
        this.waitWhenFull = waitWhenFull;
        this.backPressureIdle = backPressureIdle;
        flowTable = new FlowTable(spec, maxFlows, idleTimeoutNanos, maxOpenPackets, counters.flowTable, this);
    }

    public String roleName()
    {
        return "flowpic-flow";
    }

    public int doWork()
    {
        if (finished)
        {
            return 0;
        }
        int work = ring.read(this, READ_LIMIT);
        if (stopRequested && work == 0)
        {
            // Live shutdown: the source has stopped, the ring is drained; finish every open block.
            flowTable.flushAll();
            finished = true;
            return 1;
        }
        if (wallClock == null)
        {
            return work; // replay sweeps from onMessage, on the packet clock
        }
        final long now = wallClock.nanoTime();
        if (nextSweepNanos != Long.MIN_VALUE &&
            now < nextSweepNanos - SWEEP_INTERVAL_NANOS - CLOCK_JUMP_BACK_NANOS)
        {
            // The clock stepped back: open blocks straddle two time axes and would otherwise wait for
            // the clock to catch up. Finish them all and start afresh on the new time.
            counters.clockJumps.incrementRelease();
            flowTable.flushAll();
            nextSweepNanos = now + SWEEP_INTERVAL_NANOS;
            return work + 1;
        }
        if (now >= nextSweepNanos)
        {
            work += flowTable.expire(now);
            nextSweepNanos = now + SWEEP_INTERVAL_NANOS;
        }
        return work;
    }

    public void onMessage(final int msgTypeId, final org.agrona.MutableDirectBuffer buffer, final int index,
        final int length)
    {
        if (msgTypeId == PacketRing.END_MESSAGE)
        {
            flowTable.flushAll();
            finished = true;
            return;
        }
        final int linkType = buffer.getInt(index + PacketRing.LINK_TYPE_OFFSET);
        final long timestamp = buffer.getLong(index + PacketRing.TIMESTAMP_OFFSET);
        final DecodeResult result = decoder.decode(linkType, buffer, index + PacketRing.HEADER_LENGTH,
            length - PacketRing.HEADER_LENGTH, packet);
        if (result != DecodeResult.OK)
        {
            counters.decodeResults[result.ordinal()].incrementRelease();
            return;
        }
        counters.packetsDecoded.incrementRelease();
        flowTable.onPacket(packet.ipVersion, packet.protocol, packet.srcHi, packet.srcLo, packet.dstHi,
            packet.dstLo, packet.srcPort, packet.dstPort, packet.ipLength, timestamp);
        if (wallClock == null)
        {
            // Replay sweeps at fixed points of the packet sequence, never at ring-batch boundaries,
            // so captures with out-of-order timestamps still replay to the same journal every time.
            final long clock = flowTable.clockNanos();
            if (clock >= nextSweepNanos)
            {
                flowTable.expire(clock);
                nextSweepNanos = clock + SWEEP_INTERVAL_NANOS;
            }
        }
    }

    public void onBlockFinished(final FlowPicBlock block, final boolean qualifies)
    {
        if (!qualifies)
        {
            counters.blocksTooSmall.incrementRelease();
            return;
        }
        FlowPicBlock slot = handoff.claim();
        if (slot == null && waitWhenFull)
        {
            backPressureIdle.reset();
            while ((slot = handoff.claim()) == null)
            {
                backPressureIdle.idle();
            }
        }
        if (slot == null)
        {
            counters.blocksDropped.incrementRelease();
            return;
        }
        slot.copyFrom(block);
        handoff.publish(slot);
        counters.blocksQueued.incrementRelease();
    }

    /** Live shutdown: once the ring is empty, finish every open block and stop. */
    public void requestStop()
    {
        stopRequested = true;
    }

    public boolean isFinished()
    {
        return finished;
    }

    public int activeFlows()
    {
        return flowTable.activeFlows();
    }
}

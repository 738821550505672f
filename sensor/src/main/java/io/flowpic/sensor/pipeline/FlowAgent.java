package io.flowpic.sensor.pipeline;

import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.flowtable.decode.DecodedPacket;
import io.flowpic.flowtable.decode.PacketDecoder;
import io.flowpic.flowtable.flow.BlockListener;
import io.flowpic.flowtable.flow.FlowPicBlock;
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
    /** A wall clock that goes back further than this was set back (NTP step, operator). */
    private static final long CLOCK_JUMP_BACK_NANOS = 2_000_000_000L;

    private final PacketRing ring;
    private final PacketDecoder decoder = new PacketDecoder(4096);
    private final DecodedPacket packet = new DecodedPacket();
    private final FlowTable flowTable;
    private final BlockHandoff handoff;
    private final SensorCounters counters;
    /** Live: the clock expiry follows. Null in replay, where the packet clock does (see {@link PipelineContext.Mode}). */
    private final EpochNanoClock wallClock;
    private final IdleStrategy backPressureIdle;
    private final boolean waitWhenFull;
    /** When the flow table's deadline index next has due flows to look at (its next tick). */
    private long nextExpiryNanos = Long.MIN_VALUE;
    private long lastLiveExpiryNanos;
    private volatile boolean finished;
    private volatile boolean stopRequested;
    /** System.nanoTime() until which the shutdown flush waits for hand-off slots. */
    private volatile long stopDeadlineNanos;
    private volatile boolean aborted;

    /** Built from the context: its mode decides the clock expiry follows and whether a full hand-off waits. */
    public FlowAgent(final PipelineContext context, final PacketRing ring, final BlockHandoff handoff)
    {
        this(context, context.counters(), ring, handoff);
    }

    /** One of several sharded agents: {@code counters} are its own (same names, summed when read). */
    public FlowAgent(final PipelineContext context, final SensorCounters counters, final PacketRing ring,
        final BlockHandoff handoff)
    {
        this.ring = ring;
        this.handoff = handoff;
        this.counters = counters;
        this.wallClock = context.isReplay() ? null : context.clock();
        this.waitWhenFull = context.isReplay();
        this.backPressureIdle = context.newBackPressureIdle();
        flowTable = new FlowTable(context.spec(), context.maxFlows(), context.idleTimeoutNanos(),
            context.maxOpenPackets(), counters.flowTable, this);
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
        // Growth happens here, between ring batches, never inside onPacket: room for every packet of the
        // next batch to start a flow and take a cell chunk, up to max-flows and max-open-packets.
        flowTable.reserve(READ_LIMIT);
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
            return work; // replay expires from onMessage, on the packet clock
        }
        final long now = wallClock.nanoTime();
        if (nextExpiryNanos != Long.MIN_VALUE && now < lastLiveExpiryNanos - CLOCK_JUMP_BACK_NANOS)
        {
            // The clock stepped back: open blocks straddle two time axes and would otherwise wait for
            // the clock to catch up. Finish them all and start afresh on the new time.
            counters.clockJumps.incrementRelease();
            flowTable.flushAll();
            lastLiveExpiryNanos = now;
            nextExpiryNanos = FlowTable.nextExpiryNanos(now);
            return work + 1;
        }
        if (now >= nextExpiryNanos)
        {
            // Live, a block whose flow falls silent is finished here, within a tick of the index (8.4 ms) of
            // its due time; the cost is the flows due, so it runs every tick whatever the table's size.
            work += flowTable.expire(now);
            lastLiveExpiryNanos = now;
            nextExpiryNanos = FlowTable.nextExpiryNanos(now);
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
        if (wallClock == null)
        {
            // Replay expires on the source's packet clock, before this packet is accounted, when the clock enters a
            // new tick of the deadline index, finishing what is due at the tick's start: fixed points of the packet
            // sequence, never ring-batch boundaries, so captures with out-of-order timestamps replay to the same
            // journal every time; and the same for each of several sharded agents as for one (a flow's state only
            // changes on its own packets, and each agent is brought to the same clock before each of them).
            final long clock = buffer.getLong(index + PacketRing.CLOCK_OFFSET);
            if (clock >= nextExpiryNanos)
            {
                nextExpiryNanos = FlowTable.nextExpiryNanos(clock);
                flowTable.expire(nextExpiryNanos - FlowTable.TICK_NANOS);
            }
        }
        final DecodeResult result = decoder.decode(linkType, buffer, index + PacketRing.HEADER_LENGTH,
            length - PacketRing.HEADER_LENGTH, buffer.getInt(index + PacketRing.ORIGINAL_LENGTH_OFFSET), packet);
        if (result != DecodeResult.OK)
        {
            counters.decodeResults[result.ordinal()].incrementRelease();
            return;
        }
        counters.packetsDecoded.incrementRelease();
        flowTable.onPacket(packet.ipVersion, packet.protocol, packet.srcHi, packet.srcLo, packet.dstHi,
            packet.dstLo, packet.srcPort, packet.dstPort, packet.ipLength, timestamp);
    }

    public void onBlockFinished(final FlowPicBlock block, final boolean qualifies)
    {
        if (!qualifies)
        {
            counters.blocksTooSmall.incrementRelease();
            return;
        }
        FlowPicBlock slot = handoff.claim();
        // Live, a full hand-off drops so capture never waits; once stopping, capture has stopped and the
        // shutdown flush (every open block at once) waits for inference, until the stop deadline.
        final boolean stopping = stopRequested;
        if (slot == null && (waitWhenFull || stopping))
        {
            backPressureIdle.reset();
            while ((slot = handoff.claim()) == null)
            {
                if (aborted || (stopping && !waitWhenFull && System.nanoTime() - stopDeadlineNanos >= 0))
                {
                    counters.blocksDropped.incrementRelease();
                    return;
                }
                backPressureIdle.idle();
            }
        }
        if (slot == null)
        {
            counters.blocksDropped.incrementRelease();
            return;
        }
        slot.copyFrom(block);
        slot.finishedNanos = wallClock == null ? 0 : wallClock.nanoTime();
        handoff.publish(slot);
        counters.blocksQueued.incrementRelease();
    }

    /**
     * Replay failed elsewhere (model, journal): stop waiting for hand-off slots that inference will
     * never free, so the agent's runner can close.
     */
    public void abort()
    {
        aborted = true;
    }

    /**
     * Live shutdown (capture has stopped): once the ring is empty, finish every open block and stop. Blocks
     * wait for a hand-off slot until {@code deadlineNanos} ({@link System#nanoTime()}); after it, those that
     * find none are counted as dropped.
     */
    public void requestStop(final long deadlineNanos)
    {
        stopDeadlineNanos = deadlineNanos;
        stopRequested = true;
    }

    /** The agent's thread is done with the table: free its direct memory now, not at some GC. */
    @Override
    public void onClose()
    {
        flowTable.close();
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

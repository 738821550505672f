package io.flowpic.flowtable.flow;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Unidirectional flows keyed by 5-tuple, each accumulating its current FlowPic block.
 * <p>
 * Single writer. Open addressing with linear probing over one off-heap slab (no per-flow objects,
 * no boxing); deletion by backward shift so no tombstones accumulate. Capacity is bounded: when
 * max flows are held, each packet of a new flow is counted as rejected rather than growing towards an OOM.
 * <p>
 * Nothing grows on the packet path: {@link #onPacket} never allocates. Memory is committed as flows
 * arrive, by {@link #reserve(int)}, which the owner calls between batches of packets (the flow agent,
 * before each ring read): a replay of a small file or a quiet link does not pay for max-flows up front,
 * and a rehash happens between packets, its pause absorbed by the ring. Replaced and closed slabs are
 * freed at once, not left to the garbage collector, so {@link #reservedBytes()} is what is mapped.
 * <p>
 * The slot count need not be a power of two (the final capacity is {@code ceil(4/3 * maxFlows)}, load
 * factor at most 0.75, so no rounding waste): a hash maps to its home slot by multiply-shift range
 * reduction of its high 32 bits, and probes wrap at the end of the slab by a compare, not a mask.
 * <p>
 * Blocks are aligned to each flow's first packet and do not overlap. A block finishes when the
 * clock passes its end, when its flow goes idle, or at {@link #flushAll()}: on its flow's next packet, or
 * by {@link #expire(long)}, which finds the flows due through a deadline index (a timing wheel threaded
 * through the slots) at a cost proportional to the flows due, not to the table. The same-flow case is also
 * decided on arrival, so results do not depend on when expiry runs. A packet whose window already finished is counted as late and not binned, so no
 * window of a flow is finished twice, whenever the sweep ran.
 */
public final class FlowTable
{
    private static final int SRC_HI = 0;
    private static final int SRC_LO = 8;
    private static final int DST_HI = 16;
    private static final int DST_LO = 24;
    private static final int PORTS = 32;
    /** bit 0: used; bits 8..15 IP version; bits 16..23 protocol. */
    private static final int META = 36;
    private static final int FIRST_SEEN = 40;
    private static final int LAST_SEEN = 48;
    private static final int BLOCK_START = 56;
    private static final int BLOCK_BYTES = 64;
    private static final int BLOCK_PACKETS = 72;
    private static final int HEAD_CHUNK = 76;
    private static final int TAIL_CHUNK = 80;
    /** Cells held in the chain; fewer than the block's packets only when the cell pool ran out. */
    private static final int RECORDED = 84;
    /**
     * Deadline index (see {@link #expire(long)}): the time the flow is filed under (its next due time, never
     * before the index's cursor; {@link Long#MAX_VALUE} = not filed, {@link #PENDING} = taken out by the expiry
     * now running) and its neighbours in the spoke's list (slot indexes, {@link #NONE} at the ends).
     */
    private static final int DUE = 88;
    private static final int NEXT = 96;
    private static final int PREV = 100;
    private static final int SLOT_LENGTH = 104;
    private static final int NONE = -1;
    private static final long PENDING = Long.MIN_VALUE;
    /**
     * The deadline index is a hashed timing wheel threaded through the slots: 2^TICK_SHIFT ns (8.4 ms) a tick,
     * SPOKES ticks a turn (137 s, more than a block plus the default idle timeout, so most flows are visited
     * once, when due). A doubly linked list per spoke, links in the slots: filing, unfiling and moving a flow
     * are O(1) and allocate nothing. (Agrona's DeadlineTimerWheel gives every spoke the same capacity, grown
     * for the busiest one, and flows created in the same tick share their idle deadline: millions of flows
     * would make it spokes x busiest-spoke longs, and its timer ids would need a map kept up to date as slots
     * move; so the index lives in the slots instead.)
     */
    static final int TICK_SHIFT = 23;
    /** The deadline index's tick: a due block is finished at most this long after its due time. */
    public static final long TICK_NANOS = 1L << TICK_SHIFT;
    static final int SPOKES = 1 << 14;
    private static final int SPOKE_MASK = SPOKES - 1;
    private static final int USED = 1;

    private final FlowPicSpec spec;
    private final int maxFlows;
    private final long idleTimeoutNanos;
    /** Slots the table starts with; {@link #reserve(int)} doubles it as flows arrive, up to what max flows needs. */
    static final int INITIAL_SLOTS = 1024;
    /** Keeps the slab within one UnsafeBuffer (int-indexed): 16,000,000 slots of 104 bytes. */
    public static final int MAX_FLOWS = 12_000_000;

    private final int maxSlotCount;
    private ByteBuffer slotMemory;
    private UnsafeBuffer slots;
    private int slotCount;
    /** Flows the slots hold at load factor 0.75 (max flows once at the final capacity); new flows beyond wait. */
    private int admitLimit;
    private final PacketCellPool cellPool;
    private final FlowTableCounters counters;
    private final BlockListener listener;
    private final FlowPicBlock block = new FlowPicBlock();
    private int size;
    private long clockNanos = Long.MIN_VALUE;
    private final int[] spokeHeads = new int[SPOKES];
    /** The tick up to which due flows were finished; Long.MIN_VALUE before the first expiry. */
    private long cursorTick = Long.MIN_VALUE;
    /** Flows taken out of the spoke being expired, linked like a spoke so slot moves keep them right. */
    private int pendingHead = NONE;

    public FlowTable(
        final FlowPicSpec spec,
        final int maxFlows,
        final long idleTimeoutNanos,
        final int maxOpenPackets,
        final FlowTableCounters counters,
        final BlockListener listener)
    {
        if (maxFlows < 1 || maxFlows > MAX_FLOWS)
        {
            throw new IllegalArgumentException("max flows must be in 1.." + MAX_FLOWS + ": " + maxFlows);
        }
        if (idleTimeoutNanos <= 0)
        {
            throw new IllegalArgumentException("idle timeout must be positive: " + idleTimeoutNanos);
        }
        this.spec = spec;
        this.maxFlows = maxFlows;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.counters = counters;
        this.listener = listener;
        // Load factor <= 0.75 keeps linear probe chains short; the final capacity is exactly
        // ceil(4/3 * maxFlows), not rounded up to a power of two. Memory is committed by reserve() as flows
        // arrive (doubling, then one last step to the final capacity). admitLimit < slotCount: a probe always
        // meets an empty slot.
        maxSlotCount = maxSlotCount(maxFlows);
        allocateSlots(Math.min(INITIAL_SLOTS, maxSlotCount));
        cellPool = new PacketCellPool(maxOpenPackets);
        java.util.Arrays.fill(spokeHeads, NONE);
    }

    /** The final slot count for {@code maxFlows}: ceil(4/3 * maxFlows), at least 2. */
    static int maxSlotCount(final int maxFlows)
    {
        return Math.max(2, (int)((maxFlows * 4L + 2) / 3));
    }

    public FlowPicSpec spec()
    {
        return spec;
    }

    public int activeFlows()
    {
        return size;
    }

    public int maxFlows()
    {
        return maxFlows;
    }

    private void allocateSlots(final int count)
    {
        slotCount = count;
        slotMemory = ByteBuffer.allocateDirect(count * SLOT_LENGTH);
        slots = new UnsafeBuffer(slotMemory);
        admitLimit = count == maxSlotCount ? maxFlows : (int)(count * 3L / 4);
    }

    /**
     * Makes room, if max flows and max open packets allow, for the next {@code packets} calls to
     * {@link #onPacket} each to start a flow and take a cell chunk, so none of them finds the table or the
     * cell pool short while it could still grow. Call it between batches, off the packet path: it may rehash
     * every flow into a new slab (doubling, a dozen times at most on the way to max flows). Cheap when there
     * is room: two comparisons.
     *
     * @return true when memory was added.
     */
    public boolean reserve(final int packets)
    {
        boolean grew = false;
        while (size + packets > admitLimit && slotCount < maxSlotCount)
        {
            grow();
            grew = true;
        }
        return cellPool.reserve(packets) || grew;
    }

    /**
     * Doubles the slot array (the last step only up to the final capacity), re-inserts every flow and frees
     * the old slab. Rare: only while the flow count climbs.
     */
    private void grow()
    {
        final ByteBuffer oldMemory = slotMemory;
        final UnsafeBuffer old = slots;
        final int oldCount = slotCount;
        allocateSlots(Math.min(oldCount * 2, maxSlotCount));
        for (int i = 0; i < oldCount; i++)
        {
            final int from = i * SLOT_LENGTH;
            final int meta = old.getInt(from + META);
            if (meta == 0)
            {
                continue;
            }
            final int count = slotCount;
            int index = home(hash(old.getLong(from + SRC_HI), old.getLong(from + SRC_LO), old.getLong(from + DST_HI),
                old.getLong(from + DST_LO), old.getInt(from + PORTS), meta), count);
            while (slots.getInt(index * SLOT_LENGTH + META) != 0)
            {
                if (++index == count)
                {
                    index = 0;
                }
            }
            slots.putBytes(index * SLOT_LENGTH, old, from, SLOT_LENGTH);
        }
        BufferUtil.free(oldMemory);
        // Links are slot indexes: file every flow again under the time it was filed under.
        java.util.Arrays.fill(spokeHeads, NONE);
        for (int index = 0; index < slotCount; index++)
        {
            final int offset = index * SLOT_LENGTH;
            if (slots.getInt(offset + META) != 0 && slots.getLong(offset + DUE) != Long.MAX_VALUE)
            {
                link(index, slots.getLong(offset + DUE));
            }
        }
    }

    /** Slots the table has now (it grows towards what max flows needs). */
    public int slotCount()
    {
        return slotCount;
    }

    /** Bytes held now for flows (direct) and open-block packets (heap): what is allocated, not a formula. */
    public long reservedBytes()
    {
        return (slotMemory == null ? 0 : slotMemory.capacity()) + cellPool.allocatedBytes();
    }

    /** Direct bytes held for flows: the slot slab, the only direct memory the table maps. */
    public long directBytes()
    {
        return slotMemory == null ? 0 : slotMemory.capacity();
    }

    /** Address of the slot slab, for tests: unchanged while nothing grows. */
    long slotAddress()
    {
        return slots.addressOffset();
    }

    /**
     * Frees the slot slab now rather than at some later GC. The table is unusable afterwards; call it from the
     * thread that owns the table, once no packet will come.
     */
    public void close()
    {
        if (slotMemory != null)
        {
            final ByteBuffer memory = slotMemory;
            slotMemory = null;
            slots = new UnsafeBuffer(new byte[0]); // use after close fails on bounds, never on freed memory
            slotCount = 0;
            admitLimit = 0;
            size = 0;
            BufferUtil.free(memory);
        }
    }

    /** Bytes the table may grow to: max flows and max open packets all in use. */
    public long maxReservedBytes()
    {
        return (long)maxSlotCount * SLOT_LENGTH + cellPool.maxBytes();
    }

    /**
     * When {@link #expire(long)} next has something to do after a call at {@code nowNanos}: the start of the next
     * tick of the deadline index. Calling it sooner only re-visits the current tick's flows.
     */
    public static long nextExpiryNanos(final long nowNanos)
    {
        return ((nowNanos >> TICK_SHIFT) + 1) << TICK_SHIFT;
    }

    /** Latest packet time seen (the packet clock). */
    public long clockNanos()
    {
        return clockNanos;
    }

    /**
     * Accounts one TCP/UDP packet. IPv4 addresses go in the low words with the high words zero.
     */
    public void onPacket(
        final int ipVersion,
        final int protocol,
        final long srcHi,
        final long srcLo,
        final long dstHi,
        final long dstLo,
        final int srcPort,
        final int dstPort,
        final int ipLength,
        final long timestampNanos)
    {
        if (timestampNanos > clockNanos)
        {
            clockNanos = timestampNanos;
        }
        if (ipLength > spec.maxPacketSize())
        {
            counters.packetsOversize.incrementRelease();
        }
        final int ports = (srcPort << 16) | (dstPort & 0xFFFF);
        final int meta = USED | (ipVersion << 8) | (protocol << 16);
        final int count = slotCount;
        int index = home(hash(srcHi, srcLo, dstHi, dstLo, ports, meta), count);
        int offset;
        while (true)
        {
            offset = index * SLOT_LENGTH;
            final int slotMeta = slots.getInt(offset + META);
            if (slotMeta == 0)
            {
                if (size >= admitLimit)
                {
                    // At max flows (or, for an owner that did not reserve(), at the capacity now mapped).
                    counters.packetsRejectedTableFull.incrementRelease();
                    return;
                }
                slots.putLong(offset + SRC_HI, srcHi);
                slots.putLong(offset + SRC_LO, srcLo);
                slots.putLong(offset + DST_HI, dstHi);
                slots.putLong(offset + DST_LO, dstLo);
                slots.putInt(offset + PORTS, ports);
                slots.putInt(offset + META, meta);
                slots.putLong(offset + DUE, Long.MAX_VALUE); // filed when its first block opens, in addPacket
                startFlow(offset, timestampNanos);
                size++;
                counters.flowsActive.setRelease(size);
                break;
            }
            if (slotMeta == meta &&
                slots.getInt(offset + PORTS) == ports &&
                slots.getLong(offset + SRC_LO) == srcLo &&
                slots.getLong(offset + DST_LO) == dstLo &&
                slots.getLong(offset + SRC_HI) == srcHi &&
                slots.getLong(offset + DST_HI) == dstHi)
            {
                final long lastSeen = slots.getLong(offset + LAST_SEEN);
                if (timestampNanos - lastSeen > idleTimeoutNanos)
                {
                    // Idle gap: the old flow ended; this packet starts a new one with its own block grid.
                    finishBlock(offset);
                    counters.flowsClosedIdle.incrementRelease();
                    startFlow(offset, timestampNanos);
                }
                else if (timestampNanos < lastSeen)
                {
                    counters.packetsOutOfOrder.incrementRelease();
                }
                break;
            }
            if (++index == count)
            {
                index = 0;
            }
        }
        addPacket(index, offset, ipLength, timestampNanos);
    }

    private void startFlow(final int offset, final long timestampNanos)
    {
        slots.putLong(offset + FIRST_SEEN, timestampNanos);
        slots.putLong(offset + LAST_SEEN, timestampNanos);
        slots.putLong(offset + BLOCK_START, timestampNanos);
        slots.putLong(offset + BLOCK_BYTES, 0);
        slots.putInt(offset + BLOCK_PACKETS, 0);
        slots.putInt(offset + HEAD_CHUNK, PacketCellPool.NONE);
        slots.putInt(offset + TAIL_CHUNK, PacketCellPool.NONE);
        slots.putInt(offset + RECORDED, 0);
        counters.flowsCreated.incrementRelease();
    }

    private void addPacket(final int index, final int offset, final int ipLength, final long timestampNanos)
    {
        final long blockNanos = spec.blockNanos();
        int packets = slots.getInt(offset + BLOCK_PACKETS);
        long blockStart = slots.getLong(offset + BLOCK_START);
        // BLOCK_START only moves forward: the open window's start, or the end of the last finished one. Every
        // window before it was finished (or passed empty), so binning this packet would either finish a window
        // twice or put it in a window it does not belong to. Packets before the first one belong to window 0
        // while it is open (BLOCK_START == FIRST_SEEN).
        if (timestampNanos < blockStart && blockStart != slots.getLong(offset + FIRST_SEEN))
        {
            counters.packetsLate.incrementRelease();
            return;
        }
        if (packets > 0 && timestampNanos >= blockStart + blockNanos)
        {
            finishBlock(offset);
            packets = 0;
        }
        if (packets == 0)
        {
            final long first = slots.getLong(offset + FIRST_SEEN);
            final long sinceFirst = timestampNanos - first;
            blockStart = sinceFirst <= 0 ? first : first + (sinceFirst / blockNanos) * blockNanos;
            slots.putLong(offset + BLOCK_START, blockStart);
            // A block opens: the flow is due at the block's end or, if sooner, when it would go idle after this
            // packet; maybe before the time it is filed under (a later idle deadline, or a new flow's not yet
            // filed). Due times that move later (every packet moves the idle one) are left to the expiry to
            // re-file, so the index costs nothing on most packets.
            final long due = Math.min(blockStart + blockNanos, timestampNanos + idleTimeoutNanos + 1);
            final long filed = slots.getLong(offset + DUE);
            if (due < filed)
            {
                if (filed != Long.MAX_VALUE)
                {
                    unlink(index);
                }
                file(index, due);
            }
        }
        if (timestampNanos > slots.getLong(offset + LAST_SEEN))
        {
            slots.putLong(offset + LAST_SEEN, timestampNanos);
        }

        final int cell = spec.cell(ipLength, timestampNanos - blockStart);
        final int recorded = slots.getInt(offset + RECORDED);
        final int slotInChunk = recorded % PacketCellPool.CELLS_PER_CHUNK;
        int tail = slots.getInt(offset + TAIL_CHUNK);
        if (slotInChunk == 0)
        {
            final int chunk = cellPool.allocate();
            if (chunk == PacketCellPool.NONE)
            {
                tail = PacketCellPool.NONE;
            }
            else
            {
                if (recorded == 0)
                {
                    slots.putInt(offset + HEAD_CHUNK, chunk);
                }
                else
                {
                    cellPool.link(tail, chunk);
                }
                tail = chunk;
                slots.putInt(offset + TAIL_CHUNK, chunk);
            }
        }
        if (tail != PacketCellPool.NONE)
        {
            cellPool.put(tail, slotInChunk, cell);
            slots.putInt(offset + RECORDED, recorded + 1);
        }
        else
        {
            counters.cellsDroppedPoolFull.incrementRelease();
        }
        slots.putInt(offset + BLOCK_PACKETS, packets + 1);
        slots.putLong(offset + BLOCK_BYTES, slots.getLong(offset + BLOCK_BYTES) + ipLength);
    }

    private void finishBlock(final int offset)
    {
        final int packets = slots.getInt(offset + BLOCK_PACKETS);
        if (packets == 0)
        {
            return;
        }
        final int meta = slots.getInt(offset + META);
        final FlowPicBlock block = this.block;
        block.ipVersion = (meta >>> 8) & 0xFF;
        block.protocol = (meta >>> 16) & 0xFF;
        block.srcHi = slots.getLong(offset + SRC_HI);
        block.srcLo = slots.getLong(offset + SRC_LO);
        block.dstHi = slots.getLong(offset + DST_HI);
        block.dstLo = slots.getLong(offset + DST_LO);
        final int ports = slots.getInt(offset + PORTS);
        block.srcPort = ports >>> 16;
        block.dstPort = ports & 0xFFFF;
        block.startNanos = slots.getLong(offset + BLOCK_START);
        block.endNanos = block.startNanos + spec.blockNanos();
        block.packets = packets;
        block.bytes = slots.getLong(offset + BLOCK_BYTES);
        block.clearCells();
        final int head = slots.getInt(offset + HEAD_CHUNK);
        final int recorded = slots.getInt(offset + RECORDED);
        if (recorded > 0)
        {
            cellPool.drainInto(head, recorded, block);
        }
        slots.putInt(offset + BLOCK_PACKETS, 0);
        slots.putLong(offset + BLOCK_BYTES, 0);
        slots.putInt(offset + HEAD_CHUNK, PacketCellPool.NONE);
        slots.putInt(offset + TAIL_CHUNK, PacketCellPool.NONE);
        slots.putInt(offset + RECORDED, 0);
        // The window is done: later packets of it are late (see addPacket), never a second block.
        slots.putLong(offset + BLOCK_START, block.endNanos);
        listener.onBlockFinished(block, packets >= spec.minPackets());
    }

    /**
     * Moves the clock to {@code nowNanos} (never backwards) and finishes every block whose window has
     * passed and every flow idle for longer than the idle timeout. Live capture calls this from the wall
     * clock, offline replay from the packet clock.
     * <p>
     * Cost: the spokes of the ticks since the last call (at most one turn) and the flows filed in them, i.e.
     * the flows due (a flow is filed under its earliest due time: its open block's end, else its idle
     * deadline), plus the few filed a turn or more ahead; not the table. A flow whose due time moved later (a
     * packet since) is filed again under the new one.
     *
     * @return number of blocks finished or flows closed.
     */
    public int expire(final long nowNanos)
    {
        if (nowNanos > clockNanos)
        {
            clockNanos = nowNanos;
        }
        // Due at nowNanos, not at the table's own clock: the caller decides the time (sharded replay agents get the
        // same times, whatever packets each has seen).
        final long now = nowNanos;
        final long nowTick = now >> TICK_SHIFT;
        long tick = cursorTick == Long.MIN_VALUE || nowTick - cursorTick >= SPOKES ? nowTick - (SPOKES - 1) : cursorTick;
        if (nowTick < tick)
        {
            return 0;
        }
        int work = 0;
        for (; tick <= nowTick; tick++)
        {
            work += expireSpoke((int)(tick & SPOKE_MASK), now);
        }
        cursorTick = nowTick;
        return work;
    }

    /** Finishes what is due in one spoke; files the rest again (due later in this tick, or in a later turn). */
    private int expireSpoke(final int spoke, final long now)
    {
        int head = spokeHeads[spoke];
        if (head == NONE)
        {
            return 0;
        }
        // Take the whole list out first: finishing a flow may move others (backward-shift deletion), and the
        // links, kept right on every move, then still say what is left to visit.
        spokeHeads[spoke] = NONE;
        pendingHead = head;
        for (int index = head; index != NONE; index = slots.getInt(index * SLOT_LENGTH + NEXT))
        {
            slots.putLong(index * SLOT_LENGTH + DUE, PENDING);
        }
        final long blockNanos = spec.blockNanos();
        int work = 0;
        while ((head = pendingHead) != NONE)
        {
            unlink(head);
            final int offset = head * SLOT_LENGTH;
            if (now - slots.getLong(offset + LAST_SEEN) > idleTimeoutNanos)
            {
                finishBlock(offset);
                counters.flowsClosedIdle.incrementRelease();
                remove(head);
                work++;
                continue;
            }
            if (slots.getInt(offset + BLOCK_PACKETS) > 0 && now >= slots.getLong(offset + BLOCK_START) + blockNanos)
            {
                finishBlock(offset);
                work++;
            }
            file(head, dueNanos(offset));
        }
        return work;
    }

    /** The flow's earliest due time: its open block's end, else the first instant it counts as idle. */
    private long dueNanos(final int offset)
    {
        final long idleDue = slots.getLong(offset + LAST_SEEN) + idleTimeoutNanos + 1;
        if (slots.getInt(offset + BLOCK_PACKETS) > 0)
        {
            return Math.min(idleDue, slots.getLong(offset + BLOCK_START) + spec.blockNanos());
        }
        return idleDue;
    }

    /** Files a flow under {@code dueNanos}, or under the cursor's tick if that is earlier (so it is not skipped). */
    private void file(final int index, final long dueNanos)
    {
        long key = dueNanos;
        if (cursorTick != Long.MIN_VALUE && (key >> TICK_SHIFT) < cursorTick)
        {
            key = cursorTick << TICK_SHIFT;
        }
        link(index, key);
    }

    private void link(final int index, final long key)
    {
        final int offset = index * SLOT_LENGTH;
        final int spoke = (int)((key >> TICK_SHIFT) & SPOKE_MASK);
        final int head = spokeHeads[spoke];
        slots.putLong(offset + DUE, key);
        slots.putInt(offset + PREV, NONE);
        slots.putInt(offset + NEXT, head);
        if (head != NONE)
        {
            slots.putInt(head * SLOT_LENGTH + PREV, index);
        }
        spokeHeads[spoke] = index;
    }

    /** Takes a filed (or pending) flow out of its list; it is then not filed. */
    private void unlink(final int index)
    {
        final int offset = index * SLOT_LENGTH;
        final int prev = slots.getInt(offset + PREV);
        final int next = slots.getInt(offset + NEXT);
        if (prev != NONE)
        {
            slots.putInt(prev * SLOT_LENGTH + NEXT, next);
        }
        else
        {
            setHead(slots.getLong(offset + DUE), next);
        }
        if (next != NONE)
        {
            slots.putInt(next * SLOT_LENGTH + PREV, prev);
        }
        slots.putLong(offset + DUE, Long.MAX_VALUE);
    }

    private void setHead(final long key, final int index)
    {
        if (key == PENDING)
        {
            pendingHead = index;
        }
        else
        {
            spokeHeads[(int)((key >> TICK_SHIFT) & SPOKE_MASK)] = index;
        }
    }

    /** A flow's slot was copied from {@code from} to {@code to}: its neighbours (or its list's head) follow it. */
    private void moved(final int to)
    {
        final int offset = to * SLOT_LENGTH;
        final long key = slots.getLong(offset + DUE);
        if (key == Long.MAX_VALUE)
        {
            return;
        }
        final int prev = slots.getInt(offset + PREV);
        final int next = slots.getInt(offset + NEXT);
        if (prev != NONE)
        {
            slots.putInt(prev * SLOT_LENGTH + NEXT, to);
        }
        else
        {
            setHead(key, to);
        }
        if (next != NONE)
        {
            slots.putInt(next * SLOT_LENGTH + PREV, to);
        }
    }

    /** Finishes every open block and forgets every flow: end of input or shutdown. */
    public void flushAll()
    {
        for (int index = 0; index < slotCount; index++)
        {
            final int offset = index * SLOT_LENGTH;
            if (slots.getInt(offset + META) != 0)
            {
                finishBlock(offset);
            }
        }
        slots.setMemory(0, slotCount * SLOT_LENGTH, (byte)0);
        java.util.Arrays.fill(spokeHeads, NONE);
        pendingHead = NONE;
        cursorTick = Long.MIN_VALUE;
        size = 0;
        counters.flowsActive.setRelease(0);
        // Everything is finished: a later packet may start a new time axis, even an earlier one.
        clockNanos = Long.MIN_VALUE;
    }

    private void remove(final int removedIndex)
    {
        final int count = slotCount;
        int hole = removedIndex;
        int index = removedIndex + 1 == count ? 0 : removedIndex + 1;
        while (true)
        {
            final int offset = index * SLOT_LENGTH;
            final int meta = slots.getInt(offset + META);
            if (meta == 0)
            {
                break;
            }
            final int home = home(hash(
                slots.getLong(offset + SRC_HI), slots.getLong(offset + SRC_LO),
                slots.getLong(offset + DST_HI), slots.getLong(offset + DST_LO),
                slots.getInt(offset + PORTS), meta), count);
            // Move the entry into the hole if its home is not cyclically within (hole, index]: its probe
            // distance is at least the hole's distance back from it (both taken modulo the slot count).
            int fromHome = index - home;
            if (fromHome < 0)
            {
                fromHome += count;
            }
            int fromHole = index - hole;
            if (fromHole < 0)
            {
                fromHole += count;
            }
            if (fromHome >= fromHole)
            {
                slots.putBytes(hole * SLOT_LENGTH, slots, offset, SLOT_LENGTH);
                moved(hole);
                hole = index;
            }
            if (++index == count)
            {
                index = 0;
            }
        }
        slots.setMemory(hole * SLOT_LENGTH, SLOT_LENGTH, (byte)0);
        size--;
        counters.flowsActive.setRelease(size);
    }

    /** Slot index holding the flow, or -1. For tests and diagnostics; the packet path inlines the same probe. */
    int indexOf(
        final int ipVersion,
        final int protocol,
        final long srcHi,
        final long srcLo,
        final long dstHi,
        final long dstLo,
        final int srcPort,
        final int dstPort)
    {
        final int ports = (srcPort << 16) | (dstPort & 0xFFFF);
        final int meta = USED | (ipVersion << 8) | (protocol << 16);
        final int count = slotCount;
        int index = homeSlot(count, ipVersion, protocol, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort);
        for (int probes = 0; probes < count; probes++)
        {
            final int offset = index * SLOT_LENGTH;
            final int slotMeta = slots.getInt(offset + META);
            if (slotMeta == 0)
            {
                return -1;
            }
            if (slotMeta == meta &&
                slots.getInt(offset + PORTS) == ports &&
                slots.getLong(offset + SRC_LO) == srcLo &&
                slots.getLong(offset + DST_LO) == dstLo &&
                slots.getLong(offset + SRC_HI) == srcHi &&
                slots.getLong(offset + DST_HI) == dstHi)
            {
                return index;
            }
            if (++index == count)
            {
                index = 0;
            }
        }
        return -1;
    }

    /** Home slot of a flow in a table of {@code slotCount} slots. For tests. */
    static int homeSlot(
        final int slotCount,
        final int ipVersion,
        final int protocol,
        final long srcHi,
        final long srcLo,
        final long dstHi,
        final long dstLo,
        final int srcPort,
        final int dstPort)
    {
        final int ports = (srcPort << 16) | (dstPort & 0xFFFF);
        final int meta = USED | (ipVersion << 8) | (protocol << 16);
        return home(hash(srcHi, srcLo, dstHi, dstLo, ports, meta), slotCount);
    }

    /**
     * Checks the open-addressing invariants, for tests: the used slots number {@link #activeFlows()}, at least
     * one slot is empty, and every flow is reachable from its home slot (no empty slot cyclically between its
     * home and its slot).
     *
     * @throws IllegalStateException naming the first violation.
     */
    void verifySlots()
    {
        final int count = slotCount;
        int used = 0;
        for (int index = 0; index < count; index++)
        {
            final int offset = index * SLOT_LENGTH;
            final int meta = slots.getInt(offset + META);
            if (meta == 0)
            {
                continue;
            }
            used++;
            int probe = home(hash(
                slots.getLong(offset + SRC_HI), slots.getLong(offset + SRC_LO),
                slots.getLong(offset + DST_HI), slots.getLong(offset + DST_LO),
                slots.getInt(offset + PORTS), meta), count);
            while (probe != index)
            {
                if (slots.getInt(probe * SLOT_LENGTH + META) == 0)
                {
                    throw new IllegalStateException("flow in slot " + index + " of " + count +
                        " is unreachable: empty slot " + probe + " on its probe path");
                }
                if (++probe == count)
                {
                    probe = 0;
                }
            }
        }
        if (used != size)
        {
            throw new IllegalStateException(used + " used slots but " + size + " active flows");
        }
        if (used >= count)
        {
            throw new IllegalStateException("no empty slot among " + count);
        }
    }

    /**
     * Home slot of a hash in a table of {@code slotCount} slots: multiply-shift range reduction (Lemire) of the
     * hash's high 32 bits (the well-mixed product bits), uniform for any slot count, power of two or not.
     */
    static int home(final long hash, final int slotCount)
    {
        return (int)(((hash >>> 32) * slotCount) >>> 32);
    }

    static long hash(
        final long srcHi, final long srcLo, final long dstHi, final long dstLo, final int ports, final int meta)
    {
        long h = srcHi * 0x9E3779B97F4A7C15L;
        h = (h ^ srcLo) * 0xC2B2AE3D27D4EB4FL;
        h = (h ^ dstHi) * 0x165667B19E3779F9L;
        h = (h ^ dstLo) * 0x9E3779B97F4A7C15L;
        h = (h ^ (((long)ports << 32) | (meta & 0xFFFFFFFFL))) * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        return h;
    }
}

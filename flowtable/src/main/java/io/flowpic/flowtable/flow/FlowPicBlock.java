package io.flowpic.flowtable.flow;

import java.util.Arrays;

/**
 * One finished block of one unidirectional flow: its 5-tuple, its window and the cell index of every
 * packet in it. Kept as a packet list rather than a dense R×R grid so that R = 1500 costs memory in
 * proportion to packets, not 2.25 M cells. Mutable and reusable: the flow table fills one flyweight,
 * queues copy it into pooled instances, so nothing is allocated per block once the pools are warm.
 */
public final class FlowPicBlock
{
    /** Counts saturate here, as a 16-bit histogram cell would. */
    public static final int MAX_CELL_COUNT = 65535;

    public int ipVersion;
    public int protocol;
    public long srcHi;
    public long srcLo;
    public long dstHi;
    public long dstLo;
    public int srcPort;
    public int dstPort;
    public long startNanos;
    public long endNanos;
    /**
     * When the sensor finished the block (live: wall clock, set by the flow agent after the copy;
     * 0 when unknown). Not part of the block's content: {@link #copyFrom} leaves it alone.
     */
    public long finishedNanos;
    public long bytes;
    /** Packets in the block, including any whose cell could not be recorded. */
    public int packets;
    private int[] cells = new int[64];
    private int cellCount;

    public int cellCount()
    {
        return cellCount;
    }

    public int cellAt(final int index)
    {
        return cells[index];
    }

    public void clearCells()
    {
        cellCount = 0;
    }

    public void addCell(final int cell)
    {
        if (cellCount == cells.length)
        {
            cells = Arrays.copyOf(cells, cells.length * 2);
        }
        cells[cellCount++] = cell;
    }

    public void copyFrom(final FlowPicBlock other)
    {
        ipVersion = other.ipVersion;
        protocol = other.protocol;
        srcHi = other.srcHi;
        srcLo = other.srcLo;
        dstHi = other.dstHi;
        dstLo = other.dstLo;
        srcPort = other.srcPort;
        dstPort = other.dstPort;
        startNanos = other.startNanos;
        endNanos = other.endNanos;
        bytes = other.bytes;
        packets = other.packets;
        if (cells.length < other.cellCount)
        {
            cells = new int[Math.max(other.cellCount, cells.length * 2)];
        }
        System.arraycopy(other.cells, 0, cells, 0, other.cellCount);
        cellCount = other.cellCount;
    }

    /**
     * Adds this block's packet counts into {@code dst} at {@code offset}, an R×R row-major image.
     * The destination region must be zeroed by the caller; counts saturate at {@link #MAX_CELL_COUNT}.
     */
    public void addCountsTo(final float[] dst, final int offset)
    {
        for (int i = 0; i < cellCount; i++)
        {
            final int index = offset + cells[i];
            if (dst[index] < MAX_CELL_COUNT)
            {
                dst[index] += 1.0f;
            }
        }
    }
}

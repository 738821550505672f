package io.flowpic.flowtable.flow;

/**
 * Fixed-size pool of chained chunks holding the cell index of every packet of every open block.
 * Primitive slab plus free list: no allocation per packet, memory fixed at construction, and a
 * full pool is reported to the caller (who counts it) instead of growing.
 */
final class PacketCellPool
{
    static final int NONE = -1;
    /**
     * One int links to the next chunk, the rest hold cells. 16 ints: an open block of one packet costs
     * 64 B, and a long block spends 1 int in 16 on links.
     */
    static final int CHUNK_INTS = 16;
    static final int CELLS_PER_CHUNK = CHUNK_INTS - 1;

    private final int[] slab;
    private final int chunkCount;
    private int freeHead;
    private int freeChunks;

    PacketCellPool(final int maxCells)
    {
        chunkCount = Math.max(1, (maxCells + CELLS_PER_CHUNK - 1) / CELLS_PER_CHUNK);
        slab = new int[chunkCount * CHUNK_INTS];
        for (int i = 0; i < chunkCount; i++)
        {
            slab[i * CHUNK_INTS] = i + 1 < chunkCount ? i + 1 : NONE;
        }
        freeHead = 0;
        freeChunks = chunkCount;
    }

    int capacityCells()
    {
        return chunkCount * CELLS_PER_CHUNK;
    }

    int freeChunks()
    {
        return freeChunks;
    }

    /** @return a chunk index, or {@link #NONE} when the pool is exhausted. */
    int allocate()
    {
        final int chunk = freeHead;
        if (chunk != NONE)
        {
            freeHead = slab[chunk * CHUNK_INTS];
            slab[chunk * CHUNK_INTS] = NONE;
            freeChunks--;
        }
        return chunk;
    }

    void link(final int chunk, final int next)
    {
        slab[chunk * CHUNK_INTS] = next;
    }

    void put(final int chunk, final int slot, final int cell)
    {
        slab[chunk * CHUNK_INTS + 1 + slot] = cell;
    }

    /** Copies {@code count} cells of the chain starting at {@code head} into the block, then frees the chain. */
    void drainInto(final int head, final int count, final FlowPicBlock block)
    {
        int chunk = head;
        int remaining = count;
        while (chunk != NONE)
        {
            final int base = chunk * CHUNK_INTS;
            final int inChunk = Math.min(remaining, CELLS_PER_CHUNK);
            for (int i = 0; i < inChunk; i++)
            {
                block.addCell(slab[base + 1 + i]);
            }
            remaining -= inChunk;
            final int next = slab[base];
            slab[base] = freeHead;
            freeHead = chunk;
            freeChunks++;
            chunk = next;
        }
    }
}

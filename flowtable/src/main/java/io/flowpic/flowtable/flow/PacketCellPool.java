package io.flowpic.flowtable.flow;

/**
 * Bounded pool of chained chunks holding the cell index of every packet of every open block.
 * Primitive slab plus free list. The slab grows (doubling, up to the configured maximum) only in
 * {@link #reserve(int)}, which the owner calls between packets; {@link #allocate()} never grows, and a
 * pool with no chunk left reports it to the caller (who counts it).
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

    /** Chunks the slab starts with; {@link #reserve(int)} doubles it up to the configured maximum. */
    static final int INITIAL_CHUNKS = 4096;

    private final int maxChunks;
    private int[] slab;
    /** Chunks never handed out start here: no free-list initialisation pass over the slab. */
    private int nextUnused;
    private int freeHead = NONE;
    private int freeChunks;

    PacketCellPool(final int maxCells)
    {
        maxChunks = Math.max(1, (maxCells + CELLS_PER_CHUNK - 1) / CELLS_PER_CHUNK);
        slab = new int[Math.min(INITIAL_CHUNKS, maxChunks) * CHUNK_INTS];
    }

    long allocatedBytes()
    {
        return slab.length * 4L;
    }

    long maxBytes()
    {
        return (long)maxChunks * CHUNK_INTS * 4L;
    }

    /**
     * Grows the slab, if it can, so that the next {@code chunks} calls to {@link #allocate()} succeed. Off the
     * packet path: the owner calls it between batches of packets (each packet takes at most one chunk).
     *
     * @return true when the slab grew.
     */
    boolean reserve(final int chunks)
    {
        final int slabChunks = slab.length / CHUNK_INTS;
        if (freeChunks + (slabChunks - nextUnused) >= chunks || slabChunks == maxChunks)
        {
            return false;
        }
        int grown = slabChunks;
        while (freeChunks + (grown - nextUnused) < chunks && grown < maxChunks)
        {
            grown = (int)Math.min((long)grown * 2, maxChunks);
        }
        slab = java.util.Arrays.copyOf(slab, grown * CHUNK_INTS);
        return true;
    }

    /** @return a chunk index, or {@link #NONE} when no chunk is free in the slab as reserved. */
    int allocate()
    {
        final int chunk = freeHead;
        if (chunk != NONE)
        {
            freeHead = slab[chunk * CHUNK_INTS];
            slab[chunk * CHUNK_INTS] = NONE;
            freeChunks--;
            return chunk;
        }
        if (nextUnused == slab.length / CHUNK_INTS)
        {
            return NONE;
        }
        slab[nextUnused * CHUNK_INTS] = NONE;
        return nextUnused++;
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

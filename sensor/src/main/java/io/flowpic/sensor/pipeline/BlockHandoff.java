package io.flowpic.sensor.pipeline;

import io.flowpic.flowtable.flow.FlowPicBlock;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;

/**
 * Bounded queue of finished blocks from the flow agent to the inference agent, with a recycling
 * pool going back, so blocks are copied into preallocated instances and never allocated in flight.
 * The pool's size is the queue's bound: an empty pool means the inference side is behind.
 */
public final class BlockHandoff
{
    private final OneToOneConcurrentArrayQueue<FlowPicBlock> pending;
    private final OneToOneConcurrentArrayQueue<FlowPicBlock> free;

    public BlockHandoff(final int capacity)
    {
        pending = new OneToOneConcurrentArrayQueue<>(capacity);
        free = new OneToOneConcurrentArrayQueue<>(capacity);
        for (int i = 0; i < capacity; i++)
        {
            free.offer(new FlowPicBlock());
        }
    }

    /** Flow agent: a block to fill, or null when all are in flight. */
    public FlowPicBlock claim()
    {
        return free.poll();
    }

    /** Flow agent: hand a filled block over. Cannot fail: the pool bounds what is in flight. */
    public void publish(final FlowPicBlock block)
    {
        pending.offer(block);
    }

    /** Inference agent: next block, or null. */
    public FlowPicBlock poll()
    {
        return pending.poll();
    }

    /** Inference agent: give a block back once it is journaled. */
    public void release(final FlowPicBlock block)
    {
        free.offer(block);
    }

    public int pendingCount()
    {
        return pending.size();
    }
}

package io.flowpic.sensor.pipeline;

import io.flowpic.flowtable.flow.FlowPicBlock;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;

import java.util.Queue;

/**
 * Bounded queue of finished blocks from the flow agent to the inference agent, with a recycling
 * pool going back, so blocks are copied into preallocated instances and never allocated in flight.
 * The pool's size is the queue's bound: an empty pool means the inference side is behind. Sharded flow
 * agents share one hand-off: then blocks come from many producers and the pool goes back to many.
 */
public final class BlockHandoff
{
    private final Queue<FlowPicBlock> pending;
    private final Queue<FlowPicBlock> free;

    public BlockHandoff(final int capacity)
    {
        this(capacity, 1);
    }

    /** @param producers flow agents that hand blocks over (one inference agent takes them). */
    public BlockHandoff(final int capacity, final int producers)
    {
        pending = producers == 1 ? new OneToOneConcurrentArrayQueue<>(capacity) :
            new ManyToOneConcurrentArrayQueue<>(capacity);
        free = producers == 1 ? new OneToOneConcurrentArrayQueue<>(capacity) :
            new ManyToManyConcurrentArrayQueue<>(capacity);
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

package io.flowpic.flowtable.flow;

/** Receives blocks as the flow table finishes them. The block is a flyweight valid only during the call. */
@FunctionalInterface
public interface BlockListener
{
    /**
     * @param block    the finished block.
     * @param qualifies whether it holds at least the spec's minimum packets; those that do not are
     *                 reported too so the caller can count them.
     */
    void onBlockFinished(FlowPicBlock block, boolean qualifies);
}

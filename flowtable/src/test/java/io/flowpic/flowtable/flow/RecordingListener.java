package io.flowpic.flowtable.flow;

import java.util.ArrayList;
import java.util.List;

/** Keeps a copy of every finished block, for assertions. */
final class RecordingListener implements BlockListener
{
    final List<FlowPicBlock> qualified = new ArrayList<>();
    final List<FlowPicBlock> tooSmall = new ArrayList<>();

    public void onBlockFinished(final FlowPicBlock block, final boolean qualifies)
    {
        final FlowPicBlock copy = new FlowPicBlock();
        copy.copyFrom(block);
        (qualifies ? qualified : tooSmall).add(copy);
    }

    List<FlowPicBlock> all()
    {
        final List<FlowPicBlock> all = new ArrayList<>(qualified);
        all.addAll(tooSmall);
        return all;
    }
}

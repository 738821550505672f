package io.flowpic.inference.dataset;

import io.flowpic.flowtable.flow.FlowPicBlock;

/**
 * One labelled training block: a private copy of the flow table's block (its packet cells, so memory is
 * proportional to packets even at R = 1500) plus where it came from.
 *
 * @param pcapName capture of the session (the grouping key).
 * @param label    index of the class in the label list.
 * @param block    owned copy of the finished block.
 */
public record BlockSample(String pcapName, int label, FlowPicBlock block)
{
    public static BlockSample copyOf(final String pcapName, final int label, final FlowPicBlock flyweight)
    {
        final FlowPicBlock copy = new FlowPicBlock();
        copy.copyFrom(flyweight);
        return new BlockSample(pcapName, label, copy);
    }

    public String source()
    {
        return FlowSession.sourceOf(pcapName);
    }

    /** Adds raw counts into a zeroed R*R row-major region of {@code dst}. */
    public void addCountsTo(final float[] dst, final int offset)
    {
        block.addCountsTo(dst, offset);
    }

    public float[] counts(final int cellsPerImage)
    {
        final float[] counts = new float[cellsPerImage];
        block.addCountsTo(counts, 0);
        return counts;
    }
}

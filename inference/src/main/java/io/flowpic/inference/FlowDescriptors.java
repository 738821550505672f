package io.flowpic.inference;

import io.flowpic.flowtable.flow.FlowPicBlock;

/**
 * What a model may know of a block besides its picture: facts of the flow the sensor already holds, fed as
 * a second model input when the model's metadata names one ({@code flowInputName}). One definition used by
 * training, evaluation and the sensor, so a model sees the same values everywhere.
 *
 * <p>Only the transport is given. It separates VoIP (always UDP) from chat, browsing and file transfer
 * (mostly TCP) in a way that carries over between networks; ports and addresses would not, and would teach a
 * model the captures it was trained on.
 */
public final class FlowDescriptors
{
    /** Values per block. */
    public static final int WIDTH = 1;

    private static final int UDP = 17;

    private FlowDescriptors()
    {
    }

    /** Writes {@link #WIDTH} values for {@code block} into {@code dst} at {@code offset}. */
    public static void fill(final FlowPicBlock block, final float[] dst, final int offset)
    {
        fill(block.protocol, dst, offset);
    }

    /** As {@link #fill(FlowPicBlock, float[], int)} for a flow known only by its IP protocol number. */
    public static void fill(final int protocol, final float[] dst, final int offset)
    {
        dst[offset] = protocol == UDP ? 1f : 0f;
    }
}

package io.flowpic.inference.dataset;

import io.flowpic.flowtable.flow.FlowPicSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SessionBlocksTest
{
    private static final long S = 1_000_000_000L;

    private static FlowSession session(final long[] offsets, final int[] sizes)
    {
        return new FlowSession("cap/a", 4, 0, 0x0A000001L, 0, 0x0A000002L, 1234, 443, FlowSession.TCP,
            1_700_000_000L * S + 123_456_789L, offsets, sizes);
    }

    @Test
    void blocksAreAlignedToTheFirstPacketAndBinnedByTheSpec()
    {
        final FlowPicSpec spec = new FlowPicSpec(4, 10, 1500, 2);
        final SessionBlocks blocks = new SessionBlocks(spec);
        // block 0: t 0, 2.5 s, 9.9 s; block 1: 10 s (only 1 packet → not qualifying); block 2: 25 s, 29 s
        final FlowSession s = session(new long[] {0, 2_500_000_000L, 9_900_000_000L, 10 * S, 25 * S, 29 * S},
            new int[] {40, 800, 1500, 100, 400, 1499});
        final List<float[]> counts = blocks.counts(s);
        assertEquals(2, counts.size());
        final float[] first = counts.get(0);
        assertEquals(1f, first[spec.cell(40, 0)]);
        assertEquals(1f, first[spec.cell(800, 2_500_000_000L)]);
        assertEquals(1f, first[spec.cell(1500, 9_900_000_000L)]);
        assertEquals(3f, sum(first));
        final float[] third = counts.get(1);
        assertEquals(1f, third[spec.cell(400, 5 * S)]);
        assertEquals(1f, third[spec.cell(1499, 9 * S)]);
        assertEquals(2, blocks.qualifyingBlocks());
        assertEquals(1, blocks.rejectedBlocks());
    }

    @Test
    void augmentationScalesTimeAndShiftsTheGrid()
    {
        final FlowPicSpec spec = new FlowPicSpec(4, 10, 1500, 1);
        final SessionBlocks blocks = new SessionBlocks(spec);
        final FlowSession s = session(new long[] {0, 6 * S, 12 * S}, new int[] {100, 100, 100});
        assertEquals(2, blocks.forEachBlock(s, b -> { }));
        // × 0.5: offsets 0, 3, 6 → one block
        assertEquals(1, blocks.forEachBlock(s, 0.5, 0, b -> assertEquals(3, b.packets)));
        // shift 5 s: first packet dropped, grid starts at 6 s → 6 and 12 share one block
        assertEquals(1, blocks.forEachBlock(s, 1.0, 5 * S, b -> assertEquals(2, b.packets)));
    }

    @Test
    void sessionsLongerThanThePoolStillKeepEveryPacket()
    {
        final FlowPicSpec spec = new FlowPicSpec(8, 15, 1500, 1);
        final SessionBlocks blocks = new SessionBlocks(spec);
        final int n = 200_000;
        final long[] offsets = new long[n];
        final int[] sizes = new int[n];
        for (int i = 0; i < n; i++)
        {
            offsets[i] = i * 70_000L; // 14 s in total: one block, spread over all cells (no saturation)
            sizes[i] = i % 1500;
        }
        final List<float[]> counts = blocks.counts(session(offsets, sizes));
        assertEquals(1, counts.size());
        assertEquals(n, sum(counts.get(0)), 0.0);
    }

    private static float sum(final float[] a)
    {
        float s = 0;
        for (final float v : a)
        {
            s += v;
        }
        return s;
    }
}

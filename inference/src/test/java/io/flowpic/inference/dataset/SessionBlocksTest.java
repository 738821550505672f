package io.flowpic.inference.dataset;

import io.flowpic.flowtable.flow.FlowPicSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
        // Cells worked out by hand from the README's bins (R = 4, T = 10 s, sizes up to 1500), index row * 4 + column
        // with row = min(size * 4 / 1500, 3) and column = min(offset in block * 4 / 10 s, 3):
        // 40 B at 0 s -> (0, 0); 800 B at 2.5 s -> (2, 1); 1500 B at 9.9 s -> (3, 3).
        assertArrayEquals(cells(16, 0, 2 * 4 + 1, 3 * 4 + 3), counts.get(0));
        // The block of 20..30 s: 400 B at 5 s in -> (1, 2); 1499 B at 9 s in -> (3, 3).
        assertArrayEquals(cells(16, 1 * 4 + 2, 3 * 4 + 3), counts.get(1));
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

    /** A count image with one packet in each of the given cells. */
    private static float[] cells(final int length, final int... oneEach)
    {
        final float[] image = new float[length];
        for (final int cell : oneEach)
        {
            image[cell]++;
        }
        return image;
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

    @Test
    void augmentedCopiesLoseAboutTheGivenShareOfPacketsAndKeepSizesWithinTheJitter()
    {
        final FlowPicSpec spec = new FlowPicSpec(32, 15, 1500, 2);
        final int n = 4000;
        final long[] offsets = new long[n];
        final int[] sizes = new int[n];
        for (int i = 0; i < n; i++)
        {
            offsets[i] = i * 3_000_000L; // 12 s: one block
            sizes[i] = 750;
        }
        final FlowSession s = session(offsets, sizes);
        final int[] packets = new int[1];
        final java.util.Set<Integer> rows = new java.util.TreeSet<>();
        final SessionBlocks blocks = new SessionBlocks(spec);
        blocks.forEachBlock(s, 1.0, 0L, 0.25, 0, new java.util.Random(3), b -> packets[0] += b.packets);
        assertEquals(0.75 * n, packets[0], 0.05 * n, "packets kept at a loss rate of 0.25");

        // Rows are bins of 1500 / 32 = 46.875 B: 750 B is row 16; 650..850 B spans rows 13 (609.4..656.2) to 18 (843.8..890.6).
        blocks.forEachBlock(s, 1.0, 0L, 0.0, 100, new java.util.Random(3), b ->
        {
            packets[0] = b.packets;
            for (int c = 0; c < b.cellCount(); c++)
            {
                rows.add(b.cellAt(c) / 32);
            }
        });
        assertEquals(n, packets[0], "no loss asked, none made");
        assertEquals(java.util.Set.of(13, 14, 15, 16, 17, 18), rows);

        // No loss and no jitter: exactly the plain blocks.
        final List<float[]> plain = blocks.counts(s);
        final List<float[]> same = new java.util.ArrayList<>();
        blocks.forEachBlock(s, 1.0, 0L, 0.0, 0, null, b -> same.add(countsOf(b, spec)));
        assertEquals(plain.size(), same.size());
        for (int i = 0; i < plain.size(); i++)
        {
            assertArrayEquals(plain.get(i), same.get(i));
        }
    }

    private static float[] countsOf(final io.flowpic.flowtable.flow.FlowPicBlock b, final FlowPicSpec spec)
    {
        final float[] counts = new float[spec.cellsPerImage()];
        for (int c = 0; c < b.cellCount(); c++)
        {
            counts[b.cellAt(c)]++;
        }
        return counts;
    }
}

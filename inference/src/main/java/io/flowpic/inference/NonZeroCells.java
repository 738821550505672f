package io.flowpic.inference;

import java.util.Arrays;

/**
 * The non-zero cells of one picture of raw counts, as parallel arrays of cell index and count, reused from picture
 * to picture (they grow, never shrink). Real blocks fill ~24 of R² cells, so the sparse first layers work from this
 * list instead of the picture.
 */
final class NonZeroCells {

    int[] index = new int[256];
    float[] count = new float[256];

    /** Collects the non-zero cells of {@code counts[base .. base+pixels)}; returns their number. */
    int gather(float[] counts, int base, int pixels) {
        int n = 0;
        int end = base + pixels;
        int i = base;
        // Skip runs of zero cells 8 at a time (raw bits OR-ed: any non-zero bit pattern, -0.0 included, is
        // inspected cell by cell below, where only != 0 cells are kept).
        for (; i + 8 <= end; i += 8) {
            int bits = Float.floatToRawIntBits(counts[i]) | Float.floatToRawIntBits(counts[i + 1])
                    | Float.floatToRawIntBits(counts[i + 2]) | Float.floatToRawIntBits(counts[i + 3])
                    | Float.floatToRawIntBits(counts[i + 4]) | Float.floatToRawIntBits(counts[i + 5])
                    | Float.floatToRawIntBits(counts[i + 6]) | Float.floatToRawIntBits(counts[i + 7]);
            if (bits != 0) {
                for (int j = i; j < i + 8; j++) {
                    float v = counts[j];
                    if (v != 0f) {
                        n = add(n, j - base, v);
                    }
                }
            }
        }
        for (; i < end; i++) {
            float v = counts[i];
            if (v != 0f) {
                n = add(n, i - base, v);
            }
        }
        return n;
    }

    private int add(int n, int cell, float value) {
        if (n == index.length) {
            index = Arrays.copyOf(index, n * 2);
            count = Arrays.copyOf(count, n * 2);
        }
        index[n] = cell;
        count[n] = value;
        return n + 1;
    }
}

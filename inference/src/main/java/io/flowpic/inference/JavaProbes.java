package io.flowpic.inference;

import java.util.SplittableRandom;

/**
 * The inputs on which the Java forward pass must give the SavedModel's scores before the classifier uses it: the
 * cases where a re-implementation goes wrong first — an empty picture, one packet, cells on every border (padding),
 * ties in the statistics (two packets, half the packets below a row), one busy row (VoIP), the large-size rows
 * (video), counts beyond the expm1 table, uniformly scattered packets and a crowded picture — both transports.
 */
final class JavaProbes {

    static final int COUNT = 10;

    private JavaProbes() {
    }

    /** {@link #COUNT} pictures of raw counts, R x R each, row-major. */
    static float[] images(int r) {
        int p = r * r;
        float[] img = new float[COUNT * p];
        // 0: empty
        img[p] = 1f; // 1: one packet in the corner
        int[][] edge = {{0, 0}, {0, r - 1}, {r - 1, 0}, {r - 1, r - 1}, {r / 2, r - 1}, {r - 1, r / 3}, {1, 1}};
        for (int[] c : edge) {
            img[2 * p + c[0] * r + c[1]] = 3f; // 2: borders
        }
        img[3 * p + 2 * r + 5] = 1f; // 3: two packets in two rows: half the packets below a row, exactly
        img[3 * p + (r - 5) * r + 7] = 1f;
        for (int t = 0; t < r; t++) {
            img[4 * p + 3 * r + t] = 1 + t % 4; // 4: one busy size row over every time bin
        }
        SplittableRandom rnd = new SplittableRandom(20261130L);
        for (int i = 0; i < 3 * r; i++) {
            img[5 * p + (r - 1 - rnd.nextInt(Math.max(1, r / 6))) * r + rnd.nextInt(r)] += 1 + rnd.nextInt(6); // 5: large
        }
        img[6 * p + r + 2] = 1000f; // 6: counts at and beyond the tables
        img[6 * p + (r / 2) * r + r / 2] = 65535f;
        img[6 * p + (r - 2) * r + 3] = 70000f;
        img[6 * p + 3] = 2f;
        for (int i = 0; i < 200; i++) {
            img[7 * p + rnd.nextInt(p)] += 1f; // 7: 200 packets scattered
        }
        for (int i = 0; i < p; i++) {
            if (i % 3 != 0) {
                img[8 * p + i] = 1 + rnd.nextInt(40); // 8: crowded (two thirds of the cells: the dense conv path)
            }
        }
        for (int t = 0; t < r; t += 2) {
            img[9 * p + (r / 2) * r + t] = 2f; // 9: ties between halves and between rows
            img[9 * p + (r / 2 - 1) * r + t + 1] = 2f;
        }
        return img;
    }

    /** Flow descriptors for {@link #images}: UDP and TCP alternately. */
    static float[] flows() {
        float[] flows = new float[COUNT * FlowDescriptors.WIDTH];
        for (int i = 0; i < COUNT; i++) {
            FlowDescriptors.fill(i % 2 == 0 ? 17 : 6, flows, i * FlowDescriptors.WIDTH);
        }
        return flows;
    }
}

package io.flowpic.inference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class FlowPicClassifierTest {
    static final int R = 32;
    static final long SEED = 42;

    @TempDir
    static Path tmp;
    static FlowPicClassifier classifier;
    static ModelMetadata md;

    @BeforeAll
    static void setUp() throws Exception {
        md = TestModels.metadata(R);
        Path dir = tmp.resolve("m32");
        FixedWeightModelWriter.write(dir, md, SEED);
        classifier = FlowPicClassifier.load(dir);
    }

    @AfterAll
    static void tearDown() {
        if (classifier != null) {
            classifier.close();
        }
    }

    /** Seven hand-made count images: empty, a few diagonals/blocks, random sparse, dense. */
    static float[] images(int n) {
        return images(n, R);
    }

    static float[] images(int n, int R) {
        float[] c = new float[n * R * R];
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < n; i++) {
            int base = i * R * R;
            switch (i % 7) {
                case 0 -> { } // empty image
                case 1 -> { for (int t = 0; t < R; t++) c[base + 2 * R + t] = 3; } // small packets all the time
                case 2 -> { for (int t = 0; t < R; t++) c[base + (R - 1) * R + t] = 40; } // MTU-sized packets
                case 3 -> { for (int k = 0; k < R; k++) c[base + k * R + k] = 5; } // diagonal
                case 4 -> { for (int rr = 0; rr < 8; rr++) for (int t = 0; t < 4; t++) c[base + rr * R + t] = 100; } // burst
                case 5 -> { for (int k = 0; k < 60; k++) c[base + rnd.nextInt(R * R)] += 1 + rnd.nextInt(20); }
                default -> { for (int k = 0; k < R * R; k++) c[base + k] = rnd.nextInt(3); }
            }
        }
        return c;
    }

    @Test
    void scoresAreProbabilities() {
        int n = 7;
        int c = md.numClasses();
        float[] scores = new float[n * c];
        classifier.classify(images(n), n, scores);
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int k = 0; k < c; k++) {
                float s = scores[i * c + k];
                assertTrue(s >= 0f && s <= 1f, "score out of [0,1]: " + s);
                sum += s;
            }
            assertEquals(1.0, sum, 1e-5, "image " + i);
        }
    }

    @Test
    void batchOfOneEqualsBatchOfSeven() {
        int n = 7;
        int c = md.numClasses();
        int p = R * R;
        float[] imgs = images(n);
        float[] batch = new float[n * c];
        classifier.classify(imgs, n, batch);
        for (int i = 0; i < n; i++) {
            float[] one = new float[c];
            classifier.classify(Arrays.copyOfRange(imgs, i * p, (i + 1) * p), 1, one);
            for (int k = 0; k < c; k++) {
                assertEquals(one[k], batch[i * c + k], 1e-5, "image " + i + " class " + k);
            }
        }
    }

    @Test
    void differentInputsGiveDifferentScores() {
        int n = 7;
        int c = md.numClasses();
        float[] scores = new float[n * c];
        classifier.classify(images(n), n, scores);
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double diff = 0;
                for (int k = 0; k < c; k++) {
                    diff = Math.max(diff, Math.abs(scores[i * c + k] - scores[j * c + k]));
                }
                assertTrue(diff > 1e-4, "images " + i + " and " + j + " got the same scores");
            }
        }
    }

    @Test
    void deterministic() {
        int n = 7;
        int c = md.numClasses();
        float[] imgs = images(n);
        float[] a = new float[n * c];
        float[] b = new float[n * c];
        classifier.classify(imgs, n, a);
        for (int rep = 0; rep < 5; rep++) {
            classifier.classify(imgs, n, b);
            assertArrayEquals(a, b);
        }
    }

    @Test
    void concurrentCallersGetTheirOwnResults() throws Exception {
        int c = md.numClasses();
        int p = R * R;
        float[] imgs = images(7);
        float[] expected = new float[7 * c];
        classifier.classify(imgs, 7, expected);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            var futures = new java.util.ArrayList<java.util.concurrent.Future<?>>();
            for (int t = 0; t < 4; t++) {
                int first = t;
                futures.add(pool.submit(() -> {
                    for (int rep = 0; rep < 50; rep++) {
                        int i = (first + rep) % 7;
                        int n = 1 + rep % (7 - i);
                        float[] out = new float[n * c];
                        classifier.classify(Arrays.copyOfRange(imgs, i * p, (i + n) * p), n, out);
                        for (int k = 0; k < n * c; k++) {
                            assertEquals(expected[i * c + k], out[k], 1e-5);
                        }
                    }
                    return null;
                }));
            }
            for (var f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }
}

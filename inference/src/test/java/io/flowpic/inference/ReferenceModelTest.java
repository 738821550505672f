package io.flowpic.inference;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Proves the exported graph computes exactly the documented fixed-weight network (TF vs plain Java). */
class ReferenceModelTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"32, log1p, 42", "32, max, 7", "32, none, 3", "64, log1p, 11", "64, max, 12"})
    void tfMatchesPlainJava(int r, String normalization, long seed) throws Exception {
        ModelMetadata md = TestModels.metadata(r, normalization, List.of("a", "b", "c"));
        FixedWeightModelWriter.write(tmp, md, seed);
        int n = 7;
        float[] counts = "none".equals(normalization) ? smallCounts(n, r) : FlowPicClassifierTest.images(n, r);
        float[] scores = new float[n * 3];
        try (FlowPicClassifier c = FlowPicClassifier.load(tmp)) {
            c.classify(counts, n, scores);
        }
        FixedWeightModelWriter.Weights w = FixedWeightModelWriter.weights(md, seed);
        int unsaturated = 0;
        for (int i = 0; i < n; i++) {
            double[] expected = ReferenceModel.forward(w, ReferenceModel.normalize(normalization, counts, i * r * r, r * r));
            boolean spread = true;
            for (int k = 0; k < 3; k++) {
                assertEquals(expected[k], scores[i * 3 + k], 1e-4, "image " + i + " class " + k);
                spread &= expected[k] > 0.01 && expected[k] < 0.99;
            }
            unsaturated += spread ? 1 : 0;
        }
        // the comparison is only meaningful if the softmax is not saturated
        assertTrue(unsaturated >= n / 2, "too many saturated outputs: " + unsaturated + "/" + n);
    }

    @Test
    void sameSeedSameModelDifferentSeedDifferentModel() throws Exception {
        ModelMetadata md = TestModels.metadata(32);
        FixedWeightModelWriter.write(tmp.resolve("a"), md, 1);
        FixedWeightModelWriter.write(tmp.resolve("b"), md, 1);
        FixedWeightModelWriter.write(tmp.resolve("c"), md, 2);
        float[] imgs = FlowPicClassifierTest.images(7, 32);
        float[][] s = new float[3][7 * 5];
        String[] dirs = {"a", "b", "c"};
        for (int i = 0; i < 3; i++) {
            try (FlowPicClassifier c = FlowPicClassifier.load(tmp.resolve(dirs[i]))) {
                c.classify(imgs, 7, s[i]);
            }
        }
        assertArrayEquals(s[0], s[1]);
        assertFalse(java.util.Arrays.equals(s[0], s[2]));
    }

    /** Raw counts small enough that un-normalised logits stay in a non-saturated range. */
    static float[] smallCounts(int n, int r) {
        float[] c = new float[n * r * r];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 10 * (i + 1); k++) {
                c[i * r * r + rnd.nextInt(r * r)] += 1;
            }
        }
        return c;
    }
}

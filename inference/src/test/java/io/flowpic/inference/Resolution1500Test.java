package io.flowpic.inference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** Full-resolution FlowPic (1500 x 1500, 10x10 stride-5 conv): batch of 1 and 3, checked against plain Java. */
class Resolution1500Test {
    static final int R = 1500;

    @TempDir
    Path tmp;

    @Test
    void fullResolutionMatchesReference() throws Exception {
        ModelMetadata md = TestModels.metadata(R, "log1p", List.of("voip", "video", "file"));
        FixedWeightModelWriter.write(tmp, md, 1500);
        int n = 3, p = R * R, c = 3;
        float[] counts = new float[n * p];
        SplittableRandom rnd = new SplittableRandom(3);
        for (int t = 0; t < R; t++) {
            counts[80 * R + t] = 2;                 // image 0: steady small packets
        }
        for (int k = 0; k < 4000; k++) {
            counts[p + (1400 + rnd.nextInt(100)) * R + rnd.nextInt(R)] += 1; // image 1: bursty large packets
        }
        for (int k = 0; k < 20000; k++) {
            counts[2 * p + rnd.nextInt(p)] += 1;    // image 2: uniform noise
        }
        float[] batch = new float[n * c];
        try (FlowPicClassifier cl = FlowPicClassifier.load(tmp)) {
            assertEquals(R, cl.metadata().resolution());
            cl.classify(counts, n, batch);
            FixedWeightModelWriter.Weights w = FixedWeightModelWriter.weights(md, 1500);
            for (int i = 0; i < n; i++) {
                float[] one = new float[c];
                cl.classify(Arrays.copyOfRange(counts, i * p, (i + 1) * p), 1, one);
                double[] expected = ReferenceModel.forward(w, ReferenceModel.normalize("log1p", counts, i * p, p));
                double sum = 0;
                for (int k = 0; k < c; k++) {
                    assertEquals(one[k], batch[i * c + k], 1e-5);
                    assertEquals(expected[k], batch[i * c + k], 1e-4, "image " + i + " class " + k);
                    sum += batch[i * c + k];
                }
                assertEquals(1.0, sum, 1e-5);
            }
        }
        assertFalse(Arrays.equals(Arrays.copyOfRange(batch, 0, 3), Arrays.copyOfRange(batch, 3, 6)));
    }
}

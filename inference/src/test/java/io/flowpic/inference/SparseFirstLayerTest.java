package io.flowpic.inference;

import io.flowpic.inference.train.Architecture;
import io.flowpic.inference.train.TrainerWayModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The sparse first layer against TensorFlow's dense graph, on SavedModels exported the trainer's way
 * (non-zero biases of both signs): the fed tensor itself (conv + bias + relu + pool) element by element, and
 * the classifier's scores with the sparse path vs {@code FirstLayerMode.DENSE}, for batches of 1 and more.
 */
class SparseFirstLayerTest {

    @TempDir
    Path tmp;

    /** The full-size FlowPic net, R = 1500: the case the sparse path is for. */
    @Test
    void fullResolution1500MatchesDense() throws Exception {
        Path dir = tmp.resolve("full1500");
        TrainerWayModels.write(dir, Architecture.FULL, 1500, 11, 0.1f, "log1p");
        int r = 1500;
        List<float[]> images = images(r, new SplittableRandom(1));
        checkLayer(dir, r, "log1p", images);
        checkScores(dir, r, images);
        try (FlowPicClassifier auto = FlowPicClassifier.load(dir, 1)) {
            assertTrue(auto.sparseFirstLayer(), "AUTO at R = 1500: " + auto.firstLayer());
        }
    }

    /**
     * Other sizes and normalisations (metadata allows R = 32, 64, 1500): the FULL net at R = 64 has SAME padding
     * 3 before / 3 after and an odd conv output (13) whose last row and column the pool drops; MINI has
     * stride 1, kernel 5, padding 2 / 2.
     */
    @ParameterizedTest
    @CsvSource({"FULL, 64, log1p", "FULL, 64, max", "FULL, 64, none",
            "MINI, 32, log1p", "MINI, 32, max", "MINI, 64, none"})
    void otherShapesMatchDense(Architecture arch, int r, String norm) throws Exception {
        Path dir = tmp.resolve(arch.id() + r + norm);
        TrainerWayModels.write(dir, arch, r, r, 0.2f, norm);
        List<float[]> images = images(r, new SplittableRandom(r));
        checkLayer(dir, r, norm, images);
        checkScores(dir, r, images);
    }

    /** The fixed-weight test model (conv + bias + relu, no pool, then reshape) also takes the sparse path. */
    @Test
    void fixedWeightModelWithoutPoolUsesSparseRelu() throws Exception {
        ModelMetadata md = TestModels.metadata(64);
        FixedWeightModelWriter.write(tmp, md, 5);
        try (FlowPicClassifier c = FlowPicClassifier.load(tmp, 1, FlowPicClassifier.FirstLayerMode.SPARSE)) {
            assertTrue(c.sparseFirstLayer(), c.firstLayer());
            assertTrue(c.firstLayer().contains("no pool"), c.firstLayer());
        }
        checkScores(tmp, 64, images(64, new SplittableRandom(5)));
    }

    @Test
    void denseWhenForcedOrSmallOrWhenTheGraphDoesNotStartWithAConv() throws Exception {
        Path dir = tmp.resolve("m");
        TrainerWayModels.write(dir, Architecture.MINI, 32, 3, 0.1f, "log1p");
        try (FlowPicClassifier c = FlowPicClassifier.load(dir, 1, FlowPicClassifier.FirstLayerMode.DENSE)) {
            assertFalse(c.sparseFirstLayer());
            assertTrue(c.firstLayer().startsWith("dense"), c.firstLayer());
        }
        // AUTO: the mini net's first layer (153,600 multiply-adds) is too cheap for the sparse path to pay
        try (FlowPicClassifier c = FlowPicClassifier.load(dir, 1)) {
            assertFalse(c.sparseFirstLayer(), c.firstLayer());
            assertTrue(c.firstLayer().contains("153600 multiply-adds"), c.firstLayer());
        }
        try (SavedModelBundle b = SavedModelBundle.load(dir.toString(), "serve")) {
            // Feeding the relu output by name is not "the input": detection must refuse it.
            SparseFirstLayer.Detection d = SparseFirstLayer.detect(b.graph(), b.session(), "Relu:0", 32);
            assertNull(d.layer());
            assertTrue(d.reason().contains("Conv2D"), d.reason());
            assertNull(SparseFirstLayer.detect(b.graph(), b.session(), "nosuchop:0", 32).layer());
        }
    }

    /**
     * Test images, R*R each: empty (relu(bias) everywhere), each corner and the middle of the last row and
     * column alone, the two corners of the last row plus neighbours, a dense cluster, random sparse FlowPics
     * (200 and 3000 packets), a uniform noisy one, and one with a negative and a fractional count.
     */
    static List<float[]> images(int r, SplittableRandom rnd) {
        List<float[]> list = new ArrayList<>();
        int p = r * r;
        list.add(new float[p]);
        int[][] cells = {{0, 0}, {0, r - 1}, {r - 1, 0}, {r - 1, r - 1}, {r - 1, r / 2}, {r / 2, r - 1},
                {r - 2, r - 2}, {1, 0}, {0, 4}, {5, 5}};
        for (int[] c : cells) {
            float[] img = new float[p];
            img[c[0] * r + c[1]] = 1 + rnd.nextInt(30);
            list.add(img);
        }
        float[] lastRow = new float[p];
        for (int i = 0; i < r; i++) {
            lastRow[(r - 1) * r + i] = 1 + (i % 4);
            lastRow[i * r + r - 1] += 2;
        }
        list.add(lastRow);
        float[] cluster = new float[p];
        for (int y = r / 3; y < Math.min(r, r / 3 + 12); y++) {
            for (int x = r / 4; x < Math.min(r, r / 4 + 12); x++) {
                cluster[y * r + x] = 1 + rnd.nextInt(100);
            }
        }
        list.add(cluster);
        for (int packets : new int[] {200, 3000}) {
            float[] img = new float[p];
            for (int i = 0; i < packets; i++) {
                img[rnd.nextInt(p)] += 1;
            }
            list.add(img);
        }
        float[] noise = new float[p];
        for (int i = 0; i < p; i++) {
            noise[i] = rnd.nextInt(3) == 0 ? rnd.nextInt(5) : 0;
        }
        list.add(noise);
        float[] odd = new float[p];
        odd[rnd.nextInt(p)] = -2f;
        odd[rnd.nextInt(p)] = 0.5f;
        odd[rnd.nextInt(p)] = 1e4f;
        list.add(odd);
        return list;
    }

    private static float[] concat(List<float[]> images) {
        int p = images.get(0).length;
        float[] all = new float[images.size() * p];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, all, i * p, p);
        }
        return all;
    }

    /** The fed tensor: Java's sparse computation vs TensorFlow's dense graph up to that op. */
    private static void checkLayer(Path dir, int r, String norm, List<float[]> images) {
        int p = r * r;
        int n = images.size();
        float[] counts = concat(images);
        float[] normalized = new float[counts.length];
        for (int i = 0; i < n; i++) {
            float max = 0;
            for (int j = 0; j < p; j++) {
                max = Math.max(max, counts[i * p + j]);
            }
            for (int j = 0; j < p; j++) {
                normalized[i * p + j] = FlowPicClassifier.normalizeValue(norm, counts[i * p + j], max);
            }
        }
        int normCode = switch (norm) {
            case "none" -> 0;
            case "log1p" -> 1;
            default -> 2;
        };
        try (SavedModelBundle b = SavedModelBundle.load(dir.toString(), "serve")) {
            SparseFirstLayer.Detection d = SparseFirstLayer.detect(b.graph(), b.session(), "flowpic:0", r);
            assertNotNull(d.layer(), d.reason());
            SparseFirstLayer layer = d.layer();
            assertTrue(layer.feedOp().startsWith("MaxPool"), layer.toString());
            float[] expected = new float[n * layer.outputSize()];
            try (TFloat32 in = TFloat32.tensorOf(Shape.of(n, r, r, 1), DataBuffers.of(normalized, true, false));
                 Result res = b.session().runner().feed("flowpic:0", in).fetch(layer.feedOp(), 0).run()) {
                assertEquals(layer.shape(n), res.get(0).shape());
                ((TFloat32) res.get(0)).copyTo(DataBuffers.of(expected, false, false));
            }
            float[] actual = new float[expected.length];
            layer.compute(counts, n, normCode, actual);
            int nonBase = 0;
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 2e-5 * (1 + Math.abs(expected[i])),
                        "image " + i / layer.outputSize() + " element " + i % layer.outputSize());
                if (i > layer.outputSize() && expected[i] != expected[i % layer.outputSize()]) {
                    nonBase++;
                }
            }
            assertTrue(nonBase > 100, "test images must reach past the relu(bias) background: " + nonBase);
            // both signs of bias: some filters are 0 and some positive where no packet is near
            boolean zero = false;
            boolean positive = false;
            for (int c = 0; c < layer.shape(1).get(3); c++) {
                zero |= expected[c] == 0f;
                positive |= expected[c] > 0f;
            }
            assertTrue(zero && positive, "background relu(bias) should have zero and positive filters");
        }
    }

    /** Scores: sparse classifier vs dense classifier, whole batch, batches of 1, and a batch of 3. */
    private static void checkScores(Path dir, int r, List<float[]> images) throws ModelException {
        int n = images.size();
        float[] counts = concat(images);
        try (FlowPicClassifier sparse = FlowPicClassifier.load(dir, 1, FlowPicClassifier.FirstLayerMode.SPARSE);
             FlowPicClassifier dense = FlowPicClassifier.load(dir, 1, FlowPicClassifier.FirstLayerMode.DENSE)) {
            assertTrue(sparse.sparseFirstLayer(), sparse.firstLayer());
            assertFalse(dense.sparseFirstLayer(), dense.firstLayer());
            int c = sparse.metadata().numClasses();
            float[] expected = new float[n * c];
            float[] actual = new float[n * c];
            dense.classify(counts, n, expected);
            sparse.classify(counts, n, actual);
            assertClose(expected, actual, "batch of " + n);
            float[] one = new float[c];
            for (int i = 0; i < n; i++) {
                sparse.classify(images.get(i), 1, one);
                for (int k = 0; k < c; k++) {
                    assertEquals(expected[i * c + k], one[k], 1e-5, "image " + i + " alone, class " + k);
                }
            }
            float[] three = new float[3 * c];
            sparse.classify(java.util.Arrays.copyOfRange(counts, r * r, 4 * r * r), 3, three);
            assertClose(java.util.Arrays.copyOfRange(expected, c, 4 * c), three, "batch of 3");
            // The scores must depend on the image, else this comparison would prove little.
            boolean differ = false;
            for (int k = 0; k < c; k++) {
                differ |= Math.abs(expected[k] - expected[(n - 2) * c + k]) > 1e-4;
            }
            assertTrue(differ, "empty and noisy image score the same");
        }
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5, what + ", score " + i);
        }
    }
}

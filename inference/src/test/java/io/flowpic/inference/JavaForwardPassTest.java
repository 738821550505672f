package io.flowpic.inference;

import io.flowpic.flowtable.flow.FlowPicSpec;
import io.flowpic.inference.dataset.FlowCsvReader;
import io.flowpic.inference.dataset.FlowSession;
import io.flowpic.inference.dataset.SessionBlocks;
import io.flowpic.inference.train.Architecture;
import io.flowpic.inference.train.TrainerWayModels;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java forward pass against the SavedModel itself (the same directory loaded with {@code Engine.TENSORFLOW}):
 * scores within {@value FlowPicClassifier#JAVA_TOLERANCE} on real blocks of the shared data (skipped without it),
 * on synthetic pictures, for the default model and trainer-way models of every architecture and feature set, and
 * the load-time check refusing a pass whose weights were changed.
 */
class JavaForwardPassTest {

    static final Path DEFAULT_MODEL = locate(Path.of("model/default"));
    static final Path SHARED_CSV = locate(Path.of("../shared/data/flowpic-csv"));

    @TempDir
    Path tmp;

    @Test
    void defaultModelOnSyntheticPicturesEqualsTheSavedModel() throws Exception {
        int r;
        try (FlowPicClassifier c = FlowPicClassifier.load(DEFAULT_MODEL)) {
            assertTrue(c.javaForwardPass(), "AUTO on the default model: " + c.engine());
            r = c.metadata().resolution();
        }
        compare(DEFAULT_MODEL, synthetic(r, 300, new SplittableRandom(7)));
    }

    @Test
    void defaultModelOnRealBlocksEqualsTheSavedModel() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(SHARED_CSV), "no shared data at " + SHARED_CSV + ": skipped");
        ModelMetadata md = ModelMetadata.read(DEFAULT_MODEL);
        SessionBlocks blocks = new SessionBlocks(new FlowPicSpec(md.resolution(), md.blockSeconds(),
                md.maxPacketSize(), FlowPicSpec.DEFAULT_MIN_PACKETS));
        List<float[]> images = new ArrayList<>();
        List<Float> flows = new ArrayList<>();
        for (String label : md.labels()) {
            int perClass = 0;
            try (FlowCsvReader reader = FlowCsvReader.open(SHARED_CSV.resolve(label + ".csv.gz"), true)) {
                FlowSession s;
                while (perClass < 400 && (s = reader.next()) != null) {
                    for (float[] counts : blocks.counts(s)) {
                        images.add(counts);
                        float[] f = new float[FlowDescriptors.WIDTH];
                        FlowDescriptors.fill(s.protocol(), f, 0);
                        flows.add(f[0]);
                        perClass++;
                    }
                }
            }
        }
        assertTrue(images.size() > 500, "real blocks: " + images.size());
        float[] f = new float[flows.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = flows.get(i);
        }
        compare(DEFAULT_MODEL, new Batch(images, f));
    }

    /** Trainer-way models with non-zero biases of both signs, every architecture and feature set the trainer has. */
    @ParameterizedTest
    @CsvSource({"MINI, 32, image, log1p", "MINI, 32, image+stats, log1p", "MINI, 32, image+stats+transport, log1p",
            "MINI, 32, stats+transport, log1p", "MINI, 32, image+transport, max", "MINI, 64, image+stats, max", "MINI, 64, image, none",
            "FULL, 64, image, log1p", "FULL, 64, image+stats+transport, log1p", "FULL, 64, image+transport, max"})
    void trainerWayModelsEqualTheSavedModel(Architecture arch, int r, String features, String norm) throws Exception {
        Path dir = tmp.resolve(arch.id() + r + features.replace('+', '_') + norm);
        TrainerWayModels.write(dir, arch, features, r, r, 0.2f, norm);
        compare(dir, synthetic(r, 40, new SplittableRandom(r)));
    }

    /**
     * Skipping the positions equal to the empty picture's is exact, not merely within the SavedModel tolerance: the
     * same models scored with the bookkeeping off (every position computed) give bit-identical scores. FULL's
     * convs have stride 5 and 10 filters, MINI's second conv 16 filters (6- and 3-position blocks).
     */
    @ParameterizedTest
    @CsvSource({"MINI, 32, image+stats+transport, log1p", "MINI, 64, image, none", "FULL, 64, image, log1p",
            "FULL, 64, image+transport, max"})
    void skippingCleanPositionsChangesNoScoreBit(Architecture arch, int r, String features, String norm)
            throws Exception {
        Path dir = tmp.resolve("exact-" + arch.id() + r + features.replace('+', '_') + norm);
        TrainerWayModels.write(dir, arch, features, r, r, 0.2f, norm);
        Batch batch = synthetic(r, 120, new SplittableRandom(r + 1));
        int pixels = r * r;
        int n = batch.images().size();
        float[] counts = new float[n * pixels];
        for (int i = 0; i < n; i++) {
            System.arraycopy(batch.images().get(i), 0, counts, i * pixels, pixels);
        }
        float[] flows = new float[n * FlowDescriptors.WIDTH];
        for (int i = 0; i < n; i++) {
            FlowDescriptors.fill(batch.flows()[i] == 0f ? 6 : 17, flows, i * FlowDescriptors.WIDTH);
        }
        try (FlowPicClassifier tracked = FlowPicClassifier.load(dir, 1, FlowPicClassifier.FirstLayerMode.AUTO,
                FlowPicClassifier.Engine.JAVA, null);
             FlowPicClassifier reference = FlowPicClassifier.load(dir, 1, FlowPicClassifier.FirstLayerMode.AUTO,
                     FlowPicClassifier.Engine.JAVA, pass -> pass.trackDirtyPositions(false))) {
            assertTrue(tracked.javaForwardPass() && reference.javaForwardPass(),
                    tracked.engine() + " / " + reference.engine());
            int classes = tracked.metadata().numClasses();
            float[] a = new float[n * classes];
            float[] b = new float[n * classes];
            tracked.classify(counts, flows, n, a);
            reference.classify(counts, flows, n, b);
            org.junit.jupiter.api.Assertions.assertArrayEquals(b, a, 0f);
        }
    }

    /** Calibration applies whichever engine scores: a model with temperature 2 is served softmax(log p / 2) by both. */
    @Test
    void aCalibratedModelIsServedCalibratedByTheJavaPassAsByTensorFlow() throws Exception {
        Path rawModel = copyWithTemperature(tmp.resolve("raw"), null);
        Path calibrated = copyWithTemperature(tmp.resolve("calibrated"), 2.0);
        int r = ModelMetadata.read(DEFAULT_MODEL).resolution();
        Batch batch = synthetic(r, 40, new SplittableRandom(11));
        compare(calibrated, batch);
        // And those are the raw scores at T = 2: softmax(log p / 2) = sqrt(p) / sum sqrt(p), worked out here.
        try (FlowPicClassifier raw = FlowPicClassifier.load(rawModel, 1, FlowPicClassifier.FirstLayerMode.AUTO,
                FlowPicClassifier.Engine.JAVA);
             FlowPicClassifier cal = FlowPicClassifier.load(calibrated, 1, FlowPicClassifier.FirstLayerMode.AUTO,
                     FlowPicClassifier.Engine.JAVA)) {
            assertTrue(cal.javaForwardPass(), cal.engine());
            int pixels = r * r;
            int classes = raw.metadata().numClasses();
            int n = batch.images().size();
            float[] counts = new float[n * pixels];
            for (int i = 0; i < n; i++) {
                System.arraycopy(batch.images().get(i), 0, counts, i * pixels, pixels);
            }
            float[] p = new float[n * classes];
            float[] q = new float[n * classes];
            raw.classify(counts, batch.flows(), n, p);
            cal.classify(counts, batch.flows(), n, q);
            for (int i = 0; i < n; i++) {
                double sum = 0;
                for (int c = 0; c < classes; c++) {
                    sum += Math.sqrt(p[i * classes + c]);
                }
                for (int c = 0; c < classes; c++) {
                    assertEquals(Math.sqrt(p[i * classes + c]) / sum, q[i * classes + c], 1e-5,
                            "image " + i + " class " + c);
                }
            }
        }
    }

    /** The default model with its calibration replaced: none (raw scores) or the given temperature. */
    private static Path copyWithTemperature(Path dir, Double temperature) throws Exception {
        try (java.util.stream.Stream<Path> files = Files.walk(DEFAULT_MODEL)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path to = dir.resolve(DEFAULT_MODEL.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode md =
                (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(dir.resolve("flowpic-model.json").toFile());
        md.remove("calibration");
        if (temperature != null) {
            md.putObject("calibration").put("temperature", temperature).put("fitted_on_blocks", 100)
                    .put("ece_before", 0.2).put("ece_after", 0.1);
        }
        json.writeValue(dir.resolve("flowpic-model.json").toFile(), md);
        return dir;
    }

    /** Proves the load-time check can fail: one changed weight and the classifier stays with TensorFlow. */
    @Test
    void aCorruptedWeightMakesTheLoadTimeCheckFallBackToTensorFlow() throws Exception {
        try (FlowPicClassifier c = FlowPicClassifier.load(DEFAULT_MODEL, 1, FlowPicClassifier.FirstLayerMode.AUTO,
                FlowPicClassifier.Engine.JAVA, pass -> pass.corruptWeightForTest(0.05f))) {
            assertFalse(c.javaForwardPass(), c.engine());
            assertTrue(c.engine().startsWith("tensorflow (java forward pass differs from the SavedModel by"),
                    c.engine());
        }
        // a change far below the tolerance is accepted: the check compares scores, not weights bit for bit
        try (FlowPicClassifier c = FlowPicClassifier.load(DEFAULT_MODEL, 1, FlowPicClassifier.FirstLayerMode.AUTO,
                FlowPicClassifier.Engine.JAVA, pass -> pass.corruptWeightForTest(1e-9f))) {
            assertTrue(c.javaForwardPass(), c.engine());
        }
    }

    @Test
    void tensorFlowEngineAndExplicitFirstLayerModesKeepTensorFlow() throws Exception {
        try (FlowPicClassifier c = FlowPicClassifier.load(DEFAULT_MODEL, 1, FlowPicClassifier.FirstLayerMode.DENSE)) {
            assertFalse(c.javaForwardPass(), c.engine());
        }
        try (FlowPicClassifier c = FlowPicClassifier.load(DEFAULT_MODEL, 1, FlowPicClassifier.FirstLayerMode.AUTO,
                FlowPicClassifier.Engine.TENSORFLOW)) {
            assertFalse(c.javaForwardPass(), c.engine());
        }
    }

    /** R = 1500 costs 110 M multiply-adds per image: AUTO leaves it to TensorFlow (with its sparse first layer). */
    @Test
    void autoLeavesTheFullSizeNetToTensorFlow() throws Exception {
        Path dir = tmp.resolve("full1500");
        TrainerWayModels.write(dir, Architecture.FULL, 1500, 3, 0.1f, "log1p");
        try (FlowPicClassifier c = FlowPicClassifier.load(dir, 1)) {
            assertFalse(c.javaForwardPass(), c.engine());
            assertTrue(c.engine().contains("multiply-adds per image; AUTO runs it in Java up to"), c.engine());
            assertTrue(c.sparseFirstLayer(), c.firstLayer());
        }
    }

    record Batch(List<float[]> images, float[] flows) {
    }

    /**
     * {@code n} pictures: a third with packets in a few size rows (as real flows), a third scattered, a third with
     * few packets; every tenth crowded (more than half the cells: the dense path of the first conv).
     */
    static Batch synthetic(int r, int n, SplittableRandom rnd) {
        List<float[]> images = new ArrayList<>();
        float[] flows = new float[n];
        for (int i = 0; i < n; i++) {
            float[] img = new float[r * r];
            int packets = i % 10 == 9 ? 3 * r * r : 1 + rnd.nextInt(i % 3 == 2 ? 12 : 400);
            int row = rnd.nextInt(r);
            for (int p = 0; p < packets; p++) {
                int y = i % 3 == 0 ? Math.min(r - 1, Math.max(0, row + rnd.nextInt(5) - 2)) : rnd.nextInt(r);
                img[y * r + rnd.nextInt(r)] += 1f;
            }
            images.add(img);
            flows[i] = rnd.nextInt(2);
        }
        return new Batch(images, flows);
    }

    /** Scores of the Java pass (forced) and of TensorFlow, batches of 1, 7 and 64; max abs difference within tolerance. */
    static void compare(Path dir, Batch batch) throws Exception {
        try (FlowPicClassifier java = FlowPicClassifier.load(dir, 1, FlowPicClassifier.FirstLayerMode.AUTO,
                FlowPicClassifier.Engine.JAVA);
             FlowPicClassifier tf = FlowPicClassifier.load(dir, 1, FlowPicClassifier.FirstLayerMode.DENSE,
                     FlowPicClassifier.Engine.TENSORFLOW)) {
            assertTrue(java.javaForwardPass(), dir + ": " + java.engine());
            assertFalse(tf.javaForwardPass());
            int pixels = java.metadata().resolution() * java.metadata().resolution();
            int classes = java.metadata().numClasses();
            int total = batch.images().size();
            float worst = 0f;
            for (int size : new int[] {1, 7, 64}) {
                for (int start = 0; start < total; start += size) {
                    int n = Math.min(size, total - start);
                    float[] counts = new float[n * pixels];
                    float[] flows = new float[n];
                    for (int i = 0; i < n; i++) {
                        System.arraycopy(batch.images().get(start + i), 0, counts, i * pixels, pixels);
                        flows[i] = batch.flows()[start + i];
                    }
                    float[] a = new float[n * classes];
                    float[] b = new float[n * classes];
                    java.classify(counts, flows, n, a);
                    tf.classify(counts, flows, n, b);
                    for (int i = 0; i < a.length; i++) {
                        float d = Math.abs(a[i] - b[i]);
                        assertTrue(d <= FlowPicClassifier.JAVA_TOLERANCE, dir + " batch " + size + " image "
                                + (start + i / classes) + " class " + i % classes + ": java " + a[i] + " vs "
                                + b[i]);
                        worst = Math.max(worst, d);
                    }
                }
            }
            System.out.printf("%s: %d pictures, max score difference %.3g (%s)%n", dir, total, worst, java.engine());
            assertEquals(total, batch.flows().length);
        }
    }

    static Path locate(Path p) {
        return Files.exists(p) ? p : Path.of("..").resolve(p);
    }
}

package io.flowpic.inference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class FlowPicClassifierLoadTest {

    @TempDir
    Path tmp;

    private static void assertContains(String msg, String... parts) {
        for (String p : parts) {
            assertTrue(msg.contains(p), "'" + p + "' not in: " + msg);
        }
    }

    @Test
    void missingDirectory() {
        Path dir = tmp.resolve("nope");
        ModelException e = assertThrows(ModelException.class, () -> FlowPicClassifier.load(dir));
        assertContains(e.getMessage(), dir.toString(), "does not exist");
    }

    @Test
    void directoryWithoutSavedModel() throws Exception {
        TestModels.metadata(32).write(tmp);
        ModelException e = assertThrows(ModelException.class, () -> FlowPicClassifier.load(tmp));
        assertContains(e.getMessage(), tmp.toString(), "saved_model.pb");
    }

    @Test
    void missingMetadata() throws Exception {
        FixedWeightModelWriter.write(tmp, TestModels.metadata(32), 1);
        Files.delete(tmp.resolve(ModelMetadata.FILE_NAME));
        ModelException e = assertThrows(ModelException.class, () -> FlowPicClassifier.load(tmp));
        assertContains(e.getMessage(), tmp.resolve(ModelMetadata.FILE_NAME).toString());
    }

    @Test
    void corruptSavedModel() throws Exception {
        TestModels.metadata(32).write(tmp);
        Files.write(tmp.resolve("saved_model.pb"), new byte[] {1, 2, 3, 4, 5});
        ModelException e = assertThrows(ModelException.class, () -> FlowPicClassifier.load(tmp));
        assertContains(e.getMessage(), tmp.toString());
    }

    @Test
    void resolutionMismatch() throws Exception {
        FixedWeightModelWriter.write(tmp, TestModels.metadata(32), 1);
        TestModels.metadata(64).write(tmp); // metadata now claims R=64, graph is 32
        ModelException e = assertThrows(ModelException.class, () -> FlowPicClassifier.load(tmp));
        assertContains(e.getMessage(), tmp.toString(), "input", "[-1, 32, 32, 1]", "[-1, 64, 64, 1]");
    }

    @Test
    void labelCountMismatch() throws Exception {
        FixedWeightModelWriter.write(tmp, TestModels.metadata(32, "log1p", List.of("a", "b", "c")), 1);
        TestModels.metadata(32, "log1p", List.of("a", "b")).write(tmp);
        ModelException e = assertThrows(ModelException.class, () -> FlowPicClassifier.load(tmp));
        assertContains(e.getMessage(), tmp.toString(), "output", "[-1, 3]", "[-1, 2]");
    }

    @Test
    void unknownSignature() throws Exception {
        ModelMetadata md = TestModels.metadata(32);
        FixedWeightModelWriter.write(tmp, md, 1);
        new ModelMetadata(1, md.modelId(), md.labels(), 32, 15, 1500, "log1p", "predict_v2",
                md.inputName(), md.outputName()).write(tmp);
        ModelException e = assertThrows(ModelException.class, () -> FlowPicClassifier.load(tmp));
        assertContains(e.getMessage(), tmp.toString(), "predict_v2", "serving_default");
    }

    @Test
    void unknownInputName() throws Exception {
        ModelMetadata md = TestModels.metadata(32);
        FixedWeightModelWriter.write(tmp, md, 1);
        new ModelMetadata(1, md.modelId(), md.labels(), 32, 15, 1500, "log1p", md.signature(),
                "pixels", md.outputName()).write(tmp);
        ModelException e = assertThrows(ModelException.class, () -> FlowPicClassifier.load(tmp));
        assertContains(e.getMessage(), tmp.toString(), "pixels", md.inputName());
    }

    @Test
    void metadataAndArgumentChecks() throws Exception {
        ModelMetadata md = TestModels.metadata(32);
        FixedWeightModelWriter.write(tmp, md, 1);
        FlowPicClassifier c = FlowPicClassifier.load(tmp);
        assertEquals(md, c.metadata());
        assertThrows(IllegalArgumentException.class, () -> c.classify(new float[32 * 32], 2, new float[10]));
        assertThrows(IllegalArgumentException.class, () -> c.classify(new float[2 * 32 * 32], 2, new float[9]));
        assertThrows(IllegalArgumentException.class, () -> c.classify(new float[0], -1, new float[0]));
        c.classify(new float[0], 0, new float[0]); // no-op
        c.close();
        c.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> c.classify(new float[32 * 32], 1, new float[5]));
    }

    @Test
    void singleThreadedSessionGivesSameScores() throws Exception {
        ModelMetadata md = TestModels.metadata(32);
        FixedWeightModelWriter.write(tmp, md, 5);
        float[] imgs = FlowPicClassifierTest.images(7, 32);
        float[] a = new float[35];
        float[] b = new float[35];
        try (FlowPicClassifier c = FlowPicClassifier.load(tmp)) {
            c.classify(imgs, 7, a);
        }
        try (FlowPicClassifier c = FlowPicClassifier.load(tmp, 1)) {
            c.classify(imgs, 7, b);
        }
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 1e-5);
        }
        assertThrows(IllegalArgumentException.class, () -> FlowPicClassifier.load(tmp, -1));
    }

    @Test
    void manyBatchSizesReuseAndEvictTensors() throws Exception {
        ModelMetadata md = TestModels.metadata(32);
        FixedWeightModelWriter.write(tmp, md, 9);
        float[] imgs = FlowPicClassifierTest.images(20, 32);
        try (FlowPicClassifier c = FlowPicClassifier.load(tmp)) {
            float[] all = new float[20 * 5];
            c.classify(imgs, 20, all);
            for (int n = 1; n <= 20; n++) {
                float[] part = new float[n * 5];
                c.classify(imgs, n, part);
                for (int i = 0; i < n * 5; i++) {
                    assertEquals(all[i], part[i], 1e-5);
                }
            }
        }
    }
}

package io.flowpic.inference;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The warm-up runs on a forward pass of its own, on another thread, while the classifier serves: the served scores
 * must stay exactly what they were before (a warm-up sharing the serving pass's scratch arrays would corrupt them).
 */
class WarmUpTest {

    @Test
    void servingScoresAreUnchangedWhileTheWarmUpRunsBesideThem() throws Exception {
        try (FlowPicClassifier classifier = FlowPicClassifier.load(JavaForwardPassTest.DEFAULT_MODEL, 1,
                FlowPicClassifier.FirstLayerMode.AUTO, FlowPicClassifier.Engine.JAVA)) {
            assertTrue(classifier.javaForwardPass(), classifier.engine());
            int r = classifier.metadata().resolution();
            int n = 64;
            JavaForwardPassTest.Batch batch = JavaForwardPassTest.synthetic(r, n, new SplittableRandom(11));
            float[] counts = new float[n * r * r];
            for (int i = 0; i < n; i++) {
                System.arraycopy(batch.images().get(i), 0, counts, i * r * r, r * r);
            }
            float[] flows = new float[n * FlowDescriptors.WIDTH];
            for (int i = 0; i < n; i++) {
                FlowDescriptors.fill(batch.flows()[i] == 0f ? 6 : 17, flows, i * FlowDescriptors.WIDTH);
            }
            int classes = classifier.metadata().numClasses();
            float[] before = new float[n * classes];
            classifier.classify(counts, flows, n, before);

            Runnable warmUp = classifier.warmUp(TimeUnit.SECONDS.toNanos(2));
            assertTrue(warmUp != null, "a Java forward pass has a warm-up");
            Thread thread = new Thread(warmUp, "warm-up-under-test");
            thread.start();
            int rounds = 0;
            do {
                float[] during = new float[n * classes];
                classifier.classify(counts, flows, n, during);
                assertArrayEquals(before, during, 0f, "round " + rounds);
                rounds++;
            } while (thread.isAlive() && rounds < 2_000);
            thread.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(thread.isAlive(), "the warm-up ends after its budget");
            assertTrue(rounds > 0);
        }
    }

    @Test
    void aClosedClassifierRefusesAWarmUp() throws Exception {
        FlowPicClassifier classifier = FlowPicClassifier.load(JavaForwardPassTest.DEFAULT_MODEL, 1,
                FlowPicClassifier.FirstLayerMode.AUTO, FlowPicClassifier.Engine.JAVA);
        classifier.close();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> classifier.warmUp(TimeUnit.SECONDS.toNanos(1)));
    }

    @Test
    void tensorFlowEngineHasNoWarmUp() throws Exception {
        try (FlowPicClassifier classifier = FlowPicClassifier.load(JavaForwardPassTest.DEFAULT_MODEL, 1,
                FlowPicClassifier.FirstLayerMode.DENSE, FlowPicClassifier.Engine.TENSORFLOW)) {
            assertNull(classifier.warmUp(TimeUnit.SECONDS.toNanos(1)));
        }
    }
}

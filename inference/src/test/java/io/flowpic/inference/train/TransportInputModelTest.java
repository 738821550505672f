package io.flowpic.inference.train;

import io.flowpic.flowtable.flow.FlowPicBlock;
import io.flowpic.inference.FlowDescriptors;
import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.inference.ModelException;
import io.flowpic.inference.ModelMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A model with the second (flow descriptor) input, exported the trainer's way and loaded as the sensor loads it. */
class TransportInputModelTest
{
    private static final int R = 32;
    private static final List<String> LABELS = List.of("voip", "video", "chat");

    @Test
    void sensorClassifierFeedsFlowDescriptorsLikeTheTrainer(@TempDir final Path dir) throws Exception
    {
        final Features features = Features.parse("image+stats+transport");
        final float[][] weights;
        try (Graph g = new Graph())
        {
            weights = FlowPicNet.build(g, Architecture.MINI, features, R, LABELS.size(), false, 1, "a", "b")
                .initialValues(11);
        }
        final int n = 4;
        final float[] counts = new float[n * R * R];
        final float[] normalised = new float[counts.length];
        final Random random = new Random(5);
        for (int i = 0; i < counts.length; i++)
        {
            if (random.nextInt(10) == 0)
            {
                counts[i] = 1 + random.nextInt(30);
                normalised[i] = (float)Math.log1p(counts[i]);
            }
        }
        final float[] flows = new float[n * FlowDescriptors.WIDTH];
        final FlowPicBlock udp = new FlowPicBlock();
        udp.protocol = 17;
        final FlowPicBlock tcp = new FlowPicBlock();
        tcp.protocol = 6;
        for (int i = 0; i < n; i++)
        {
            FlowDescriptors.fill(i % 2 == 0 ? udp : tcp, flows, i * FlowDescriptors.WIDTH);
        }
        final float[] expected;
        final Path model = dir.resolve("model");
        try (TrainedModel trained = new TrainedModel(Architecture.MINI, features, R, LABELS, weights))
        {
            assertEquals("flow", trained.flowInputName());
            expected = trained.scores(normalised, flows, n);
            assertThrows(IllegalStateException.class, () -> trained.scores(normalised, n));
            trained.exportSavedModel(model);
        }
        new ModelMetadata(ModelMetadata.FORMAT_VERSION, "transport-test", LABELS, R, 15, 1500, "log1p",
            TrainedModel.SIGNATURE_KEY, TrainedModel.INPUT_NAME, TrainedModel.OUTPUT_NAME, "flow").write(model);

        try (FlowPicClassifier classifier = FlowPicClassifier.load(model))
        {
            assertTrue(classifier.needsFlows());
            final float[] scores = new float[n * LABELS.size()];
            classifier.classify(counts, flows, n, scores);
            for (int i = 0; i < scores.length; i++)
            {
                assertEquals(expected[i], scores[i], 1e-5, "score " + i);
            }
            // The transport changes the answer for the same picture.
            final float[] same = new float[2 * R * R];
            System.arraycopy(counts, 0, same, 0, R * R);
            System.arraycopy(counts, 0, same, R * R, R * R);
            final float[] pair = new float[2 * LABELS.size()];
            classifier.classify(same, new float[] {1f, 0f}, 2, pair);
            assertNotEquals(pair[0], pair[LABELS.size()], 1e-6f);
            assertThrows(IllegalStateException.class, () -> classifier.classify(counts, n, scores));
            assertThrows(IllegalArgumentException.class, () -> classifier.classify(counts, new float[1], n, scores));
        }
    }

    @Test
    void metadataNamingAMissingFlowInputFailsLoadWithTheName(@TempDir final Path dir) throws Exception
    {
        final float[][] weights;
        try (Graph g = new Graph())
        {
            weights = FlowPicNet.build(g, Architecture.MINI, R, LABELS.size(), false, 1, "a", "b").initialValues(3);
        }
        final Path model = dir.resolve("model");
        try (TrainedModel trained = new TrainedModel(Architecture.MINI, R, LABELS, weights))
        {
            trained.exportSavedModel(model);
        }
        new ModelMetadata(ModelMetadata.FORMAT_VERSION, "no-flow", LABELS, R, 15, 1500, "log1p",
            TrainedModel.SIGNATURE_KEY, TrainedModel.INPUT_NAME, TrainedModel.OUTPUT_NAME, "flow").write(model);
        final ModelException e = assertThrows(ModelException.class, () -> FlowPicClassifier.load(model));
        assertTrue(e.getMessage().contains("'flow'") && e.getMessage().contains(model.toString()), e.getMessage());
        assertTrue(Files.exists(model.resolve(ModelMetadata.FILE_NAME)));
    }

    @Test
    void sparseFirstLayerFeedsTheFlowInputTooAndStatisticsModelsStayDense(@TempDir final Path dir) throws Exception
    {
        final int r = 64;
        for (final String text : List.of("image+transport", "image+stats+transport"))
        {
            final Features features = Features.parse(text);
            final float[][] weights;
            try (Graph g = new Graph())
            {
                weights = FlowPicNet.build(g, Architecture.FULL, features, r, LABELS.size(), false, 1, "a", "b")
                    .initialValues(13);
            }
            final int n = 3;
            final float[] counts = new float[n * r * r];
            final float[] normalised = new float[counts.length];
            final Random random = new Random(8);
            for (int i = 0; i < counts.length; i++)
            {
                if (random.nextInt(30) == 0)
                {
                    counts[i] = 1 + random.nextInt(50);
                    normalised[i] = (float)Math.log1p(counts[i]);
                }
            }
            final float[] flows = {1f, 0f, 1f};
            final float[] expected;
            final Path model = dir.resolve(text.replace('+', '_'));
            try (TrainedModel trained = new TrainedModel(Architecture.FULL, features, r, LABELS, weights))
            {
                expected = trained.scores(normalised, flows, n);
                trained.exportSavedModel(model);
            }
            new ModelMetadata(ModelMetadata.FORMAT_VERSION, text, LABELS, r, 15, 1500, "log1p",
                TrainedModel.SIGNATURE_KEY, TrainedModel.INPUT_NAME, TrainedModel.OUTPUT_NAME, "flow").write(model);
            try (FlowPicClassifier classifier = FlowPicClassifier.load(model, 1, FlowPicClassifier.FirstLayerMode.SPARSE))
            {
                // The statistics read the picture itself, so the picture cannot be replaced by the first layer's output.
                assertEquals(!features.stats(), classifier.sparseFirstLayer(), classifier.firstLayer());
                final float[] scores = new float[n * LABELS.size()];
                classifier.classify(counts, flows, n, scores);
                for (int i = 0; i < scores.length; i++)
                {
                    assertEquals(expected[i], scores[i], 1e-4, text + " score " + i);
                }
            }
        }
    }
}

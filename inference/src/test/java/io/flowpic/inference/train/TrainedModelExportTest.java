package io.flowpic.inference.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TrainedModelExportTest
{
    @Test
    void exportedMiniModelReloadsWithSameScores(@TempDir final Path dir) throws Exception
    {
        final int r = 32;
        final float[][] weights;
        try (Graph g = new Graph())
        {
            weights = FlowPicNet.build(g, Architecture.MINI, r, 3, false, 1, "a", "b").initialValues(7);
        }
        final Random random = new Random(3);
        final float[] images = new float[4 * r * r];
        for (int i = 0; i < images.length; i++)
        {
            images[i] = random.nextInt(8) == 0 ? (float)Math.log1p(random.nextInt(20)) : 0f;
        }
        final float[] expected;
        try (TrainedModel model = new TrainedModel(Architecture.MINI, r, List.of("a", "b", "c"), weights))
        {
            expected = model.scores(images, 4);
            model.exportSavedModel(dir.resolve("m"));
        }
        assertScoresMatch(dir.resolve("m"), r, images, 4, expected);
    }

    static void assertScoresMatch(final Path dir, final int r, final float[] images, final int n, final float[] expected)
    {
        try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve");
             TFloat32 in = TFloat32.tensorOf(Shape.of(n, r, r, 1), DataBuffers.of(images, true, false));
             Result result = bundle.function("serving_default").call(Map.of("flowpic", in)))
        {
            final TFloat32 out = (TFloat32)result.get("scores").orElseThrow();
            assertEquals(Shape.of(n, expected.length / n), out.shape());
            final float[] actual = new float[expected.length];
            out.copyTo(DataBuffers.of(actual, false, false));
            for (int i = 0; i < expected.length; i++)
            {
                assertEquals(expected[i], actual[i], 1e-5, "score " + i);
            }
        }
    }
}

package io.flowpic.inference.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockStatisticsTest
{
    private static final int R = 32;

    @Test
    void statisticsOfAHandMadeBlock()
    {
        // 3 packets of the smallest size bin at the first time bin, 1 of the largest at time bin 10.
        final float[] counts = new float[R * R];
        counts[0] = 3;
        counts[31 * R + 10] = 1;
        final float[] f = features(counts, 1);
        final double small = 0.5 / R;
        final double top = 31.5 / R;
        final double[] expected = {
            Math.log(5) / 8,                        // packets
            (3 * small + top) / 4,                  // size mean
            Math.sqrt(0.25 * 0.75) * (top - small), // size std (two-point distribution)
            0,                                      // smallest occupied size row
            1,                                      // end of the largest occupied size row
            0,                                      // median size row
            0.25,                                   // share >= 1000 B
            0.75,                                   // share < 100 B
            0,                                      // first time bin
            11.0 / R,                               // span, bins 0..10
            2.0 / R,                                // occupied time bins
            2.0 / 11,                               // occupied share of the span
            (3 * small + 10.5 / R) / 4,             // time mean
            Math.sqrt(0.25 * 0.75) * (10.0 / R),    // time std
            0.75,                                   // largest share in one time bin
            Math.log1p(4.0 / 11) / 6,               // packets per spanned bin
            Math.log1p(2.0) / 4,                    // packets per occupied cell
        };
        assertEquals(BlockStatistics.COUNT, expected.length);
        for (int i = 0; i < expected.length; i++)
        {
            assertEquals(expected[i], f[i], 1e-5, "feature " + i);
        }
    }

    @Test
    void emptyAndFullImagesGiveFiniteFeatures()
    {
        final float[] counts = new float[2 * R * R];
        java.util.Arrays.fill(counts, R * R, 2 * R * R, 65535f);
        final float[] f = features(counts, 2);
        for (int i = 0; i < f.length; i++)
        {
            assertTrue(Float.isFinite(f[i]), "feature " + i + " = " + f[i]);
        }
        assertEquals(0f, f[0], 0f, "an empty block has no packets");
        assertEquals(1f, f[BlockStatistics.COUNT + 10], 1e-6, "a full block occupies every time bin");
    }

    @Test
    void statisticsModelsExportWithTheUsualSignature(@TempDir final Path dir) throws Exception
    {
        for (final Features features : List.of(Features.parse("image+stats"), Features.parse("stats")))
        {
            final float[][] weights;
            try (Graph g = new Graph())
            {
                weights = FlowPicNet.build(g, Architecture.MINI, features, R, 3, false, 1, "a", "b").initialValues(7);
            }
            final Random random = new Random(3);
            final float[] images = new float[4 * R * R];
            for (int i = 0; i < images.length; i++)
            {
                images[i] = random.nextInt(8) == 0 ? (float)Math.log1p(random.nextInt(20)) : 0f;
            }
            final float[] expected;
            final Path out = dir.resolve(features.id().replace('+', '_'));
            try (TrainedModel model = new TrainedModel(Architecture.MINI, features, R, List.of("a", "b", "c"), weights))
            {
                expected = model.scores(images, 4);
                model.exportSavedModel(out);
            }
            TrainedModelExportTest.assertScoresMatch(out, R, images, 4, expected);
        }
    }

    /** Runs {@link BlockStatistics} on raw counts, normalised with log1p as the classifier does. */
    private static float[] features(final float[] counts, final int n)
    {
        final float[] normalised = new float[counts.length];
        for (int i = 0; i < counts.length; i++)
        {
            normalised[i] = (float)Math.log1p(counts[i]);
        }
        try (Graph g = new Graph())
        {
            final Ops tf = Ops.create(g);
            final Placeholder<TFloat32> in = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, R, R, 1)));
            final Operand<TFloat32> out = BlockStatistics.build(tf, in, R);
            try (Session s = new Session(g);
                 TFloat32 x = TFloat32.tensorOf(Shape.of(n, R, R, 1), DataBuffers.of(normalised, true, false));
                 Result result = s.runner().feed(in, x).fetch(out).run())
            {
                final float[] f = new float[n * BlockStatistics.COUNT];
                ((TFloat32)result.get(0)).copyTo(DataBuffers.of(f, false, false));
                return f;
            }
        }
    }
}

package io.flowpic.inference.train;

import io.flowpic.inference.ModelMetadata;
import io.flowpic.inference.ScoreCalibration;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Temperature scaling: the arithmetic by hand, and the fit finds a temperature that was put in. */
class TemperatureFitTest
{
    @Test
    void scalingIsSoftmaxOfLogScoresOverT()
    {
        // softmax(log(p)/2) of (0.8, 0.2) = (√0.8, √0.2) / (√0.8 + √0.2) = (2/3, 1/3).
        final float[] scores = {0.8f, 0.2f, 0.5f, 0.5f};
        ScoreCalibration.apply(2.0, scores, 2, 2);
        assertArrayEquals(new float[] {2f / 3, 1f / 3, 0.5f, 0.5f}, scores, 1e-6f);
        final float[] same = {0.7f, 0.2f, 0.1f};
        ScoreCalibration.apply(1.0, same, 1, 3);
        assertArrayEquals(new float[] {0.7f, 0.2f, 0.1f}, same, 0f);
        final float[] zero = {1f, 0f, 0f};
        ScoreCalibration.apply(3.0, zero, 1, 3);
        assertArrayEquals(new float[] {1f, 0f, 0f}, zero, 1e-6f);
    }

    @Test
    void fitRecoversTheTemperatureOfOverConfidentScores()
    {
        // Labels drawn from softmax(z); the "model" reports softmax(3z), three times too sharp: T = 3 undoes it.
        final Random random = new Random(17);
        final int n = 20_000;
        final int classes = 4;
        final float[] scores = new float[n * classes];
        final int[] labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            final double[] z = new double[classes];
            double sum = 0;
            double sharpSum = 0;
            for (int c = 0; c < classes; c++)
            {
                z[c] = random.nextGaussian();
                sum += Math.exp(z[c]);
                sharpSum += Math.exp(3 * z[c]);
            }
            double u = random.nextDouble() * sum;
            int label = classes - 1;
            for (int c = 0; c < classes; c++)
            {
                u -= Math.exp(z[c]);
                if (u < 0)
                {
                    label = c;
                    break;
                }
            }
            labels[i] = label;
            for (int c = 0; c < classes; c++)
            {
                scores[i * classes + c] = (float)(Math.exp(3 * z[c]) / sharpSum);
            }
        }
        final ModelMetadata.Calibration fit = TemperatureFit.fit(scores, labels, classes);
        assertEquals(3.0, fit.temperature(), 0.15, "fitted " + fit);
        assertEquals(n, fit.fittedOnBlocks());
        assertTrue(fit.eceAfter() < fit.eceBefore() / 3, "ECE " + fit.eceBefore() + " -> " + fit.eceAfter());
    }
}

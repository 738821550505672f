package io.flowpic.inference.train;

import io.flowpic.inference.ModelMetadata;
import io.flowpic.inference.ScoreCalibration;
import io.flowpic.inference.eval.CalibrationError;

/**
 * Fits the temperature T of {@link ScoreCalibration} on validation scores by minimising the negative
 * log-likelihood of the true labels. The NLL is convex in 1/T, so a golden-section search over log(1/T) finds
 * its minimum deterministically (same scores, same T) without a gradient.
 */
final class TemperatureFit
{
    /** Search range of T: wider than any network trained here needs, narrow enough to stay finite. */
    static final double MIN_TEMPERATURE = 0.05;
    static final double MAX_TEMPERATURE = 20.0;
    private static final int ITERATIONS = 80;
    private static final double FLOOR = 1e-30;

    private TemperatureFit()
    {
    }

    /**
     * @param scores validation softmax scores, {@code labels.length} rows of {@code classes}
     * @param labels true class of each row
     * @return the fitted calibration with the ECE before and after on the same rows, or null for no rows
     */
    static ModelMetadata.Calibration fit(final float[] scores, final int[] labels, final int classes)
    {
        if (labels.length == 0)
        {
            return null;
        }
        final double[] logs = new double[scores.length];
        for (int i = 0; i < scores.length; i++)
        {
            logs[i] = Math.log(Math.max(scores[i], FLOOR));
        }
        final double phi = (Math.sqrt(5) - 1) / 2;
        double lo = Math.log(1 / MAX_TEMPERATURE);
        double hi = Math.log(1 / MIN_TEMPERATURE);
        double a = hi - phi * (hi - lo);
        double b = lo + phi * (hi - lo);
        double fa = nll(logs, labels, classes, Math.exp(a));
        double fb = nll(logs, labels, classes, Math.exp(b));
        for (int i = 0; i < ITERATIONS; i++)
        {
            if (fa <= fb)
            {
                hi = b;
                b = a;
                fb = fa;
                a = hi - phi * (hi - lo);
                fa = nll(logs, labels, classes, Math.exp(a));
            }
            else
            {
                lo = a;
                a = b;
                fa = fb;
                b = lo + phi * (hi - lo);
                fb = nll(logs, labels, classes, Math.exp(b));
            }
        }
        final double inverse = Math.exp((lo + hi) / 2);
        // Keep T = 1 unless scaling really lowers the NLL: a flat minimum should not rewrite every score.
        final double temperature = nll(logs, labels, classes, inverse) < nll(logs, labels, classes, 1.0) ?
            1 / inverse : 1.0;
        final float[] scaled = scores.clone();
        ScoreCalibration.apply(temperature, scaled, labels.length, classes);
        return new ModelMetadata.Calibration(temperature, labels.length, CalibrationError.of(scores, labels, classes),
            CalibrationError.of(scaled, labels, classes));
    }

    /** Mean negative log-likelihood of the labels under softmax(inverse · log p). */
    static double nll(final double[] logs, final int[] labels, final int classes, final double inverse)
    {
        double sum = 0;
        for (int i = 0; i < labels.length; i++)
        {
            final int base = i * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++)
            {
                max = Math.max(max, logs[base + c] * inverse);
            }
            double z = 0;
            for (int c = 0; c < classes; c++)
            {
                z += Math.exp(logs[base + c] * inverse - max);
            }
            sum += max + Math.log(z) - logs[base + labels[i]] * inverse;
        }
        return sum / labels.length;
    }
}

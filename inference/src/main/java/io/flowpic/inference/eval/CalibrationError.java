package io.flowpic.inference.eval;

/**
 * Expected calibration error of scored samples: the top scores are put in {@value #BINS} equal-width bins, and
 * ECE = Σ (bin size / samples) · |accuracy in the bin − mean top score in the bin| (Guo et al. 2017). 0 means a
 * top score of 0.8 is right 80 % of the time.
 */
public final class CalibrationError
{
    public static final int BINS = 15;

    private CalibrationError()
    {
    }

    /**
     * @param scores  {@code labels.length} rows of {@code classes} scores
     * @param labels  true class of each row
     * @return the ECE, or NaN for no samples
     */
    public static double of(final float[] scores, final int[] labels, final int classes)
    {
        final double[] top = new double[labels.length];
        final boolean[] correct = new boolean[labels.length];
        for (int i = 0; i < labels.length; i++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++)
            {
                if (scores[i * classes + c] > scores[i * classes + best])
                {
                    best = c;
                }
            }
            top[i] = scores[i * classes + best];
            correct[i] = best == labels[i];
        }
        return of(top, correct, labels.length);
    }

    /**
     * @param top     top score of each of the first {@code n} samples
     * @param correct whether that sample's top class was its true class
     * @return the ECE, or NaN for no samples
     */
    public static double of(final double[] top, final boolean[] correct, final int n)
    {
        if (n == 0)
        {
            return Double.NaN;
        }
        final double[] confidence = new double[BINS];
        final int[] right = new int[BINS];
        for (int i = 0; i < n; i++)
        {
            final int bin = Math.min(BINS - 1, Math.max(0, (int)(top[i] * BINS)));
            confidence[bin] += top[i];
            if (correct[i])
            {
                right[bin]++;
            }
        }
        double ece = 0;
        for (int b = 0; b < BINS; b++)
        {
            ece += Math.abs(right[b] - confidence[b]) / n;
        }
        return ece;
    }
}

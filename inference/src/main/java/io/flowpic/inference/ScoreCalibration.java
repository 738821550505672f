package io.flowpic.inference;

/**
 * Temperature scaling of softmax scores, applied where scores leave {@link FlowPicClassifier}, so every consumer
 * (journal, exporters, evaluate) sees calibrated scores. The SavedModel emits probabilities, not logits, so the
 * scaled score is softmax(log(p) / T), computed as p^(1/T) renormalised; the ranking of classes never changes,
 * only how confident the top score is. Allocation-free: it runs once per inference batch.
 */
public final class ScoreCalibration
{
    /** Scores at or below this count as this: keeps log(p) finite without moving any real score. */
    static final double FLOOR = 1e-30;

    private ScoreCalibration()
    {
    }

    /**
     * Rescales {@code n} rows of {@code classes} probabilities in place with temperature {@code temperature};
     * temperature 1 leaves them bit-for-bit as they are.
     */
    public static void apply(final double temperature, final float[] scores, final int n, final int classes)
    {
        if (temperature == 1.0)
        {
            return;
        }
        final double inverse = 1.0 / temperature;
        for (int i = 0; i < n; i++)
        {
            final int base = i * classes;
            double maxLog = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++)
            {
                maxLog = Math.max(maxLog, Math.log(Math.max(scores[base + c], FLOOR)));
            }
            double sum = 0;
            for (int c = 0; c < classes; c++)
            {
                sum += Math.exp((Math.log(Math.max(scores[base + c], FLOOR)) - maxLog) * inverse);
            }
            for (int c = 0; c < classes; c++)
            {
                scores[base + c] = (float)(Math.exp((Math.log(Math.max(scores[base + c], FLOOR)) - maxLog) * inverse) / sum);
            }
        }
    }
}

package io.flowpic.inference.train;

/** The input normalisation recorded in model metadata: log1p of raw counts, applied in Java before feeding. */
public final class Normalization
{
    public static final String LOG1P = "log1p";

    private Normalization()
    {
    }

    /** log1p of every element of {@code a[from, to)}. */
    public static void log1pInPlace(final float[] a, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            final float v = a[i];
            if (v != 0f)
            {
                a[i] = (float)Math.log1p(v);
            }
        }
    }
}

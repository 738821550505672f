package io.flowpic.inference.train;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceMax;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.types.TFloat32;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-block statistics computed inside the graph from the FlowPic itself, so a model that uses them keeps
 * the one-input signature and the sensor feeds it exactly as before.
 *
 * <p>Why: a CNN trained on a few sources learns their textures and does not carry over to new networks,
 * while plain block statistics (count, size moments and quantiles, time span and burstiness, share of
 * small and large packets) do. They are measured here at the image's resolution (size bins of 1500/R bytes,
 * time bins of T/R seconds), which is what the sensor has: no second per-packet state is kept for them.
 * Every feature is scaled to roughly [0, 1] by construction, so no fitted normaliser has to travel with
 * the model.
 */
final class BlockStatistics
{
    /** Number of features {@link #build} appends per image. */
    static final int COUNT = 17;

    /** Share of packets in size rows centred at or above this fraction of the maximum size (1000 of 1500 B). */
    private static final float LARGE_FRACTION = 2f / 3f;
    /** Share of packets in size rows centred below this fraction (100 of 1500 B: headers, ACKs, keep-alives). */
    private static final float SMALL_FRACTION = 1f / 15f;

    private BlockStatistics()
    {
    }

    /**
     * @param normalised log1p-normalised counts {@code [-1, R, R, 1]} (row = size bin, column = time bin)
     * @return {@code [-1, COUNT]} features
     */
    static Operand<TFloat32> build(final Ops tf, final Operand<TFloat32> normalised, final int r)
    {
        final Ops s = tf.withSubScope("block_stats");
        final Operand<TFloat32> counts = s.reshape(s.math.expm1(normalised), s.array(-1, r, r));
        final Operand<TFloat32> bySize = s.reduceSum(counts, s.constant(2));
        final Operand<TFloat32> byTime = s.reduceSum(counts, s.constant(1));
        final Operand<TFloat32> n = sum(s, bySize);
        final Operand<TFloat32> safeN = s.math.maximum(n, s.constant(1f));

        final float[] centre = new float[r];
        final float[] fromEnd = new float[r];
        final float[] oneBased = new float[r];
        final float[] large = new float[r];
        final float[] small = new float[r];
        for (int i = 0; i < r; i++)
        {
            centre[i] = (i + 0.5f) / r;
            fromEnd[i] = r - i;
            oneBased[i] = i + 1;
            large[i] = centre[i] >= LARGE_FRACTION ? 1f : 0f;
            small[i] = centre[i] < SMALL_FRACTION ? 1f : 0f;
        }
        final Operand<TFloat32> centres = s.constant(centre);
        final Operand<TFloat32> rf = s.constant((float)r);
        final List<Operand<TFloat32>> f = new ArrayList<>(COUNT);

        f.add(s.math.div(s.math.log1p(n), s.constant(8f)));

        // Size axis.
        final Operand<TFloat32> sizeOccupied = occupied(s, bySize);
        final Operand<TFloat32> sizeMean = s.math.div(sum(s, s.math.mul(bySize, centres)), safeN);
        f.add(sizeMean);
        f.add(std(s, bySize, centres, sizeMean, safeN));
        f.add(s.math.div(s.math.sub(rf, max(s, s.math.mul(sizeOccupied, s.constant(fromEnd)))), rf));
        f.add(s.math.div(max(s, s.math.mul(sizeOccupied, s.constant(oneBased))), rf));
        final Operand<TFloat32> cumulative = s.math.cumsum(bySize, s.constant(1));
        final Operand<TFloat32> belowHalf = s.math.sign(s.nn.relu(s.math.sub(s.math.mul(n, s.constant(0.5f)), cumulative)));
        f.add(s.math.div(sum(s, belowHalf), rf));
        f.add(s.math.div(sum(s, s.math.mul(bySize, s.constant(large))), safeN));
        f.add(s.math.div(sum(s, s.math.mul(bySize, s.constant(small))), safeN));

        // Time axis.
        final Operand<TFloat32> timeOccupied = occupied(s, byTime);
        final Operand<TFloat32> first = s.math.sub(rf, max(s, s.math.mul(timeOccupied, s.constant(fromEnd))));
        final Operand<TFloat32> last = max(s, s.math.mul(timeOccupied, s.constant(oneBased)));
        final Operand<TFloat32> spanBins = s.math.maximum(s.math.sub(last, first), s.constant(1f));
        final Operand<TFloat32> activeBins = sum(s, timeOccupied);
        f.add(s.math.div(first, rf));
        f.add(s.math.div(spanBins, rf));
        f.add(s.math.div(activeBins, rf));
        f.add(s.math.div(activeBins, spanBins));
        final Operand<TFloat32> timeMean = s.math.div(sum(s, s.math.mul(byTime, centres)), safeN);
        f.add(timeMean);
        f.add(std(s, byTime, centres, timeMean, safeN));
        f.add(s.math.div(max(s, byTime), safeN));
        f.add(s.math.div(s.math.log1p(s.math.div(n, spanBins)), s.constant(6f)));
        final Operand<TFloat32> cells = s.math.maximum(
            s.reduceSum(occupied(s, counts), s.constant(new int[] {1, 2})), s.constant(1f));
        f.add(s.math.div(s.math.log1p(s.math.div(s.reshape(n, s.array(-1)), cells)), s.constant(4f)));

        final List<Operand<TFloat32>> columns = new ArrayList<>(COUNT);
        for (final Operand<TFloat32> feature : f)
        {
            columns.add(s.reshape(feature, s.array(-1, 1)));
        }
        return s.concat(columns, s.constant(1));
    }

    /** 1 where a count is present (counts come back from expm1 as k ± rounding, so test against 0.5). */
    private static Operand<TFloat32> occupied(final Ops s, final Operand<TFloat32> counts)
    {
        return s.math.sign(s.nn.relu(s.math.sub(counts, s.constant(0.5f))));
    }

    private static Operand<TFloat32> sum(final Ops s, final Operand<TFloat32> x)
    {
        return s.reduceSum(x, s.constant(1), ReduceSum.keepDims(true));
    }

    private static Operand<TFloat32> max(final Ops s, final Operand<TFloat32> x)
    {
        return s.reduceMax(x, s.constant(1), ReduceMax.keepDims(true));
    }

    private static Operand<TFloat32> std(
        final Ops s, final Operand<TFloat32> marginal, final Operand<TFloat32> centres, final Operand<TFloat32> mean,
        final Operand<TFloat32> safeN)
    {
        final Operand<TFloat32> second = s.math.div(sum(s, s.math.mul(marginal, s.math.square(centres))), safeN);
        return s.math.sqrt(s.nn.relu(s.math.sub(second, s.math.square(mean))));
    }
}

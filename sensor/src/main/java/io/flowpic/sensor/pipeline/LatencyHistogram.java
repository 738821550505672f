package io.flowpic.sensor.pipeline;

import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import java.math.BigDecimal;

/**
 * Block end → journal append latency as Prometheus-style cumulative buckets kept in Agrona
 * counters, so the metrics thread reads them without locks while the inference agent records.
 */
public final class LatencyHistogram
{
    /** Upper bounds in milliseconds; the last bucket (+Inf) is implicit in {@link #count}. */
    public static final long[] BOUNDS_MS = {1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};

    public final AtomicCounter[] buckets = new AtomicCounter[BOUNDS_MS.length];
    public final AtomicCounter count;
    public final AtomicCounter sumMicros;

    /** The {@code le} label of each bucket, in seconds as Prometheus writes them. */
    public static final String[] LE_LABELS = leLabels();

    /** @param name the histogram's family name: counters are labelled with its sample names. */
    public LatencyHistogram(final CountersManager manager, final String name)
    {
        for (int i = 0; i < BOUNDS_MS.length; i++)
        {
            buckets[i] = manager.newCounter(name + "_bucket{le=\"" + LE_LABELS[i] + "\"}");
        }
        count = manager.newCounter(name + "_count");
        sumMicros = manager.newCounter(name + "_sum");
    }

    private static String[] leLabels()
    {
        final String[] labels = new String[BOUNDS_MS.length];
        for (int i = 0; i < labels.length; i++)
        {
            labels[i] = BigDecimal.valueOf(BOUNDS_MS[i], 3).stripTrailingZeros().toPlainString();
        }
        return labels;
    }

    /** Single writer. Buckets are cumulative, as Prometheus histograms are. */
    public void record(final long nanos)
    {
        final long micros = Math.max(0, nanos / 1000);
        for (int i = BOUNDS_MS.length - 1; i >= 0 && micros <= BOUNDS_MS[i] * 1000; i--)
        {
            buckets[i].incrementRelease();
        }
        count.incrementRelease();
        sumMicros.getAndAddRelease(micros);
    }
}

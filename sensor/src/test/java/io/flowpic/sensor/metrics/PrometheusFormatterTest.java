package io.flowpic.sensor.metrics;

import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.sensor.pipeline.LatencyHistogram;
import io.flowpic.sensor.pipeline.SensorCounters;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrometheusFormatterTest
{
    @Test
    void everyDecodeResultButOkHasOneSample()
    {
        final SensorCounters counters = SensorCounters.standalone();
        final Map<String, Double> samples =
            MetricsServerTest.parse(new PrometheusFormatter(counters.manager, () -> null).format());
        for (final DecodeResult result : DecodeResult.values())
        {
            final String family = result.isMalformed() ? "flowpic_packets_malformed_total" : "flowpic_packets_skipped_total";
            assertEquals(result != DecodeResult.OK, samples.containsKey(family + "{reason=\"" + result.label() + "\"}"),
                result.name());
        }
        assertEquals(1.0, samples.get("flowpic_model_info{model=\"\"}"), "no model yet: empty id");
    }

    /** Scrapes while an agent records: the histogram a scrape sees is always cumulative and consistent. */
    @Test
    void histogramStaysCumulativeUnderConcurrentRecording() throws Exception
    {
        final SensorCounters counters = SensorCounters.standalone();
        final PrometheusFormatter formatter = new PrometheusFormatter(counters.manager, () -> "m");
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread writer = new Thread(() ->
        {
            long i = 0;
            while (running.get())
            {
                counters.blockLatency.record((i++ % 20_000) * 1_000_000L);   // 0 .. 20 s
                counters.packetsReceived.incrementRelease();
            }
        });
        writer.start();
        try
        {
            double lastPackets = 0;
            final double[] lastBuckets = new double[LatencyHistogram.BOUNDS_MS.length + 1];
            for (int scrape = 0; scrape < 300; scrape++)
            {
                final Map<String, Double> samples = MetricsServerTest.parse(formatter.format());
                final double[] buckets = buckets(samples, "flowpic_block_latency_seconds");
                for (int i = 0; i < buckets.length; i++)
                {
                    // Cumulative within the scrape, and no bucket ever goes back between scrapes.
                    assertTrue(i == 0 || buckets[i] >= buckets[i - 1], "cumulative at bucket " + i);
                    assertTrue(buckets[i] >= lastBuckets[i], "bucket " + i + " went back");
                }
                System.arraycopy(buckets, 0, lastBuckets, 0, buckets.length);
                final double packets = samples.get("flowpic_packets_captured_total");
                assertTrue(packets >= lastPackets, "counters never go back");
                lastPackets = packets;
            }
            assertTrue(lastBuckets[lastBuckets.length - 1] > 0, "the writer recorded while scraped");
        }
        finally
        {
            running.set(false);
            writer.join();
        }
    }

    /**
     * A known set of latencies, one on each whole millisecond 0..12,000 (so on every bucket bound too):
     * each bucket must count exactly the records at or below its bound, worked out here, not by the histogram.
     */
    @Test
    void bucketsCountExactlyTheRecordsAtOrBelowTheirBound()
    {
        final SensorCounters counters = SensorCounters.standalone();
        final int maxMs = 12_000;
        long sumMs = 0;
        for (int ms = 0; ms <= maxMs; ms++)
        {
            counters.blockLatency.record(ms * 1_000_000L);
            sumMs += ms;
        }
        final Map<String, Double> samples =
            MetricsServerTest.parse(new PrometheusFormatter(counters.manager, () -> "m").format());
        final double[] buckets = buckets(samples, "flowpic_block_latency_seconds");
        final long[] boundsMs = {1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
        for (int i = 0; i < boundsMs.length; i++)
        {
            assertEquals(boundsMs[i] + 1, buckets[i], "le=" + boundsMs[i] + " ms: records 0.." + boundsMs[i] + " ms");
        }
        assertEquals(maxMs + 1, buckets[boundsMs.length], "+Inf: every record");
        assertEquals(maxMs + 1, samples.get("flowpic_block_latency_seconds_count"));
        assertEquals(sumMs / 1000.0, samples.get("flowpic_block_latency_seconds_sum"), 1e-9);
        assertEquals(0.0, buckets(samples, "flowpic_block_finish_latency_seconds")[boundsMs.length], "other histogram");
    }

    /** The bucket samples of a histogram in bound order, +Inf last, located by their printed {@code le}. */
    private static double[] buckets(final Map<String, Double> samples, final String name)
    {
        final String[] les = {"0.001", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10",
            "+Inf"};
        assertEquals(LatencyHistogram.BOUNDS_MS.length + 1, les.length, "bounds changed: update this test");
        final double[] values = new double[les.length];
        for (int i = 0; i < les.length; i++)
        {
            final Double value = samples.get(name + "_bucket{le=\"" + les[i] + "\"}");
            assertTrue(value != null, name + " has no bucket le=" + les[i]);
            values[i] = value;
        }
        return values;
    }
}

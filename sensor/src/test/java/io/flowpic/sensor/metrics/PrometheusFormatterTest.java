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
            MetricsServerTest.parse(new PrometheusFormatter(counters, () -> null, () -> 0).format());
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
        final PrometheusFormatter formatter = new PrometheusFormatter(counters, () -> "m", () -> 0);
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
            for (int scrape = 0; scrape < 300; scrape++)
            {
                final Map<String, Double> samples = MetricsServerTest.parse(formatter.format());
                double previous = 0;
                for (final long bound : LatencyHistogram.BOUNDS_MS)
                {
                    final String le = java.math.BigDecimal.valueOf(bound, 3).stripTrailingZeros().toPlainString();
                    final double value = samples.get("flowpic_block_latency_seconds_bucket{le=\"" + le + "\"}");
                    assertTrue(value >= previous, "cumulative at le=" + le);
                    previous = value;
                }
                final double inf = samples.get("flowpic_block_latency_seconds_bucket{le=\"+Inf\"}");
                assertTrue(inf >= previous, "+Inf holds every bucket");
                assertEquals(inf, samples.get("flowpic_block_latency_seconds_count"));
                final double packets = samples.get("flowpic_packets_captured_total");
                assertTrue(packets >= lastPackets, "counters never go back");
                lastPackets = packets;
            }
        }
        finally
        {
            running.set(false);
            writer.join();
        }
    }
}

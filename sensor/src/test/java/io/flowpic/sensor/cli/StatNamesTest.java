package io.flowpic.sensor.cli;

import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.sensor.export.ExportCounters;
import io.flowpic.sensor.metrics.MetricsServerTest;
import io.flowpic.sensor.metrics.PrometheusFormatter;
import io.flowpic.sensor.pipeline.CountersFile;
import io.flowpic.sensor.pipeline.SensorCounters;
import org.agrona.concurrent.status.CountersManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code flowpic stat} prints the counters under the names and with the values {@code /metrics} gives them. */
class StatNamesTest
{
    @Test
    void statPrintsTheMetricsSamplesSummedOverFlowAgents(@TempDir final Path dir) throws Exception
    {
        try (CountersFile file = CountersFile.create(dir.resolve(CountersFile.FILE_NAME), 1024))
        {
            // Two flow agents' counters in one area, as a sensor with pipeline.flow-agents = 2 has them.
            final CountersManager manager = file.manager();
            final SensorCounters first = new SensorCounters(manager);
            final SensorCounters second = new SensorCounters(manager);
            first.packetsDecoded.getAndAdd(7);
            second.packetsDecoded.getAndAdd(5);
            first.decodeResults[DecodeResult.values().length - 1].getAndAdd(3);
            first.flowTable.packetsLate.getAndAdd(2);
            first.blockLatency.record(3_000_000L);
            final ExportCounters exporter = new ExportCounters(manager, "siem");
            exporter.recordsSent.getAndAdd(11);
            exporter.lastSuccessEpochMillis.set(1_700_000_000_123L);

            final StringWriter out = new StringWriter();
            assertEquals(0, Main.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "stat", "--journal",
                dir.toString()));
            final Map<String, Double> stat = new TreeMap<>();
            for (final String line : out.toString().split("\n"))
            {
                if (line.startsWith("flowpic_"))
                {
                    final String[] parts = line.trim().split("\\s+");
                    stat.put(parts[0], Double.parseDouble(parts[1]));
                }
            }
            final Map<String, Double> metrics =
                new TreeMap<>(MetricsServerTest.parse(new PrometheusFormatter(file.reader(), () -> "m").format()));
            metrics.remove("flowpic_model_info{model=\"m\"}");
            assertEquals(metrics, stat);
            assertEquals(12.0, stat.get("flowpic_packets_decoded_total"), "summed over the two agents");
            assertEquals(2.0, stat.get("flowpic_packets_late_total"));
            assertEquals(11.0, stat.get("flowpic_export_records_sent_total{exporter=\"siem\"}"));
            assertEquals(1_700_000_000.123, stat.get("flowpic_export_last_success_timestamp_seconds{exporter=\"siem\"}"),
                1e-6);
            assertEquals(1.0, stat.get("flowpic_block_latency_seconds_bucket{le=\"0.005\"}"));
            assertEquals(0.003, stat.get("flowpic_block_latency_seconds_sum"), 1e-9);
        }
    }
}

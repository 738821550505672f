package io.flowpic.sensor.metrics;

import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.flowtable.flow.FlowTableCounters;
import io.flowpic.sensor.pipeline.LatencyHistogram;
import io.flowpic.sensor.pipeline.SensorCounters;
import org.agrona.concurrent.status.AtomicCounter;

import io.flowpic.sensor.export.ExportCounters;

import java.math.BigDecimal;
import java.util.List;
import java.util.function.ToLongFunction;
import java.util.Objects;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Renders the sensor's counters in the Prometheus text exposition format 0.0.4. Reads Agrona
 * counters only (no locks, no allocation on the agents' side), so any thread may call
 * {@link #format()} while the agents run.
 */
public final class PrometheusFormatter
{
    /** The Content-Type of {@link #format()}'s output. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final String[] LE_LABELS = leLabels();

    private final SensorCounters counters;
    private final Supplier<String> modelId;
    private final IntSupplier activeFlows;
    private final Supplier<List<ExportCounters>> exporters;

    public PrometheusFormatter(
        final SensorCounters counters, final Supplier<String> modelId, final IntSupplier activeFlows)
    {
        this(counters, modelId, activeFlows, List::of);
    }

    /** @param exporters the counters of the exporters running now (they change on reload). */
    public PrometheusFormatter(final SensorCounters counters, final Supplier<String> modelId,
        final IntSupplier activeFlows, final Supplier<List<ExportCounters>> exporters)
    {
        this.exporters = Objects.requireNonNull(exporters, "exporters");
        this.counters = Objects.requireNonNull(counters, "counters");
        this.modelId = Objects.requireNonNull(modelId, "modelId");
        this.activeFlows = Objects.requireNonNull(activeFlows, "activeFlows");
    }

    public String format()
    {
        final StringBuilder out = new StringBuilder(8192);
        final FlowTableCounters flows = counters.flowTable;

        counter(out, "flowpic_packets_captured_total",
            "Packet records read from capture files or captured off the interface.", counters.packetsReceived);
        counter(out, "flowpic_kernel_received_total",
            "libpcap pcap_stats ps_recv: packets the kernel filter saw since the capture handle opened (live only).",
            counters.kernelReceived);
        counter(out, "flowpic_kernel_dropped_total",
            "libpcap pcap_stats ps_drop: packets the kernel dropped for lack of buffer space since the capture handle opened (live only).",
            counters.kernelDropped);
        counter(out, "flowpic_ring_dropped_total",
            "Captured packets dropped because the ring to the flow agent was full.", counters.packetsRingDropped);
        counter(out, "flowpic_packets_decoded_total",
            "TCP/UDP packets that reached the flow table.", counters.packetsDecoded);
        decodeResults(out, "flowpic_packets_malformed_total",
            "Packets that could not be decoded, by reason.", true);
        decodeResults(out, "flowpic_packets_skipped_total",
            "Well-formed packets with nothing to classify, by reason.", false);
        counter(out, "flowpic_packets_out_of_order_total",
            "Packets timestamped earlier than the previous packet of their flow.", flows.packetsOutOfOrder);
        counter(out, "flowpic_packets_late_total",
            "Packets whose block window was already finished when they arrived; not binned, so no window is journaled twice.",
            flows.packetsLate);
        counter(out, "flowpic_packets_oversize_total",
            "Packets larger than flowpic.max-packet-size (binned into the last row): GRO/LRO/TSO-merged, jumbo or BIG TCP.",
            flows.packetsOversize);

        gauge(out, "flowpic_flows_active", "Unidirectional flows currently in the flow table.",
            activeFlows.getAsInt());
        counter(out, "flowpic_flows_created_total", "Unidirectional flows created.", flows.flowsCreated);
        counter(out, "flowpic_packets_flow_table_full_total",
            "Packets of new flows refused because the flow table was full (flow-table.max-flows); " +
                "every packet of a refused flow counts, so this is not a count of flows.",
            flows.packetsRejectedTableFull);
        counter(out, "flowpic_flows_closed_idle_total",
            "Flows closed after flow-table.idle-timeout-seconds without a packet.", flows.flowsClosedIdle);
        counter(out, "flowpic_cells_dropped_total",
            "Packets not recorded in their block because the open-block cell pool was full (flow-table.max-open-packets).",
            flows.cellsDroppedPoolFull);

        counter(out, "flowpic_blocks_queued_total", "Finished blocks handed to the inference agent.",
            counters.blocksQueued);
        counter(out, "flowpic_blocks_classified_total", "Blocks classified by the model.",
            counters.blocksClassified);
        counter(out, "flowpic_blocks_too_small_total",
            "Finished blocks with fewer than flowpic.min-packets packets, not classified.", counters.blocksTooSmall);
        counter(out, "flowpic_blocks_dropped_total",
            "Finished blocks dropped because the inference queue was full.", counters.blocksDropped);
        counter(out, "flowpic_inference_batches_total", "SavedModel calls (batches of blocks).",
            counters.inferenceBatches);
        counter(out, "flowpic_journal_records_total", "Label records appended to the journal.",
            counters.journalRecords);
        counter(out, "flowpic_journal_errors_total",
            "Journal appends that failed or were refused (free disk below journal.min-free-mb).", counters.journalErrors);
        counter(out, "flowpic_clock_jumps_total",
            "Times the wall clock stepped back and every open block was finished early (live only).",
            counters.clockJumps);

        header(out, "flowpic_model_reloads_total", "Model reloads (SIGHUP), by result.", "counter");
        sample(out, "flowpic_model_reloads_total", "result", "ok", counters.modelReloadsOk.get());
        sample(out, "flowpic_model_reloads_total", "result", "failed", counters.modelReloadsFailed.get());

        header(out, "flowpic_model_info", "The model in use; the value is always 1.", "gauge");
        final String id = modelId.get();
        sample(out, "flowpic_model_info", "model", id == null ? "" : id, 1);

        histogram(out, "flowpic_block_latency_seconds",
            "Wall time from a block's end to its journal append (live only).", counters.blockLatency);
        histogram(out, "flowpic_block_finish_latency_seconds",
            "Wall time from the flow agent finishing a block to its journal append (live only): the " +
            "hand-off queue, batching, inference and the append; block_latency minus this is the wait " +
            "for the block to be finished (the flow's next packet or a sweep).", counters.finishLatency);
        exporters(out);
        return out.toString();
    }

    private void exporters(final StringBuilder out)
    {
        final List<ExportCounters> list = exporters.get();
        if (list.isEmpty())
        {
            return;
        }
        perExporter(out, list, "flowpic_export_records_sent_total", "counter",
            "Journal records the destination accepted.", c -> c.recordsSent.get());
        perExporter(out, list, "flowpic_export_errors_total", "counter",
            "Failed sends, connects and writes of an exporter.", c -> c.errors.get());
        perExporter(out, list, "flowpic_export_lag_records", "gauge",
            "Journal records not yet accepted by the destination (bounded by journal retention).", c -> c.lag.get());
        perExporter(out, list, "flowpic_export_last_success_timestamp_seconds", "gauge",
            "When the destination last accepted a record (Unix time; 0 = never).",
            c -> c.lastSuccessEpochMillis.get() / 1000);
        perExporter(out, list, "flowpic_export_records_resent_total", "counter",
            "Records sent again after a restart or a failed send (at-least-once duplicates, at most).",
            c -> c.recordsResent.get());
        perExporter(out, list, "flowpic_export_positions_expired_total", "counter",
            "Times an exporter's saved position had been deleted by journal retention (records lost to it).",
            c -> c.positionsExpired.get());
    }

    private static void perExporter(final StringBuilder out, final List<ExportCounters> list, final String name,
        final String type, final String help, final ToLongFunction<ExportCounters> value)
    {
        header(out, name, help, type);
        for (final ExportCounters c : list)
        {
            sample(out, name, "exporter", c.name, value.applyAsLong(c));
        }
    }

    private void decodeResults(final StringBuilder out, final String name, final String help, final boolean malformed)
    {
        header(out, name, help, "counter");
        for (final DecodeResult result : DecodeResult.values())
        {
            final AtomicCounter counter = counters.decodeResults[result.ordinal()];
            if (result != DecodeResult.OK && counter != null && result.isMalformed() == malformed)
            {
                sample(out, name, "reason", result.label(), counter.get());
            }
        }
    }

    private static void histogram(
        final StringBuilder out, final String name, final String help, final LatencyHistogram histogram)
    {
        header(out, name, help, "histogram");
        // Buckets before count: the writer bumps buckets first, so this order keeps +Inf >= every bucket;
        // clamping keeps the buckets cumulative even if a record lands between two reads.
        final long[] values = new long[LatencyHistogram.BOUNDS_MS.length];
        for (int i = 0; i < values.length; i++)
        {
            values[i] = histogram.buckets[i].get();
        }
        final long sumMicros = histogram.sumMicros.get();
        long count = histogram.count.get();
        for (int i = values.length - 2; i >= 0; i--)
        {
            values[i] = Math.min(values[i], values[i + 1]);
        }
        count = Math.max(count, values[values.length - 1]);
        for (int i = 0; i < values.length; i++)
        {
            sample(out, name + "_bucket", "le", LE_LABELS[i], values[i]);
        }
        sample(out, name + "_bucket", "le", "+Inf", count);
        out.append(name).append("_sum ").append(BigDecimal.valueOf(sumMicros, 6).toPlainString()).append('\n');
        out.append(name).append("_count ").append(count).append('\n');
    }

    private static void counter(final StringBuilder out, final String name, final String help, final AtomicCounter counter)
    {
        header(out, name, help, "counter");
        out.append(name).append(' ').append(counter.get()).append('\n');
    }

    private static void gauge(final StringBuilder out, final String name, final String help, final long value)
    {
        header(out, name, help, "gauge");
        out.append(name).append(' ').append(value).append('\n');
    }

    private static void header(final StringBuilder out, final String name, final String help, final String type)
    {
        out.append("# HELP ").append(name).append(' ');
        for (int i = 0; i < help.length(); i++)
        {
            final char c = help.charAt(i);
            if (c == '\\')
            {
                out.append("\\\\");
            }
            else if (c == '\n')
            {
                out.append("\\n");
            }
            else
            {
                out.append(c);
            }
        }
        out.append('\n').append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(
        final StringBuilder out, final String name, final String label, final String value, final long sampleValue)
    {
        out.append(name).append('{').append(label).append("=\"");
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            switch (c)
            {
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
        out.append("\"} ").append(sampleValue).append('\n');
    }

    private static String[] leLabels()
    {
        final String[] labels = new String[LatencyHistogram.BOUNDS_MS.length];
        for (int i = 0; i < labels.length; i++)
        {
            labels[i] = BigDecimal.valueOf(LatencyHistogram.BOUNDS_MS[i], 3).stripTrailingZeros().toPlainString();
        }
        return labels;
    }
}

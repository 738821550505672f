package io.flowpic.sensor.metrics;

import io.flowpic.flowtable.decode.DecodeResult;

import java.util.List;
import java.util.Map;

/**
 * The one table of the sensor's metric names: every Agrona counter is labelled with its Prometheus sample name
 * from here (labels included, e.g. {@code flowpic_packets_malformed_total{reason="truncated"}}), so
 * {@code /metrics} and {@code flowpic stat} print the same names, both read from the counters area. Counters
 * with the same label (one per flow agent) are summed.
 */
public final class MetricCatalog
{
    /**
     * One metric family.
     *
     * @param decimals the counter holds the value times 10^decimals (µs sums: 6, ms times: 3).
     */
    public record Metric(String name, String type, String help, int decimals)
    {
        /** The sample name of this family with one label. */
        public String sample(final String label, final String value)
        {
            return name + "{" + label + "=\"" + escape(value) + "\"}";
        }
    }

    public static final Metric PACKETS_CAPTURED = counter("flowpic_packets_captured_total",
        "Packet records read from capture files or captured off the interface.");
    public static final Metric KERNEL_RECEIVED = counter("flowpic_kernel_received_total",
        "libpcap pcap_stats ps_recv: packets the kernel filter saw since the capture handle opened (live only).");
    public static final Metric KERNEL_DROPPED = counter("flowpic_kernel_dropped_total",
        "libpcap pcap_stats ps_drop: packets the kernel dropped for lack of buffer space since the capture handle " +
        "opened (live only).");
    public static final Metric RING_DROPPED = counter("flowpic_ring_dropped_total",
        "Captured packets dropped because the ring to the flow agent was full.");
    public static final Metric PACKETS_DECODED = counter("flowpic_packets_decoded_total",
        "TCP/UDP packets that reached the flow table.");
    public static final Metric PACKETS_MALFORMED = counter("flowpic_packets_malformed_total",
        "Packets that could not be decoded, by reason.");
    public static final Metric PACKETS_SKIPPED = counter("flowpic_packets_skipped_total",
        "Well-formed packets with nothing to classify, by reason.");
    public static final Metric PACKETS_OUT_OF_ORDER = counter("flowpic_packets_out_of_order_total",
        "Packets timestamped earlier than the previous packet of their flow.");
    public static final Metric PACKETS_LATE = counter("flowpic_packets_late_total",
        "Packets whose block window was already finished when they arrived; not binned, so no window is journaled " +
        "twice.");
    public static final Metric PACKETS_OVERSIZE = counter("flowpic_packets_oversize_total",
        "Packets larger than flowpic.max-packet-size (binned into the last row): GRO/LRO/TSO-merged, jumbo or BIG " +
        "TCP.");
    public static final Metric FLOWS_ACTIVE = new Metric("flowpic_flows_active", "gauge",
        "Unidirectional flows currently in the flow table.", 0);
    public static final Metric FLOWS_CREATED = counter("flowpic_flows_created_total", "Unidirectional flows created.");
    public static final Metric PACKETS_TABLE_FULL = counter("flowpic_packets_flow_table_full_total",
        "Packets of new flows refused because the flow table was full (flow-table.max-flows); every packet of a " +
        "refused flow counts, so this is not a count of flows.");
    public static final Metric FLOWS_CLOSED_IDLE = counter("flowpic_flows_closed_idle_total",
        "Flows closed after flow-table.idle-timeout-seconds without a packet.");
    public static final Metric CELLS_DROPPED = counter("flowpic_cells_dropped_total",
        "Packets not recorded in their block because the open-block cell pool was full " +
        "(flow-table.max-open-packets).");
    public static final Metric BLOCKS_QUEUED = counter("flowpic_blocks_queued_total",
        "Finished blocks handed to the inference agent.");
    public static final Metric BLOCKS_CLASSIFIED = counter("flowpic_blocks_classified_total",
        "Blocks classified by the model.");
    public static final Metric BLOCKS_TOO_SMALL = counter("flowpic_blocks_too_small_total",
        "Finished blocks with fewer than flowpic.min-packets packets, not classified.");
    public static final Metric BLOCKS_DROPPED = counter("flowpic_blocks_dropped_total",
        "Finished blocks dropped because the inference queue was full.");
    public static final Metric INFERENCE_BATCHES = counter("flowpic_inference_batches_total",
        "SavedModel calls (batches of blocks).");
    public static final Metric JOURNAL_RECORDS = counter("flowpic_journal_records_total",
        "Label records appended to the journal.");
    public static final Metric JOURNAL_ERRORS = counter("flowpic_journal_errors_total",
        "Journal appends that failed or were refused (free disk below journal.min-free-mb).");
    public static final Metric CLOCK_JUMPS = counter("flowpic_clock_jumps_total",
        "Times the wall clock stepped back and every open block was finished early (live only).");
    public static final Metric MODEL_RELOADS = counter("flowpic_model_reloads_total",
        "Model reloads (SIGHUP), by result.");
    /** Not a counter: the formatter writes it from the model in use. */
    public static final Metric MODEL_INFO = new Metric("flowpic_model_info", "gauge",
        "The model in use; the value is always 1.", 0);
    public static final Metric BLOCK_LATENCY = histogram("flowpic_block_latency_seconds",
        "Wall time from a block's end to its journal append (live only).");
    public static final Metric BLOCK_FINISH_LATENCY = histogram("flowpic_block_finish_latency_seconds",
        "Wall time from the flow agent finishing a block to its journal append (live only): the hand-off queue, " +
        "batching, inference and the append; block_latency minus this is the wait for the block to be finished " +
        "(its flow's next packet or its due time).");
    public static final Metric EXPORT_RECORDS_SENT = counter("flowpic_export_records_sent_total",
        "Journal records the destination accepted.");
    public static final Metric EXPORT_ERRORS = counter("flowpic_export_errors_total",
        "Failed sends, connects and writes of an exporter.");
    public static final Metric EXPORT_LAG = new Metric("flowpic_export_lag_records", "gauge",
        "Journal records not yet accepted by the destination (bounded by journal retention).", 0);
    public static final Metric EXPORT_LAST_SUCCESS = new Metric("flowpic_export_last_success_timestamp_seconds",
        "gauge", "When the destination last accepted a record (Unix time; 0 = never).", 3);
    public static final Metric EXPORT_RECORDS_RESENT = counter("flowpic_export_records_resent_total",
        "Records sent again after a restart or a failed send (at-least-once duplicates, at most).");
    public static final Metric EXPORT_POSITIONS_EXPIRED = counter("flowpic_export_positions_expired_total",
        "Times an exporter's saved position had been deleted by journal retention (records lost to it).");

    /** Every family, in the order {@code /metrics} and {@code stat} print them. */
    public static final List<Metric> ALL = List.of(PACKETS_CAPTURED, KERNEL_RECEIVED, KERNEL_DROPPED, RING_DROPPED,
        PACKETS_DECODED, PACKETS_MALFORMED, PACKETS_SKIPPED, PACKETS_OUT_OF_ORDER, PACKETS_LATE, PACKETS_OVERSIZE,
        FLOWS_ACTIVE, FLOWS_CREATED, PACKETS_TABLE_FULL, FLOWS_CLOSED_IDLE, CELLS_DROPPED, BLOCKS_QUEUED,
        BLOCKS_CLASSIFIED, BLOCKS_TOO_SMALL, BLOCKS_DROPPED, INFERENCE_BATCHES, JOURNAL_RECORDS, JOURNAL_ERRORS,
        CLOCK_JUMPS, MODEL_RELOADS, MODEL_INFO, BLOCK_LATENCY, BLOCK_FINISH_LATENCY, EXPORT_RECORDS_SENT,
        EXPORT_ERRORS, EXPORT_LAG, EXPORT_LAST_SUCCESS, EXPORT_RECORDS_RESENT, EXPORT_POSITIONS_EXPIRED);

    /** The flow table's counters (flowtable module, which knows no sensor names): its keys to these families. */
    private static final Map<String, Metric> FLOW_TABLE = Map.of(
        "flows_created", FLOWS_CREATED,
        "flows_active", FLOWS_ACTIVE,
        "packets_rejected_table_full", PACKETS_TABLE_FULL,
        "flows_closed_idle", FLOWS_CLOSED_IDLE,
        "packets_out_of_order", PACKETS_OUT_OF_ORDER,
        "cells_dropped_pool_full", CELLS_DROPPED,
        "packets_late", PACKETS_LATE,
        "packets_oversize", PACKETS_OVERSIZE);

    private MetricCatalog()
    {
    }

    private static Metric counter(final String name, final String help)
    {
        return new Metric(name, "counter", help, 0);
    }

    private static Metric histogram(final String name, final String help)
    {
        return new Metric(name, "histogram", help, 0);
    }

    /** The label of a flow table counter, given its key in {@code FlowTableCounters}. */
    public static String flowTableLabel(final String key)
    {
        final Metric metric = FLOW_TABLE.get(key);
        if (metric == null)
        {
            throw new IllegalArgumentException("no metric for flow table counter " + key);
        }
        return metric.name();
    }

    /** The label of a decode result's counter. */
    public static String decodeResultLabel(final DecodeResult result)
    {
        return (result.isMalformed() ? PACKETS_MALFORMED : PACKETS_SKIPPED).sample("reason", result.label());
    }

    static String escape(final String value)
    {
        final StringBuilder out = new StringBuilder(value.length());
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
        return out.toString();
    }
}

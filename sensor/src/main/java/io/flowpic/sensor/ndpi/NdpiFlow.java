package io.flowpic.sensor.ndpi;

/**
 * One flow of ndpiReader's per-flow listing: its endpoints as ndpiReader printed them (client first), nDPI's
 * protocol name ({@code MASTER.APP} or {@code NAME}), category and confidence (how nDPI reached the verdict).
 *
 * @param protocol   IP protocol number: 6 (TCP) or 17 (UDP).
 * @param category   nDPI's category name, "" when ndpiReader printed none (unknown flows).
 * @param confidence as printed: "DPI", "DPI (cache)", "Match by port", "Match by IP", "Unknown", ...
 */
public record NdpiFlow(
    int protocol,
    FlowTuple tuple,
    String name,
    String category,
    String confidence)
{
}

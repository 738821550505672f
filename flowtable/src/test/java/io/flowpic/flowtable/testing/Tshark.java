package io.flowpic.flowtable.testing;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** tshark as an independent oracle for the shared captures: whether it is here, and where it differs by design. */
public final class Tshark
{
    /**
     * Captures where tshark and FlowPic legitimately define flows differently. Keep this short and
     * give the reason for each.
     */
    public static final Map<String, String> EXCLUDED = Map.ofEntries(
        Map.entry("capwap.pcap", "tshark decapsulates CAPWAP (802.11 inside UDP 5246/5247); FlowPic classifies " +
            "a CAPWAP tunnel as its outer flow, like any tunnel it does not decapsulate"),
        Map.entry("capwap_data.pcapng", "same as capwap.pcap"),
        Map.entry("ipv6_in_gtp.pcap", "GTP-U carrying ESP: FlowPic decapsulates and skips the inner ESP as a " +
            "non-TCP/UDP flow; tshark's 'udp' filter matches the outer UDP header and counts it"),
        Map.entry("fuzz-2021-06-07-c6c72a0a56.pcap", "fuzzed GTP-U header cut by the snap length: FlowPic counts " +
            "it malformed (truncated tunnel header), tshark falls back to the outer UDP flow"));

    private Tshark()
    {
    }

    public static boolean available()
    {
        try
        {
            final Process process = new ProcessBuilder("tshark", "--version").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        }
        catch (final IOException | InterruptedException ex)
        {
            return false;
        }
    }
}

package io.flowpic.sensor.capture;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Whether the capture interface merges packets before libpcap sees them (GRO, LRO on receive; TSO, GSO on
 * send): merged packets of up to 64 KiB are not the sizes FlowPic models were trained on. The kernel exposes
 * these flags only through the ethtool ioctl (no sysfs file), so this asks the {@code ethtool} command; without
 * it nothing is said, as the sensor works either way and counts the symptom (flowpic_packets_oversize_total).
 */
public final class OffloadCheck
{
    private static final String[][] FEATURES = {
        {"generic-receive-offload", "gro"},
        {"large-receive-offload", "lro"},
        {"tcp-segmentation-offload", "tso"},
        {"generic-segmentation-offload", "gso"},
    };
    private static final long TIMEOUT_MILLIS = 2000;

    private OffloadCheck()
    {
    }

    /** The warning for {@code iface}, or null when its offloads are off or ethtool cannot tell. */
    public static String warning(final String iface)
    {
        return warning(iface, List.of("ethtool", "-k", iface));
    }

    static String warning(final String iface, final List<String> command)
    {
        final String output = run(command);
        if (output == null)
        {
            return null;
        }
        final List<String> on = enabled(output);
        if (on.isEmpty())
        {
            return null;
        }
        return "flowpic: warning: " + iface + " merges packets before capture (" + String.join(", ", on) +
            " on): sizes up to 64 KiB instead of wire packets, counted in flowpic_packets_oversize_total; " +
            "to capture packets as sent, run: ethtool -K " + iface + " gro off lro off tso off gso off";
    }

    /** Short names of the merging offloads that {@code ethtool -k} output shows on. */
    static List<String> enabled(final String ethtoolOutput)
    {
        final List<String> on = new ArrayList<>();
        for (final String[] feature : FEATURES)
        {
            for (final String line : ethtoolOutput.split("\n"))
            {
                final String trimmed = line.trim();
                if (trimmed.startsWith(feature[0] + ":") &&
                    trimmed.substring(feature[0].length() + 1).trim().startsWith("on"))
                {
                    on.add(feature[1]);
                }
            }
        }
        return on;
    }

    private static String run(final List<String> command)
    {
        final Process process;
        try
        {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        }
        catch (final IOException ex)
        {
            return null; // no ethtool: stay silent
        }
        try (InputStream in = process.getInputStream())
        {
            process.getOutputStream().close();
            // ethtool -k prints ~3 KiB, well within a pipe's buffer, so it can exit before we read; waiting
            // first bounds a hung tool, which a blocking read would not.
            if (!process.waitFor(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS) || process.exitValue() != 0)
            {
                return null;
            }
            return new String(in.readNBytes(1 << 16), StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return null;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
        finally
        {
            process.destroyForcibly();
        }
    }
}

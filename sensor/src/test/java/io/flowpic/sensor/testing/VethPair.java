package io.flowpic.sensor.testing;

import java.io.IOException;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A veth pair with one end in a network namespace of its own, addressed from the benchmarking
 * range 198.18.0.0/15: host end 198.18.0.1/24, namespace end 198.18.0.2/24. Traffic sent from the
 * namespace reaches only the host end. Removed on close, also after a failed test.
 */
public final class VethPair implements AutoCloseable
{
    public static final String HOST_ADDRESS = "198.18.0.1";
    public static final String PEER_ADDRESS = "198.18.0.2";
    private static final java.util.concurrent.atomic.AtomicInteger NEXT = new java.util.concurrent.atomic.AtomicInteger();

    public final String namespace;
    public final String hostEnd;
    public final String peerEnd;

    private VethPair(final String suffix)
    {
        namespace = "fpt" + suffix;
        hostEnd = "fph" + suffix;
        peerEnd = "fpn" + suffix;
    }

    /** Skips the test (with the reason) unless this is root with iproute2 and tcpreplay. */
    public static VethPair create() throws IOException, InterruptedException
    {
        assumeTrue("root".equals(System.getProperty("user.name")), "skipped: live capture tests need root");
        assumeTrue(Shell.available("ip", "-V"), "skipped: iproute2 (ip) is not installed");
        assumeTrue(Shell.available("tcpreplay", "-V"), "skipped: tcpreplay is not installed");
        removeStalePairs();
        final VethPair pair = new VethPair(ProcessHandle.current().pid() + "c" + NEXT.getAndIncrement() % 100);
        try
        {
            Shell.run(20, "ip", "netns", "add", pair.namespace);
            Shell.run(20, "ip", "link", "add", pair.hostEnd, "type", "veth", "peer", "name", pair.peerEnd);
            Shell.run(20, "ip", "link", "set", pair.peerEnd, "netns", pair.namespace);
            Shell.run(20, "ip", "addr", "add", HOST_ADDRESS + "/24", "dev", pair.hostEnd);
            Shell.run(20, "ip", "link", "set", pair.hostEnd, "up");
            pair.inNamespace(20, "ip", "addr", "add", PEER_ADDRESS + "/24", "dev", pair.peerEnd);
            pair.inNamespace(20, "ip", "link", "set", pair.peerEnd, "up");
            pair.inNamespace(20, "ip", "link", "set", "lo", "up");
            // IPv6 duplicate address detection and router solicitations would add stray packets.
            Shell.run(20, "sysctl", "-q", "-w", "net.ipv6.conf." + pair.hostEnd + ".disable_ipv6=1");
            pair.inNamespace(20, "sysctl", "-q", "-w", "net.ipv6.conf." + pair.peerEnd + ".disable_ipv6=1");
        }
        catch (final IOException | InterruptedException | RuntimeException ex)
        {
            pair.close();
            throw ex;
        }
        return pair;
    }

    /**
     * Removes pairs and namespaces left by test JVMs that were killed before their close ran: a second interface
     * holding 198.18.0.1/24 makes the kernel route the tests' traffic to the wrong pair. Names carry the owner's
     * pid, so a live owner's pairs are never touched.
     */
    private static void removeStalePairs() throws IOException, InterruptedException
    {
        final java.util.regex.Pattern link = java.util.regex.Pattern.compile("^\\d+: (fph(\\d+)c\\d+)[@:]");
        for (final String line : Shell.run(20, "ip", "-o", "link", "show").split("\n"))
        {
            final java.util.regex.Matcher m = link.matcher(line);
            if (m.find() && !alive(m.group(2)))
            {
                Shell.run(20, "ip", "link", "del", m.group(1));
            }
        }
        final java.util.regex.Pattern namespace = java.util.regex.Pattern.compile("^(fpt(\\d+)c\\d+)\\b");
        for (final String line : Shell.run(20, "ip", "netns", "list").split("\n"))
        {
            final java.util.regex.Matcher m = namespace.matcher(line);
            if (m.find() && !alive(m.group(2)))
            {
                Shell.run(20, "ip", "netns", "del", m.group(1));
            }
        }
    }

    private static boolean alive(final String pid)
    {
        return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
    }

    public String inNamespace(final long timeoutSeconds, final String... command)
        throws IOException, InterruptedException
    {
        final String[] full = new String[command.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = namespace;
        System.arraycopy(command, 0, full, 4, command.length);
        return Shell.run(timeoutSeconds, full);
    }

    /** Sends a capture's frames out of the namespace end, at a bounded rate. */
    public void replayFromNamespace(final java.nio.file.Path capture, final int packetsPerSecond)
        throws IOException, InterruptedException
    {
        inNamespace(60, "tcpreplay", "-q", "--pps=" + packetsPerSecond, "-i", peerEnd, capture.toString());
    }

    public void close()
    {
        try
        {
            Shell.run(20, "ip", "netns", "del", namespace);
        }
        catch (final IOException | InterruptedException ex)
        {
            // may not exist if set-up failed early
        }
        try
        {
            Shell.run(20, "ip", "link", "del", hostEnd);
        }
        catch (final IOException | InterruptedException ex)
        {
            // deleting the namespace normally removes the pair
        }
    }
}

package io.flowpic.sensor.capture;

import java.io.IOException;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Picks the interface to capture on when none is configured: the one carrying the default route
 * (Linux /proc/net/route), else the first interface that is up and not loopback.
 */
public final class DefaultInterface
{
    private DefaultInterface()
    {
    }

    /** @return the interface name and why it was chosen, or empty when none qualifies. */
    public static Optional<String[]> choose()
    {
        final Optional<String> routed = defaultRoute(Path.of("/proc/net/route"));
        if (routed.isPresent())
        {
            return Optional.of(new String[] {routed.get(), "carries the default route"});
        }
        try
        {
            for (final NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces()))
            {
                if (nif.isUp() && !nif.isLoopback())
                {
                    return Optional.of(new String[] {nif.getName(), "first interface that is up and not loopback"});
                }
            }
        }
        catch (final SocketException ex)
        {
            return Optional.empty();
        }
        return Optional.empty();
    }

    static Optional<String> defaultRoute(final Path routeTable)
    {
        try
        {
            final List<String> lines = Files.readAllLines(routeTable);
            for (final String line : lines.subList(Math.min(1, lines.size()), lines.size()))
            {
                final String[] fields = line.trim().split("\\s+");
                // Iface Destination Gateway Flags ... Mask: a default route has destination and mask 0.
                if (fields.length >= 8 && "00000000".equals(fields[1]) && "00000000".equals(fields[7]))
                {
                    return Optional.of(fields[0]);
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            return Optional.empty();
        }
        return Optional.empty();
    }
}

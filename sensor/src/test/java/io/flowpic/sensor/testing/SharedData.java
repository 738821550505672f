package io.flowpic.sensor.testing;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Locates ../shared (real captures and datasets); tests skip with a message when it is absent. */
public final class SharedData
{
    private SharedData()
    {
    }

    public static Path ndpiCaptures()
    {
        final Path dir = root().resolve("data/pcap/ndpi");
        assumeTrue(Files.isDirectory(dir), "skipped: shared captures not found at " + dir +
            " (a fresh clone has no ../shared)");
        return dir;
    }

    public static Path root()
    {
        final String property = System.getProperty("flowpic.shared");
        return Path.of(property != null ? property : "../shared").toAbsolutePath().normalize();
    }
}

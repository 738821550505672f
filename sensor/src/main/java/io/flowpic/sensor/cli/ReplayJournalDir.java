package io.flowpic.sensor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Where an offline replay journals when nobody said where. journal.path of the built-in defaults is
 * the live sensor's journal (/var/lib/flowpic/journal); a replay appending there would mix test
 * traffic into what export ships and what operators read. So unless --journal or a --config that sets
 * journal.path names one, each replay gets a fresh directory of its own.
 */
final class ReplayJournalDir
{
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    private ReplayJournalDir()
    {
    }

    /** True when the config file names journal.path itself (not inherited from the defaults). */
    static boolean configSetsJournalPath(final Path config) throws IOException
    {
        if (config == null)
        {
            return false;
        }
        final JsonNode tree = new ObjectMapper(new YAMLFactory()).readTree(config.toFile());
        return tree != null && tree.path("journal").has("path");
    }

    /**
     * Creates ./flowpic-replay-&lt;UTC time&gt; (-2, -3... when that exists), or the same under java.io.tmpdir when
     * the working directory is not writable.
     */
    static Path create() throws IOException
    {
        final String name = "flowpic-replay-" + STAMP.format(ZonedDateTime.now(ZoneOffset.UTC));
        try
        {
            return createUnder(Path.of("").toAbsolutePath(), name);
        }
        catch (final IOException ex)
        {
            return createUnder(Path.of(System.getProperty("java.io.tmpdir")), name);
        }
    }

    private static Path createUnder(final Path parent, final String name) throws IOException
    {
        for (int n = 1; ; n++)
        {
            final Path dir = parent.resolve(n == 1 ? name : name + "-" + n);
            try
            {
                return Files.createDirectory(dir);
            }
            catch (final FileAlreadyExistsException ex)
            {
                // a replay started in the same second: take the next suffix
            }
        }
    }

    /**
     * A replay that processed nothing (bad model, journal that cannot be opened: exit 3) leaves no directory
     * behind. Only for the directory {@link #create} made in this run, and only once the journal is closed.
     */
    static void discard(final Path dir)
    {
        try (java.util.stream.Stream<Path> tree = Files.walk(dir))
        {
            for (final Path path : tree.sorted(java.util.Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(path);
            }
        }
        catch (final IOException | java.io.UncheckedIOException ex)
        {
            // what remains is an empty journal, harmless
        }
    }
}

package io.flowpic.sensor.cli;

import io.flowpic.sensor.config.ConfigException;
import io.flowpic.sensor.config.ConfigLoader;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;

/** --journal or --config: where the commands that read a sensor's output ({@code journal tail}, {@code stat}) look. */
final class JournalDirOptions
{
    @Option(names = "--journal", paramLabel = "DIR", description = "Journal directory of the sensor (default: journal.path of --config).")
    Path journal;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML config to take journal.path from (default: built-in defaults).")
    Path config;

    /** @return the journal directory, or null after printing why the config cannot be used. */
    Path resolve(final PrintWriter err)
    {
        if (journal != null)
        {
            return journal;
        }
        try
        {
            return Path.of(new ConfigLoader().load(config).journal().path());
        }
        catch (final ConfigException ex)
        {
            err.println("flowpic: " + ex.getMessage());
            return null;
        }
    }
}

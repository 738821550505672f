package io.flowpic.sensor.cli;

import io.flowpic.sensor.config.ConfigException;
import io.flowpic.sensor.config.ConfigLoader;
import io.flowpic.sensor.config.SensorConfig;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;

/** --config, --model and --journal: the config file and the two overrides every sensor command takes. */
final class SensorOptions
{
    @Option(names = "--config", paramLabel = "FILE", description = "YAML config (default: built-in defaults).")
    Path config;

    @Option(names = "--model", paramLabel = "DIR", description = "SavedModel directory or 'default' (overrides model.path).")
    String model;

    @Option(names = "--journal", paramLabel = "DIR", description = "Journal directory (overrides journal.path).")
    String journal;

    /** @return the config with the overrides applied, or null after printing why it cannot be used. */
    SensorConfig load(final PrintWriter err)
    {
        SensorConfig loaded;
        try
        {
            loaded = new ConfigLoader().load(config);
        }
        catch (final ConfigException ex)
        {
            err.println("flowpic: " + ex.getMessage());
            return null;
        }
        if (model != null)
        {
            loaded = loaded.withModelPath(model);
        }
        if (journal != null)
        {
            loaded = loaded.withJournalPath(journal);
        }
        return loaded;
    }
}

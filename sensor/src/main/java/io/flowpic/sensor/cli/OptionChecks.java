package io.flowpic.sensor.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.TreeSet;

/**
 * Range checks on option values, run first thing in a command's call(). They throw Picocli's own
 * ParameterException so a bad value reads, exits (2) and shows usage exactly like a value Picocli
 * could not convert, and no work has started yet.
 */
final class OptionChecks
{
    private OptionChecks()
    {
    }

    static void atLeast(final CommandSpec spec, final String option, final long value, final long min)
    {
        if (value < min)
        {
            throw fail(spec, "Invalid value for option '" + option + "': must be >= " + min + " but was " + value);
        }
    }

    static void atMost(final CommandSpec spec, final String option, final long value, final long max)
    {
        if (value > max)
        {
            throw fail(spec, "Invalid value for option '" + option + "': must be <= " + max + " but was " + value);
        }
    }

    static void oneOf(final CommandSpec spec, final String option, final int value, final Collection<Integer> allowed)
    {
        if (!allowed.contains(value))
        {
            throw fail(spec, "Invalid value for option '" + option + "': expected one of " + new TreeSet<>(allowed) +
                " but was " + value);
        }
    }

    /** An output directory that is about to be filled: absent, or an empty directory. */
    static void emptyOrAbsentDirectory(final CommandSpec spec, final String option, final Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        if (!Files.isDirectory(dir))
        {
            throw fail(spec, "Invalid value for option '" + option + "': " + dir + " exists and is not a directory");
        }
        try (var entries = Files.list(dir))
        {
            if (entries.findAny().isPresent())
            {
                throw fail(spec, "Invalid value for option '" + option + "': directory " + dir + " is not empty");
            }
        }
        catch (final java.io.IOException ex)
        {
            throw fail(spec, "Invalid value for option '" + option + "': cannot list " + dir + ": " + ex.getMessage());
        }
    }

    /** An output directory that files are added to: absent or a directory, never a regular file. */
    static void directoryOrAbsent(final CommandSpec spec, final String option, final Path dir)
    {
        if (Files.exists(dir) && !Files.isDirectory(dir))
        {
            throw fail(spec, "Invalid value for option '" + option + "': " + dir + " exists and is not a directory");
        }
    }

    static ParameterException fail(final CommandSpec spec, final String message)
    {
        return new ParameterException(spec.commandLine(), message);
    }
}

package io.flowpic.sensor.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The commands that read a sensor's output find its journal directory the same way. */
class JournalDirOptionsTest
{
    @ParameterizedTest
    @ValueSource(strings = {"journal tail", "stat"})
    void badConfigNamesTheFileAndField(final String command, @TempDir final Path dir) throws Exception
    {
        final Path config = dir.resolve("flowpic.yaml");
        Files.writeString(config, "journal:\n  path: 17x\n  retention-hours: [1]\n");
        final StringWriter err = new StringWriter();
        final int exit = run(err, command, "--config", config.toString());
        assertEquals(ExitCodes.CONFIG_ERROR, exit, err.toString());
        assertTrue(err.toString().contains(config.toString()) && err.toString().contains("retention-hours"), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"journal tail", "stat"})
    void journalFromTheConfigIsTheOneRead(final String command, @TempDir final Path dir) throws Exception
    {
        final Path journal = dir.resolve("no-such-journal");
        final Path config = dir.resolve("flowpic.yaml");
        Files.writeString(config, "journal:\n  path: " + journal + "\n");
        final StringWriter err = new StringWriter();
        final int exit = run(err, command, "--config", config.toString());
        assertEquals(ExitCodes.INPUT_ERROR, exit, err.toString());
        assertTrue(err.toString().contains(journal.toString()), "names the journal of the config: " + err);
    }

    private static int run(final StringWriter err, final String command, final String... args)
    {
        final String[] words = command.split(" ");
        final String[] all = new String[words.length + args.length];
        System.arraycopy(words, 0, all, 0, words.length);
        System.arraycopy(args, 0, all, words.length, args.length);
        return Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err, true), all);
    }
}

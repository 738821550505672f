package io.flowpic.sensor.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad option values through the real command line: exit 2 (usage) before any work, a message naming the
 * option and what it accepts, and nothing on stdout. The --data files here do not exist, so a command that
 * got past its checks would fail with 1 instead.
 */
class OptionValidationTest
{
    @TempDir
    Path dir;

    record Result(int code, String out, String err)
    {
    }

    static Result run(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    static void assertUsageError(final Result result, final String... expected)
    {
        assertEquals(ExitCodes.USAGE, result.code(), result.err());
        for (final String text : expected)
        {
            assertTrue(result.err().contains(text), "stderr lacks '" + text + "': " + result.err());
        }
        assertFalse(result.err().contains("\tat ") || result.err().contains("Exception"), result.err());
        assertEquals("", result.out());
    }

    private String[] train(final String... extra)
    {
        final String[] base = {"train", "--data", "a=" + dir.resolve("a.csv"), "--data", "b=" + dir.resolve("b.csv"),
            "--out", dir.resolve("model").toString()};
        final String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    @Test
    void trainEnumsListTheAllowedValues()
    {
        assertUsageError(run(train("--arch", "foo")), "--arch", "[mini, full]", "'foo'");
        assertUsageError(run(train("--split-by", "bar")), "--split-by", "[pcap, source]", "'bar'");
        assertUsageError(run(train("--monitor", "baz")), "--monitor", "[loss, macro_f1, none]", "'baz'");
    }

    @Test
    void trainNumbersAndShapesAreUsageErrors()
    {
        assertUsageError(run(train("--features", "foo")), "--features", "unknown feature 'foo'");
        assertUsageError(run(train("--resolution", "33")), "--resolution", "[32, 64, 1500]", "33");
        assertUsageError(run(train("--block-seconds", "20")), "--block-seconds", "[15, 60]");
        assertUsageError(run(train("--arch", "full")), "--resolution", "--arch full needs 64 or 1500", "32");
        assertUsageError(run(train("--epochs", "0")), "--epochs", ">= 1");
        assertUsageError(run(train("--val-fraction", "1.5")), "--val-fraction", "1.5");
        assertUsageError(run("train", "--data", "a=" + dir.resolve("a.csv"), "--out", dir.resolve("m").toString()),
            "--data", "at least two labels");
    }

    @Test
    void trainOutputThatIsAFileIsRefusedBeforeTraining() throws Exception
    {
        final Path file = Files.writeString(dir.resolve("model.txt"), "x");
        final Path full = Files.createDirectories(dir.resolve("full"));
        Files.writeString(full.resolve("saved_model.pb"), "x");
        assertUsageError(run("train", "--data", "a=" + dir.resolve("a.csv"), "--data", "b=" + dir.resolve("b.csv"),
            "--out", file.toString()), "--out", file + " exists and is not a directory");
        assertUsageError(run("train", "--data", "a=" + dir.resolve("a.csv"), "--data", "b=" + dir.resolve("b.csv"),
            "--out", full.toString()), "--out", full + " is not empty");
    }

    @Test
    void benchPacketsMustBePositive()
    {
        final Result result = run("bench", "gen-capture", "--packets", "-5", "--out", dir.resolve("x.pcap").toString(),
            dir.resolve("in.pcap").toString());
        assertUsageError(result, "--packets", ">= 1", "-5");
        assertFalse(Files.exists(dir.resolve("x.pcap")));
        assertUsageError(run("bench", "gen-capture", "--snap-length", "70000", "--out", dir.resolve("x.pcap").toString(),
            dir.resolve("in.pcap").toString()), "--snap-length", "<= 65535", "70000");
        assertUsageError(run("bench", "gen-capture", "--snap-length", "20", "--out", dir.resolve("x.pcap").toString(),
            dir.resolve("in.pcap").toString()), "--snap-length", ">= 82", "20");
    }

    @Test
    void runDurationMustNotBeNegative()
    {
        assertUsageError(run("run", "--duration", "-1"), "--duration", ">= 0", "-1");
    }

    @Test
    void evaluateAndStatCheckTheirOptions()
    {
        assertUsageError(run("evaluate", "--data", "a=" + dir.resolve("a.csv"), "--format", "xml"), "--format",
            "[text, json]", "'xml'");
        assertUsageError(run("evaluate", "--data", "a=" + dir.resolve("a.csv"), "--batch", "0"), "--batch", ">= 1");
        assertUsageError(run("stat", "--journal", dir.toString(), "--watch", "-2"), "--watch", ">= 0");
    }

    @Test
    void renderAndDatasetBuildCheckTheirShape() throws Exception
    {
        final String out = dir.resolve("pics").toString();
        assertUsageError(run("render", "--data", dir.resolve("a.csv").toString(), "--out", out, "--limit", "-1"),
            "--limit", ">= 0");
        assertUsageError(run("render", "--data", dir.resolve("a.csv").toString(), "--out", out, "--resolution", "33"),
            "--resolution", "[32, 64, 1500]");
        assertUsageError(run("dataset", "build", "--data", "a=" + dir.resolve("a.csv"), "--out", out,
            "--resolution", "33"), "--resolution", "[32, 64, 1500]");
        assertUsageError(run("dataset", "extract", "--out", dir.resolve("x.csv").toString(), "--min-packets", "0",
            dir.resolve("a.pcap").toString()), "--min-packets", ">= 1");
        assertFalse(Files.exists(dir.resolve("pics")));
    }
}

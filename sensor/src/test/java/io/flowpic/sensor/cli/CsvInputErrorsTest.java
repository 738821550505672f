package io.flowpic.sensor.cli;

import io.flowpic.sensor.testing.TestModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static io.flowpic.sensor.cli.ToolsCommandsTest.row;
import static io.flowpic.sensor.cli.ToolsCommandsTest.sizes;
import static io.flowpic.sensor.cli.ToolsCommandsTest.times;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * train, evaluate, render and dataset build on CSV input that is missing, a directory, truncated or empty: each
 * message names the file and the problem, the exit code is 1 (2 for a bad option), and nothing is left written.
 */
class CsvInputErrorsTest
{
    @TempDir
    static Path dir;
    static Path model;
    static Path good;
    static Path good2;
    static Path empty;
    static Path truncated;

    @BeforeAll
    static void writeData() throws Exception
    {
        model = TestModels.write(dir.resolve("model"), 32, 15, "errors-fixed");
        good = dir.resolve("voip.csv");
        Files.write(good, List.of(
            row("a.pcap", "10.0.0.1", 4000, "10.0.0.2", 5060, "UDP", times(40, 0, 0.5), sizes(40, 200))),
            StandardCharsets.UTF_8);
        good2 = dir.resolve("voip-2.csv");
        Files.write(good2, List.of(
            row("b.pcap", "10.0.0.3", 4000, "10.0.0.4", 5060, "UDP", times(20, 0, 0.5), sizes(20, 100))),
            StandardCharsets.UTF_8);
        empty = Files.createFile(dir.resolve("empty.csv"));
        final ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz))
        {
            for (int i = 0; i < 200; i++)
            {
                out.write((row("c.pcap", "10.1.0.1", 443, "10.1.0.2", 50000 + i, "TCP", times(30, 0, 0.1),
                    sizes(30, 1400)) + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        final byte[] whole = gz.toByteArray();
        truncated = dir.resolve("video.csv.gz");
        Files.write(truncated, Arrays.copyOf(whole, whole.length / 2));
    }

    private static ToolsCommandsTest.Run run(final String... args)
    {
        return ToolsCommandsTest.run(args);
    }

    private static void assertClean(final ToolsCommandsTest.Run r)
    {
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception") || r.err().contains("ZLIB"), r.err());
    }

    @Test
    void trainNamesAMissingFileAndSaysItIsMissing()
    {
        final Path out = dir.resolve("m-missing");
        final Path missing = dir.resolve("nonexist.csv");
        final ToolsCommandsTest.Run r = run("train", "--data", "voip=" + good, "--data", "chat=" + missing,
            "--out", out.toString());
        assertEquals(ExitCodes.INPUT_ERROR, r.code(), r.err());
        assertTrue(r.err().contains(missing + ": no such file"), r.err());
        assertClean(r);
        assertFalse(Files.exists(out));
    }

    @Test
    void trainNamesADirectoryGivenAsData()
    {
        final Path out = dir.resolve("m-dir");
        final ToolsCommandsTest.Run r = run("train", "--data", "voip=" + good, "--data", "chat=" + dir,
            "--out", out.toString());
        assertEquals(ExitCodes.INPUT_ERROR, r.code(), r.err());
        assertTrue(r.err().contains(dir + ": is a directory"), r.err());
        assertClean(r);
        assertFalse(Files.exists(out));
        final ToolsCommandsTest.Run evaluate = run("evaluate", "--model", model.toString(), "--data", "voip=" + dir);
        assertEquals(ExitCodes.INPUT_ERROR, evaluate.code(), evaluate.err());
        assertEquals("flowpic: --data voip=" + dir + ": is a directory, not a FlowPic CSV file", evaluate.err().trim());
    }

    @Test
    void aTruncatedGzipIsNamedAndSaidToBeTruncated()
    {
        final ToolsCommandsTest.Run r = run("evaluate", "--model", model.toString(), "--data", "video=" + truncated);
        assertEquals(ExitCodes.INPUT_ERROR, r.code(), r.err());
        assertTrue(r.err().contains(truncated + ": truncated gzip file"), r.err());
        assertTrue(r.out().isEmpty(), r.out());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    /** Root reads everything, so as root render runs as nobody in a child JVM (as JournalTailTest does). */
    @Test
    void anUnreadableFileIsNamedAndSaidToBePermissionDenied(@TempDir final Path own) throws Exception
    {
        Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rwxrwxrwx"));
        final Path secret = Files.copy(good, own.resolve("unreadable.csv"));
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        final Path out = own.resolve("render-denied");
        final String[] args = {"render", "--data", "voip=" + secret, "--out", out.toString()};
        final int exit;
        final String err;
        if ("root".equals(System.getProperty("user.name")))
        {
            final io.flowpic.sensor.testing.AsNobody.Result r = io.flowpic.sensor.testing.AsNobody.run(own, args);
            exit = r.exitCode();
            err = r.err();
        }
        else
        {
            final ToolsCommandsTest.Run r = run(args);
            exit = r.code();
            err = r.err();
        }
        assertEquals(ExitCodes.INPUT_ERROR, exit, err);
        assertTrue(err.contains(secret + ": permission denied"), err);
        assertFalse(err.contains("\tat ") || err.contains("Exception"), err);
        assertFalse(Files.exists(out), "no directory left by the failed render");
    }

    @Test
    void trainRefusesALabelWithoutAQualifyingBlockAndWritesNothing()
    {
        final Path out = dir.resolve("m-empty");
        final ToolsCommandsTest.Run r = run("train", "--data", "voip=" + good, "--data", "chat=" + empty,
            "--out", out.toString(), "--epochs", "1");
        assertEquals(ExitCodes.INPUT_ERROR, r.code(), r.err());
        assertTrue(r.err().contains("label 'chat' has no qualifying block in [" + empty + "]"), r.err());
        assertClean(r);
        assertFalse(r.out().contains("macro-F1"), r.out());
        assertFalse(Files.exists(out));
    }

    @Test
    void trainSaysHowManyRowsItSkipped() throws Exception
    {
        final Path withBad = dir.resolve("chat-bad.csv");
        final List<String> rows = new ArrayList<>(Files.readAllLines(good2));
        rows.add("x.pcap,10.0.0.1,1,10.0.0.2,2,SCTP,1700000000.0,1,0.0,,100");
        rows.add("not,a,row");
        Files.write(withBad, rows, StandardCharsets.UTF_8);
        final Path out = dir.resolve("m-skip");
        final ToolsCommandsTest.Run r = run("train", "--data", "voip=" + good, "--data", "chat=" + withBad,
            "--out", out.toString(), "--epochs", "1", "--augment", "0", "--val-fraction", "0", "--skip-bad-rows");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.err().contains("flowpic: skipped 2 malformed rows of " + withBad), r.err());
        assertFalse(r.err().contains(good.toString()), "a file without bad rows is not listed: " + r.err());
        assertTrue(Files.isDirectory(out));
    }

    @Test
    void trainHelpShowsEveryDefault()
    {
        final ToolsCommandsTest.Run r = run("train", "--help");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        final String help = r.out().replaceAll("\\s+", " ");
        for (final String shown : new String[] {"(0 = none; default: 2)", "before stopping (default: 5)",
            "held out for validation (default: 0.2)", "augmentation (default: 42)"})
        {
            assertTrue(help.contains(shown), shown + " in " + help);
        }
    }

    @Test
    void evaluateOnAnEmptyFileIsAnInputError()
    {
        final ToolsCommandsTest.Run r = run("evaluate", "--model", model.toString(), "--data", "voip=" + empty);
        assertEquals(ExitCodes.INPUT_ERROR, r.code(), r.err());
        assertTrue(r.err().contains("no qualifying block") && r.err().contains(empty.toString()), r.err());
        assertTrue(r.out().isEmpty(), r.out());
        assertClean(r);
    }

    @Test
    void confusionPngMustNotBeADirectoryCheckedBeforeEvaluating() throws Exception
    {
        final Path target = Files.createDirectories(dir.resolve("png-dir"));
        Files.writeString(target.resolve("keep.txt"), "mine");
        final ToolsCommandsTest.Run r = run("evaluate", "--model", model.toString(), "--data", "voip=" + good,
            "--confusion-png", target.toString());
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        assertTrue(r.err().contains(target + " is a directory"), r.err());
        assertTrue(r.out().isEmpty(), "no report before the usage error: " + r.out());
        assertClean(r);
        try (Stream<Path> left = Files.list(target))
        {
            assertEquals(List.of(target.resolve("keep.txt")), left.toList());
        }
        final Path emptyDir = Files.createDirectories(dir.resolve("png-empty-dir"));
        assertEquals(ExitCodes.USAGE, run("evaluate", "--model", model.toString(), "--data", "voip=" + good,
            "--confusion-png", emptyDir.toString()).code());
        assertTrue(Files.isDirectory(emptyDir));
    }

    @Test
    void aFailedRenderLeavesNoImages()
    {
        final Path out = dir.resolve("render-fail");
        final ToolsCommandsTest.Run r = run("render", "--data", "voip=" + good, "--data", "video=" + truncated,
            "--out", out.toString());
        assertEquals(ExitCodes.INPUT_ERROR, r.code(), r.err());
        assertTrue(r.err().contains(truncated.toString()), r.err());
        assertClean(r);
        assertFalse(Files.exists(out), "the directory this run created is gone");
    }

    @Test
    void twoFilesOfOneLabelRenderToDistinctImages() throws Exception
    {
        final Path out = dir.resolve("render-two");
        final ToolsCommandsTest.Run r = run("render", "--data", "voip=" + good, "--data", "voip=" + good2,
            "--out", out.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        try (Stream<Path> pngs = Files.list(out))
        {
            final long files = pngs.count();
            assertTrue(r.out().startsWith("wrote " + files + " images"), r.out() + " vs " + files + " files");
            assertEquals(3, files, "voip.csv: 2 blocks, voip-2.csv: 1 block");
        }
    }

    @Test
    void aFailedDatasetBuildLeavesNoArrays() throws Exception
    {
        final Path bad = dir.resolve("bad-row.csv");
        final List<String> rows = new ArrayList<>(Files.readAllLines(good));
        rows.addAll(Files.readAllLines(good2));
        rows.addAll(Files.readAllLines(good));
        rows.addAll(Files.readAllLines(good2));
        rows.add("x.pcap,10.0.0.1,1,10.0.0.2,2,SCTP,1700000000.0,1,0.0,,100");
        Files.write(bad, rows, StandardCharsets.UTF_8);
        final Path out = dir.resolve("build-fail");
        final ToolsCommandsTest.Run r = run("dataset", "build", "--data", "voip=" + good, "--data", "video=" + bad,
            "--out", out.toString());
        assertEquals(ExitCodes.INPUT_ERROR, r.code(), r.err());
        assertTrue(r.err().contains(bad + ":5:"), r.err());
        assertClean(r);
        assertFalse(Files.exists(out), "nothing of the failed build is left");

        final Path existing = Files.createDirectories(dir.resolve("build-existing"));
        Files.writeString(existing.resolve("notes.txt"), "mine");
        assertEquals(ExitCodes.INPUT_ERROR, run("dataset", "build", "--data", "voip=" + good, "--data",
            "video=" + bad, "--out", existing.toString()).code());
        try (Stream<Path> left = Files.list(existing))
        {
            assertEquals(List.of(existing.resolve("notes.txt")), left.toList());
        }

        final Path ok = dir.resolve("build-ok");
        assertEquals(ExitCodes.OK, run("dataset", "build", "--data", "voip=" + good, "--data", "video=" + good2,
            "--out", ok.toString()).code());
        try (Stream<Path> made = Files.list(ok))
        {
            assertEquals(List.of("flow.npy", "groups.txt", "labels.txt", "x.npy", "y.npy"),
                made.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void extractWithNoValidCaptureWritesNoCsv() throws Exception
    {
        final Path notCapture = Files.writeString(dir.resolve("notes.pcap"), "not a capture at all");
        final Path out = dir.resolve("extract.csv");
        final ToolsCommandsTest.Run r = run("dataset", "extract", "--out", out.toString(), notCapture.toString());
        assertEquals(ExitCodes.INPUT_ERROR, r.code(), r.err());
        assertTrue(r.err().contains(notCapture.toString()), r.err());
        assertClean(r);
        assertFalse(Files.exists(out));
    }
}

package io.flowpic.sensor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowpic.sensor.testing.TestCaptures;
import io.flowpic.sensor.testing.TestModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * run and replay that cannot start: the message names the problem and the file (or setting), the exit code is 3
 * for config/model and 1 for input, and nothing is created (no journal directory, no counters file). No run here
 * gets as far as capturing.
 */
class SensorStartErrorsTest
{
    @TempDir
    static Path dir;
    static Path model;
    static Path capture;

    @BeforeAll
    static void writeModel() throws Exception
    {
        model = TestModels.write(dir.resolve("model"), 32, 15, "start-errors");
        capture = TestCaptures.udpFlow(dir.resolve("ok.pcap"), 40000, 53, 30);
    }

    record Run(int code, String out, String err)
    {
    }

    static Run run(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    private static void assertClean(final Run r)
    {
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), r.err());
    }

    @Test
    void aJournalPathThatIsAFileIsSaidToBeOne() throws Exception
    {
        final Path file = Files.writeString(dir.resolve("jfile"), "not a journal");
        for (final String command : new String[] {"replay", "run"})
        {
            final Run r = command.equals("replay") ?
                run("replay", "--model", model.toString(), "--journal", file.toString(), capture.toString()) :
                run("run", "--model", model.toString(), "--journal", file.toString(), "--interface", "lo");
            assertEquals(ExitCodes.CONFIG_ERROR, r.code(), command + ": " + r.err());
            assertTrue(r.err().contains("journal.path " + file + ": exists and is not a directory"), r.err());
            assertClean(r);
            assertEquals("not a journal", Files.readString(file));
        }
    }

    @Test
    void aConfigThatIsADirectoryIsSaidToBeOne()
    {
        final Run r = run("replay", "--config", dir.toString(), capture.toString());
        assertEquals(ExitCodes.CONFIG_ERROR, r.code(), r.err());
        assertEquals("flowpic: " + dir + ": is a directory, not a config file", r.err().trim());
    }

    @Test
    void aBadModelCreatesNoJournal()
    {
        final Path missing = dir.resolve("no-model");
        for (final String command : new String[] {"replay", "run"})
        {
            final Path journal = dir.resolve("journal-bad-model-" + command);
            final Run r = command.equals("replay") ?
                run("replay", "--model", missing.toString(), "--journal", journal.toString(), capture.toString()) :
                run("run", "--model", missing.toString(), "--journal", journal.toString(), "--interface", "lo");
            assertEquals(ExitCodes.CONFIG_ERROR, r.code(), command + ": " + r.err());
            assertTrue(r.err().contains(missing + ": model directory does not exist"), r.err());
            assertClean(r);
            assertFalse(Files.exists(journal), command + " created " + journal);
        }
    }

    @Test
    void aMissingInterfaceCreatesNoJournal()
    {
        final Path journal = dir.resolve("journal-no-if");
        final Run r = run("run", "--model", model.toString(), "--journal", journal.toString(), "--interface",
            "flowpicnone0");
        assertEquals(ExitCodes.CONFIG_ERROR, r.code(), r.err());
        assertTrue(r.err().contains("capture.interface 'flowpicnone0': no such interface"), r.err());
        assertClean(r);
        assertFalse(Files.exists(journal));
    }

    /**
     * A filter syntax error is not a privilege problem: the CAP_NET_RAW hint only comes with a permission error.
     * Opens (and closes) a capture handle on lo; nothing is captured.
     */
    @Test
    void aBadFilterSaysSyntaxErrorWithoutThePrivilegeHint() throws Exception
    {
        final Path journal = dir.resolve("journal-bad-filter");
        final Path config = Files.writeString(dir.resolve("bad-filter.yaml"),
            "capture:\n  filter: \"port port port\"\nmetrics:\n  enabled: false\n");
        final Run r = run("run", "--config", config.toString(), "--model", model.toString(), "--journal",
            journal.toString(), "--interface", "lo");
        assertEquals(ExitCodes.CONFIG_ERROR, r.code(), r.err());
        if ("root".equals(System.getProperty("user.name")))
        {
            assertTrue(r.err().contains("capture.filter 'port port port' on 'lo': can't parse filter expression: " +
                "syntax error"), r.err());
            assertFalse(r.err().contains("CAP_NET_RAW and CAP_NET_ADMIN)"), r.err());
        }
        else
        {
            assertTrue(r.err().contains("(capturing needs root or CAP_NET_RAW and CAP_NET_ADMIN)"), r.err());
        }
        assertClean(r);
        assertFalse(Files.exists(journal));
    }

    /** Without privileges the hint is what helps: as nobody (a child JVM under setpriv) when the tests run as root. */
    @Test
    void aPermissionErrorKeepsThePrivilegeHint(@TempDir final Path own) throws Exception
    {
        if (!"root".equals(System.getProperty("user.name")))
        {
            final Path journal = own.resolve("journal");
            final Run r = run("run", "--model", model.toString(), "--journal", journal.toString(), "--interface",
                "lo");
            assertEquals(ExitCodes.CONFIG_ERROR, r.code(), r.err());
            assertTrue(r.err().contains("(capturing needs root or CAP_NET_RAW and CAP_NET_ADMIN)"), r.err());
            assertFalse(Files.exists(journal));
            return;
        }
        Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rwxrwxrwx"));
        final Path readable = TestModels.write(own.resolve("model"), 32, 15, "nobody");
        try (Stream<Path> tree = Files.walk(readable))
        {
            for (final Path p : tree.toList())
            {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ?
                    "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        final Path journal = own.resolve("journal");
        final io.flowpic.sensor.testing.AsNobody.Result r = io.flowpic.sensor.testing.AsNobody.run(own,
            "run", "--model", readable.toString(), "--journal", journal.toString(), "--interface", "lo");
        final String err = r.err();
        assertEquals(ExitCodes.CONFIG_ERROR, r.exitCode(), err);
        assertTrue(err.contains("cannot capture on 'lo'") &&
            err.contains("(capturing needs root or CAP_NET_RAW and CAP_NET_ADMIN)"), err);
        assertFalse(err.contains("\tat ") || err.contains("Exception"), err);
        assertFalse(Files.exists(journal));
    }

    /** A SavedModel TensorFlow refuses is found only by the full load, once the journal is open: it is removed. */
    @Test
    void aModelTensorFlowRefusesLeavesNoJournalThisReplayCreated() throws Exception
    {
        final Path broken = TestModels.write(dir.resolve("broken-model"), 32, 15, "broken");
        Files.write(broken.resolve("saved_model.pb"), new byte[] {1, 2, 3, 4});
        final Path journal = dir.resolve("journal-broken-model");
        final Run r = run("replay", "--model", broken.toString(), "--journal", journal.toString(),
            capture.toString());
        assertEquals(ExitCodes.CONFIG_ERROR, r.code(), r.err());
        assertTrue(r.err().contains(broken.toString()), r.err());
        assertClean(r);
        assertFalse(Files.exists(journal));
    }

    @Test
    void aMetricsPortInUseCreatesNoJournal() throws Exception
    {
        try (ServerSocket held = new ServerSocket())
        {
            held.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final Path journal = dir.resolve("journal-port");
            final Path config = Files.writeString(dir.resolve("port.yaml"),
                "metrics:\n  enabled: true\n  bind: 127.0.0.1\n  port: " + held.getLocalPort() + "\n");
            final Run r = run("run", "--config", config.toString(), "--model", model.toString(), "--journal",
                journal.toString(), "--interface", "lo");
            assertEquals(ExitCodes.CONFIG_ERROR, r.code(), r.err());
            assertTrue(r.err().contains("metrics.port " + held.getLocalPort() + " on 127.0.0.1: cannot listen"),
                r.err());
            assertClean(r);
            assertFalse(Files.exists(journal));
        }
    }

    @Test
    void aCaptureCutOffInItsHeaderFailsLikeAnEmptyOneAndTheSummaryNamesBoth() throws Exception
    {
        final Path cut = Files.write(dir.resolve("cut.pcap"), Arrays.copyOf(Files.readAllBytes(capture), 20));
        final Path empty = Files.createFile(dir.resolve("empty.pcap"));
        for (final Path bad : new Path[] {cut, empty})
        {
            final Run r = run("replay", "--model", model.toString(), "--journal", dir.resolve("j-" +
                bad.getFileName()).toString(), bad.toString());
            assertEquals(ExitCodes.INPUT_ERROR, r.code(), r.err());
            assertTrue(r.err().contains("error: " + bad), r.err());
            assertClean(r);
        }
        final Run r = run("replay", "--summary", "json", "--model", model.toString(), "--journal",
            dir.resolve("j-both").toString(), capture.toString(), cut.toString(), empty.toString());
        assertEquals(ExitCodes.INPUT_ERROR, r.code(), r.err());
        final JsonNode failed = new ObjectMapper().readTree(r.out()).get("failed_files");
        assertEquals(2, failed.size(), r.out());
        assertEquals(cut.toString(), failed.get(0).get("file").asText());
        assertEquals(empty.toString(), failed.get(1).get("file").asText());
        assertTrue(failed.get(0).get("error").asText().contains("truncated pcap file header"), r.out());
    }

    @Test
    void relativePathsInAConfigFileAreRelativeToIt() throws Exception
    {
        final Path conf = Files.createDirectories(dir.resolve("etc"));
        Files.createDirectories(conf.resolve("models"));
        TestModels.write(conf.resolve("models/m"), 32, 15, "relative");
        final Path config = Files.writeString(conf.resolve("flowpic.yaml"),
            "journal:\n  path: journal-rel\nmodel:\n  path: models/m\n");
        final Run r = run("replay", "--config", config.toString(), capture.toString());
        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(Files.isDirectory(conf.resolve("journal-rel")), r.out());
        assertTrue(r.out().contains("journal            " + conf.resolve("journal-rel")), r.out());
    }
}

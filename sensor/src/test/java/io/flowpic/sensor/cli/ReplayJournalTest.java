package io.flowpic.sensor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowpic.sensor.journal.JournalReader;
import io.flowpic.sensor.testing.SensorProcess;
import io.flowpic.sensor.testing.TestCaptures;
import io.flowpic.sensor.testing.TestModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where replay journals: never the live sensor's journal.path unless asked for. */
class ReplayJournalTest
{
    @TempDir
    static Path dir;
    static Path model;
    static Path capture;

    @BeforeAll
    static void writeModelAndCapture() throws Exception
    {
        model = TestModels.write(dir.resolve("model"), 32, 15, "replay-journal");
        capture = TestCaptures.udpFlow(dir.resolve("flow.pcap"), 5000, 6000, 40);
    }

    @Test
    void withoutJournalItWritesAFreshDirectoryInTheWorkingDirectoryAndNamesIt() throws Exception
    {
        final Path cwd = Files.createDirectories(dir.resolve("cwd"));
        final List<String> command = SensorProcess.javaCommand(null, "replay", "--model", model.toString(),
            "--summary", "json", capture.toString());
        final Process process = new ProcessBuilder(command).directory(cwd.toFile())
            .redirectError(dir.resolve("stderr.txt").toFile()).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        final String err = Files.readString(dir.resolve("stderr.txt"));
        assertEquals(0, process.exitValue(), err);
        final JsonNode json = new ObjectMapper().readTree(out);
        final Path journal = Path.of(json.get("journal").asText());
        assertEquals(cwd.toRealPath(), journal.getParent().toRealPath(), out);
        assertTrue(journal.getFileName().toString().startsWith("flowpic-replay-"), out);
        try (JournalReader reader = new JournalReader(journal))
        {
            assertEquals(json.get("blocks_classified").asLong(), reader.readAll().size());
        }
        assertTrue(json.get("blocks_classified").asLong() > 0, out);
        assertFalse(err.contains("\tat "), err);
    }

    @Test
    void aReplayThatProcessedNothingLeavesNoDirectory() throws Exception
    {
        final Path cwd = Files.createDirectories(dir.resolve("cwd-failed"));
        final Path model64 = TestModels.write(dir.resolve("model64"), 64, 15, "replay-journal-64");
        final Process process = new ProcessBuilder(SensorProcess.javaCommand(null, "replay", "--model",
            model64.toString(), capture.toString())).directory(cwd.toFile())
            .redirectError(dir.resolve("stderr-failed.txt").toFile()).start();
        process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        final String err = Files.readString(dir.resolve("stderr-failed.txt"));
        assertEquals(ExitCodes.CONFIG_ERROR, process.exitValue(), err);
        assertTrue(err.contains("resolution 64"), err);
        try (var entries = Files.list(cwd))
        {
            assertEquals(List.of(), entries.toList());
        }
    }

    @Test
    void explicitJournalAndConfigJournalPathAreHonouredAndTheTextSummaryNamesIt() throws Exception
    {
        final Path explicit = dir.resolve("explicit");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(out), new PrintWriter(err), "replay", "--model", model.toString(),
            "--journal", explicit.toString(), capture.toString()), err.toString());
        assertTrue(out.toString().contains("journal            " + explicit.toAbsolutePath()), out.toString());

        final Path configured = dir.resolve("configured");
        final Path config = Files.writeString(dir.resolve("c.yaml"), "journal:\n  path: " + configured + "\n");
        out = new StringWriter();
        err = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(out), new PrintWriter(err), "replay", "--config", config.toString(),
            "--model", model.toString(), capture.toString()), err.toString());
        assertTrue(out.toString().contains("journal            " + configured.toAbsolutePath()), out.toString());
        try (JournalReader reader = new JournalReader(configured))
        {
            assertFalse(reader.readAll().isEmpty());
        }
    }
}

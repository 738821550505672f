package io.flowpic.sensor.cli;

import io.flowpic.sensor.testing.SensorProcess;
import io.flowpic.sensor.testing.TestCaptures;
import io.flowpic.sensor.testing.TestModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TensorFlow's native start-up lines stay off stderr unless FLOWPIC_DEBUG=1. A child JVM each: the lines
 * are printed once per process, and the environment must be the user's, not the launcher's.
 */
class TensorFlowQuietTest
{
    @TempDir
    static Path dir;
    static Path model;
    static Path capture;

    @BeforeAll
    static void writeModelAndCapture() throws Exception
    {
        model = TestModels.write(dir.resolve("model"), 32, 15, "quiet");
        capture = TestCaptures.udpFlow(dir.resolve("flow.pcap"), 5000, 6000, 40);
    }

    record Run(int code, String out, String err)
    {
    }

    static Run run(final Map<String, String> env, final String... args) throws Exception
    {
        final Path err = Files.createTempFile(dir, "stderr", ".txt");
        final ProcessBuilder builder = new ProcessBuilder(SensorProcess.javaCommand(null, args))
            .redirectError(err.toFile());
        builder.environment().remove("TF_CPP_MIN_LOG_LEVEL");
        builder.environment().remove("FLOWPIC_DEBUG");
        builder.environment().putAll(env);
        final Process process = builder.start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        // The JVM's own note about the Vector API module is not TensorFlow's: it is documented and stays.
        return new Run(process.exitValue(), out, SensorProcess.withoutVectorModuleNote(Files.readString(err)));
    }

    static List<String> replay(final Path modelDir, final String journal)
    {
        return List.of("replay", "--model", modelDir.toString(), "--journal", dir.resolve(journal).toString(),
            capture.toString());
    }

    @Test
    void replayPrintsNothingOfTensorFlowOnStderr() throws Exception
    {
        final Run run = run(Map.of(), replay(model, "j1").toArray(new String[0]));
        assertEquals(0, run.code(), run.err());
        assertEquals("", run.err());
        assertTrue(run.out().contains("blocks classified"), run.out());
    }

    @Test
    void aModelErrorIsTheOnlyLineOnStderr() throws Exception
    {
        final Path model64 = TestModels.write(dir.resolve("model64"), 64, 15, "quiet64");
        final Run run = run(Map.of(), replay(model64, "j2").toArray(new String[0]));
        assertEquals(ExitCodes.CONFIG_ERROR, run.code(), run.err());
        final List<String> lines = run.err().lines().toList();
        assertEquals(1, lines.size(), run.err());
        assertTrue(lines.get(0).startsWith("flowpic: model " + model64) && lines.get(0).contains("resolution 64"),
            run.err());
    }

    @Test
    void flowpicDebugShowsThem() throws Exception
    {
        final Run run = run(Map.of("FLOWPIC_DEBUG", "1"), replay(model, "j3").toArray(new String[0]));
        assertEquals(0, run.code(), run.err());
        assertTrue(run.err().contains("absl::InitializeLog") || run.err().contains("tensorflow"), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
    }
}

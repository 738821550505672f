package io.flowpic.sensor.pipeline;

import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.sensor.config.ConfigLoader;
import io.flowpic.sensor.config.SensorConfig;
import io.flowpic.sensor.testing.SensorProcess;
import io.flowpic.sensor.testing.TestCaptures;
import io.flowpic.sensor.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** inference.threads sizes TensorFlow's thread pools; the labels do not depend on it. */
class InferenceThreadsTest
{
    private static final Pattern PROBE = Pattern.compile(
        "exit=(\\d+) native-threads-added=(\\d+)");

    @TempDir
    Path dir;

    @Test
    void theConfiguredThreadsSizeTensorFlowsPools() throws Exception
    {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "skipped: needs Linux /proc");
        final Path model = TestModels.write(dir.resolve("model"), 32, 15, "threads-fixed");
        final Path capture = TestCaptures.udpFlow(dir.resolve("flow.pcap"), 40000, 5000, 12);
        final int one = tensorFlowThreads(model, capture, 1);
        final int three = tensorFlowThreads(model, capture, 3);
        // Each configured thread adds one to the intra-op and one to the inter-op pool.
        assertEquals(4, three - one, "threads=1: " + one + " native threads, threads=3: " + three);
    }

    @Test
    void scoresDoNotDependOnTheThreads() throws Exception
    {
        final Path model = TestModels.write(dir.resolve("model"), 32, 15, "threads-scores");
        final SensorConfig config = new ConfigLoader().loadDefaults();
        final float[] counts = new float[4 * 32 * 32];
        for (int i = 0; i < counts.length; i += 7)
        {
            counts[i] = i % 13;
        }
        final float[] flows = {1, 0, 1, 0};
        final float[] one = new float[4 * TestModels.LABELS.size()];
        final float[] two = new float[one.length];
        try (FlowPicClassifier a = ModelLocator.load(model.toString(), config.flowpic().spec(), 1);
            FlowPicClassifier b = ModelLocator.load(model.toString(), config.flowpic().spec(), 2))
        {
            a.classify(counts, flows, 4, one);
            b.classify(counts, flows, 4, two);
        }
        assertArrayEquals(one, two);
    }

    /** Native threads a replay with inference.threads = {@code threads} leaves in a fresh JVM. */
    private int tensorFlowThreads(final Path model, final Path capture, final int threads) throws Exception
    {
        final Path config = dir.resolve("threads-" + threads + ".yaml");
        Files.writeString(config, "inference:\n  threads: " + threads + "\n");
        final List<String> command = new java.util.ArrayList<>(SensorProcess.javaCommand(null, "replay", "--config",
            config.toString(), "--model", model.toString(), "--journal", dir.resolve("journal-" + threads).toString(),
            capture.toString()));
        command.set(command.indexOf("io.flowpic.sensor.cli.Main"), InferenceThreadsProbe.class.getName());
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output;
        try
        {
            output = new String(process.getInputStream().readAllBytes());
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "probe did not exit");
        }
        finally
        {
            process.destroyForcibly();
        }
        final Matcher m = PROBE.matcher(output);
        assertTrue(m.find(), output);
        System.out.println("inference.threads=" + threads + ": " + m.group(0));
        assertEquals("0", m.group(1), output);
        return Integer.parseInt(m.group(2));
    }
}

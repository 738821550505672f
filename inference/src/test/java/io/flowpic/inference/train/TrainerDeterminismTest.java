package io.flowpic.inference.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerDeterminismTest
{
    static TrainingOptions options(final Path[] files, final Path out, final Architecture arch, final int r)
    {
        final TrainingOptions o = new TrainingOptions().outputDir(out).modelName("det").architecture(arch)
            .resolution(r).blockSeconds(15).minPackets(5).epochs(3).batchSize(16).seed(9).threads(1)
            .validationFraction(0.3).progress(null);
        for (final Path f : files)
        {
            o.addFile(f);
        }
        return o;
    }

    /**
     * Java-side randomness (split, augmentation, shuffling, initial weights) is seeded, and the TF CPU kernels are
     * bit-reproducible in a fresh process on one CPU (in one that already ran other graphs they may round differently, enough
     * to move weights by 0.01 and flip a validation block, which is why this is not compared in-process). So two
     * fresh JVMs must agree on the split and, within what thread scheduling can move, on every weight.
     */
    @Test
    void sameSeedGivesTheSameSplitAndWeights(@TempDir final Path dir) throws Exception
    {
        final Path[] files = SyntheticFlows.write(dir, 6, 2, 3);
        final String a = trainInFreshJvm(dir.resolve("a"), files);
        final String b = trainInFreshJvm(dir.resolve("b"), files);
        // The split is Java's alone: equal to the letter. The weights: equal but for the last bits that a loaded
        // machine's thread scheduling can move in TensorFlow's kernels (seen: bit-equal when idle, not under load);
        // an unseeded shuffle moves them by ~0.02 and the accuracy by a tenth, far beyond this bound.
        assertEquals(a.substring(0, a.indexOf(" sha256=")), b.substring(0, b.indexOf(" sha256=")),
            "same seed, different split or weight count");
        final float[] wa = readWeights(dir.resolve("a.weights"));
        final float[] wb = readWeights(dir.resolve("b.weights"));
        double maxDiff = 0;
        for (int i = 0; i < wa.length; i++)
        {
            maxDiff = Math.max(maxDiff, Math.abs(wa[i] - wb[i]));
        }
        System.out.println("largest weight difference between the two trainings: " + maxDiff);
        assertTrue(maxDiff <= 1e-4, "same seed, weights differ by up to " + maxDiff);
        try (org.tensorflow.Graph g1 = new org.tensorflow.Graph(); org.tensorflow.Graph g2 = new org.tensorflow.Graph())
        {
            final float[][] i1 = FlowPicNet.build(g1, Architecture.MINI, 32, 3, true, 9, "x", "y").initialValues(77);
            final float[][] i2 = FlowPicNet.build(g2, Architecture.MINI, 32, 3, true, 9, "x", "y").initialValues(77);
            for (int i = 0; i < i1.length; i++)
            {
                org.junit.jupiter.api.Assertions.assertArrayEquals(i1[i], i2[i]);
            }
        }
    }

    private static float[] readWeights(final Path file) throws java.io.IOException
    {
        final java.nio.FloatBuffer floats = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(file)).asFloatBuffer();
        final float[] weights = new float[floats.remaining()];
        floats.get(weights);
        return weights;
    }

    /** The probe's one line: split, accuracy and weight digest of a training in a new JVM. */
    private static String trainInFreshJvm(final Path out, final Path[] files) throws Exception
    {
        final List<String> command = new ArrayList<>();
        // One CPU: TensorFlow sizes its pools by the CPUs it may run on, and with several threads a reduction's
        // order (and so its last bit) depends on scheduling, which a loaded CI machine varies.
        if (java.nio.file.Files.isExecutable(Path.of("/usr/bin/taskset")))
        {
            command.addAll(List.of("/usr/bin/taskset", "-c", "0"));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (arg.startsWith("--add-") || arg.startsWith("-Dorg.bytedeco"))
            {
                command.add(arg);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), TrainingProbe.class.getName(),
            out.toString()));
        for (final Path file : files)
        {
            command.add(file.toString());
        }
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
        // oneDNN's kernels pick their summation order at run time ("slightly different numerical results due to
        // floating-point round-off errors from different computation orders", TensorFlow says of them): 0.013 apart
        // in a clean CI run. Eigen's kernels on one thread are reproducible.
        builder.environment().put("TF_ENABLE_ONEDNN_OPTS", "0");
        final Process process = builder.start();
        final String output;
        try
        {
            output = new String(process.getInputStream().readAllBytes());
            assertTrue(process.waitFor(300, TimeUnit.SECONDS), "probe did not exit");
        }
        finally
        {
            process.destroyForcibly();
        }
        final Matcher m = Pattern.compile("PROBE .*").matcher(output);
        assertTrue(m.find(), output);
        System.out.println(m.group());
        return m.group();
    }

    @Test
    void fullArchitectureTrainsWithDropoutAndExportsWithout(@TempDir final Path dir) throws Exception
    {
        // R = 64 keeps the original FlowPic layer stack (strides 5, pools 2) but small enough for a unit test.
        final Path[] files = SyntheticFlows.write(dir, 4, 2, 4);
        final TrainingResult result = Trainer.train(options(files, dir.resolve("full"), Architecture.FULL, 64));
        assertEquals(Architecture.FULL, result.architecture());
        final int cells = 64 * 64;
        final float[] images = new float[2 * cells];
        images[5 * 64 + 3] = 2f;
        images[cells + 60 * 64 + 50] = 3f;
        final float[] first;
        final float[] second;
        try (TrainedModel model = result.openModel())
        {
            first = model.scores(images, 2);
            second = model.scores(images, 2);
        }
        for (int i = 0; i < first.length; i++)
        {
            assertEquals(first[i], second[i], 0f, "serving graph must be deterministic (no dropout)");
        }
        TrainedModelExportTest.assertScoresMatch(dir.resolve("full"), 64, images, 2, first);
        assertTrue(Set.of("early-stopping", "max-epochs").contains(result.stoppedBy()));
        assertFalse(result.validationGroups().isEmpty());
    }
}

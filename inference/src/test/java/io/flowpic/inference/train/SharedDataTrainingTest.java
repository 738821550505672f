package io.flowpic.inference.train;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A short real training on the shared FlowPic CSV data; skipped when {@code ../shared} is absent. */
class SharedDataTrainingTest
{
    static final List<String> CLASSES = List.of("browsing", "chat", "file_transfer", "video", "voip");

    /** {@code <shared>/data/flowpic-csv}: system property flowpic.shared if set, else {@code <repo>/../shared}; null if absent. */
    static Path sharedCsvDir()
    {
        final String property = System.getProperty("flowpic.shared");
        final Path userDir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        final Path[] candidates = property != null && !property.isBlank()
            ? new Path[] {Path.of(property)}
            : new Path[] {userDir.resolve("../shared"), userDir.resolve("../../shared")}; // from repo root / module dir
        for (final Path candidate : candidates)
        {
            if (Files.isDirectory(candidate.resolve("data/flowpic-csv")))
            {
                return candidate.resolve("data/flowpic-csv").normalize();
            }
        }
        return null;
    }

    @Test
    void shortRunOnRealDataBeatsTheMajorityClass(@TempDir final Path dir) throws Exception
    {
        final Path csv = sharedCsvDir();
        Assumptions.assumeTrue(csv != null, "shared data absent (system property flowpic.shared or <repo>/../shared " +
            "with data/flowpic-csv): skipping the real-data training test");
        final TrainingOptions options = new TrainingOptions()
            .outputDir(dir.resolve("model"))
            .modelName("shared-smoke")
            .resolution(32).blockSeconds(15).minPackets(10)
            .epochs(15).patience(4).batchSize(64).learningRate(1e-3f)
            .validationFraction(0.3).seed(7)
            .maxTrainingSeconds(45);
        for (final String c : CLASSES)
        {
            final Path f = csv.resolve(c + ".csv.gz");
            Assumptions.assumeTrue(Files.isReadable(f), "missing " + f);
            options.addFile(f);
        }
        final TrainingResult result = Trainer.train(options);
        final double accuracy = result.validation().accuracy();
        final double majority = result.validation().majorityRate();
        System.err.printf("real data: validation accuracy %.4f, macro-F1 %.4f, majority rate %.4f, blocks %s%n",
            accuracy, result.validation().macroF1(), majority, result.validationBlocksPerClass());
        assertTrue(accuracy > majority + 0.1, "accuracy " + accuracy + " vs majority rate " + majority);
        assertTrue(result.validation().macroF1() > 0.4, "macro-F1 " + result.validation().macroF1());
    }
}

package io.flowpic.inference.train;

import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.inference.ModelMetadata;
import io.flowpic.inference.eval.ConfidenceCurve;
import io.flowpic.inference.eval.ModelEvaluator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Temperature scaling fitted at the end of training on the validation blocks lowers the expected calibration error
 * on blocks neither trained nor fitted on: whole sources of the shared data held out of training. Skipped when
 * {@code ../shared} is absent.
 */
class CalibrationHeldOutTest
{
    @TempDir
    Path dir;

    @Test
    void temperatureFittedOnValidationLowersTheEceOfHeldOutSources() throws Exception
    {
        final Path csv = SharedDataTrainingTest.sharedCsvDir();
        Assumptions.assumeTrue(csv != null, "shared data absent (system property flowpic.shared or <repo>/../shared " +
            "with data/flowpic-csv): skipping the held-out calibration test");
        final TrainingOptions options = new TrainingOptions()
            .outputDir(dir.resolve("model"))
            .modelName("calibration-test")
            .resolution(32).blockSeconds(15).minPackets(10)
            .epochs(12).patience(12).batchSize(64).learningRate(2e-3f)
            .splitBy(TrainingOptions.SplitBy.SOURCE).validationFraction(0.3).seed(3);
        final List<String[]> heldOut = new ArrayList<>();
        for (final String label : SharedDataTrainingTest.CLASSES)
        {
            final Path file = csv.resolve(label + ".csv.gz");
            Assumptions.assumeTrue(Files.isReadable(file), "missing " + file);
            final Path train = dir.resolve("train-" + label + ".csv.gz");
            final Path test = dir.resolve("test-" + label + ".csv.gz");
            splitBySource(file, train, test);
            options.addFile(label, train);
            heldOut.add(new String[] {label, test.toString()});
        }
        Trainer.train(options);

        final Path calibrated = dir.resolve("model");
        final ModelMetadata metadata = ModelMetadata.read(calibrated);
        assertNotNull(metadata.calibration(), "training with validation blocks stores a calibration");
        final Path raw = dir.resolve("model-uncalibrated");
        copy(calibrated, raw);
        metadata.withCalibration(null).write(raw);

        final ConfidenceCurve before = heldOutConfidence(raw, heldOut);
        final ConfidenceCurve after = heldOutConfidence(calibrated, heldOut);
        final double eceBefore = before.expectedCalibrationError();
        final double eceAfter = after.expectedCalibrationError();
        System.err.printf("held-out sources: %d blocks, temperature %.4f, ECE %.4f -> %.4f (validation %.4f -> %.4f)%n",
            after.samples(), metadata.temperature(), eceBefore, eceAfter, metadata.calibration().eceBefore(),
            metadata.calibration().eceAfter());
        assertTrue(after.samples() > 100, "held-out blocks: " + after.samples());
        assertNotEquals(1.0, metadata.temperature(), "a temperature was fitted");
        // Same blocks, same ranking: accuracy at threshold 0 is unchanged, only the confidences moved.
        assertTrue(Math.abs(before.at(0).accuracy() - after.at(0).accuracy()) < 1e-12);
        assertTrue(eceAfter < eceBefore, "held-out ECE " + eceBefore + " -> " + eceAfter);
    }

    private static ConfidenceCurve heldOutConfidence(final Path model, final List<String[]> files) throws Exception
    {
        try (FlowPicClassifier classifier = FlowPicClassifier.load(model, 1))
        {
            final ModelEvaluator evaluator = new ModelEvaluator(classifier, 10, 256);
            for (final String[] f : files)
            {
                evaluator.addFile(f[0], Path.of(f[1]), false);
            }
            evaluator.finish();
            return evaluator.confidence();
        }
    }

    /** Every third source (sorted by name, per class) goes to {@code test}, the rest to {@code train}. */
    private static void splitBySource(final Path in, final Path train, final Path test) throws Exception
    {
        final List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(in)),
            StandardCharsets.US_ASCII)))
        {
            for (String line = r.readLine(); line != null; line = r.readLine())
            {
                lines.add(line);
            }
        }
        final List<String> sources = new ArrayList<>(new TreeSet<>(lines.stream().map(CalibrationHeldOutTest::source).toList()));
        try (Writer tr = gzip(train); Writer te = gzip(test))
        {
            for (final String line : lines)
            {
                (sources.indexOf(source(line)) % 3 == 2 ? te : tr).write(line + "\n");
            }
        }
    }

    private static String source(final String line)
    {
        final String pcap = line.substring(0, line.indexOf(','));
        final int slash = pcap.indexOf('/');
        return slash < 0 ? pcap : pcap.substring(0, slash);
    }

    private static Writer gzip(final Path file) throws Exception
    {
        return new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(file)), StandardCharsets.US_ASCII);
    }

    private static void copy(final Path from, final Path to) throws Exception
    {
        try (Stream<Path> paths = Files.walk(from))
        {
            for (final Path p : paths.toList())
            {
                final Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p))
                {
                    Files.createDirectories(target);
                }
                else
                {
                    Files.copy(p, target);
                }
            }
        }
    }
}

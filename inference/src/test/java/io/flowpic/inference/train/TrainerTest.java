package io.flowpic.inference.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowpic.flowtable.flow.FlowPicSpec;
import io.flowpic.inference.dataset.FlowCsvReader;
import io.flowpic.inference.dataset.FlowSession;
import io.flowpic.inference.dataset.SessionBlocks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest
{
    @TempDir
    Path dir;

    @Test
    void trainsAboveChanceOnAGroupedSplitAndExportsAReloadableModel() throws Exception
    {
        final Path[] files = SyntheticFlows.write(dir, 10, 3, 11);
        final TrainingOptions options = new TrainingOptions()
            .outputDir(dir.resolve("model"))
            .modelName("synthetic")
            .resolution(32).blockSeconds(15).minPackets(5)
            .epochs(12).patience(4).batchSize(32).learningRate(2e-3f)
            .validationFraction(0.3).seed(5).augmentCopies(1);
        for (final Path f : files)
        {
            options.addFile(f);
        }
        final TrainingResult result = Trainer.train(options);

        assertEquals(List.of("bulk", "chatty", "voice"), result.labels());
        // Grouped: no capture on both sides.
        final JsonNode report = new ObjectMapper().readTree(dir.resolve("model/" + Trainer.REPORT_FILE).toFile());
        final Set<String> trainPcaps = names(report.at("/split/train/pcapNames"));
        final Set<String> valPcaps = names(report.at("/split/validation/pcapNames"));
        assertFalse(valPcaps.isEmpty());
        for (final String p : valPcaps)
        {
            assertFalse(trainPcaps.contains(p), p + " on both sides");
        }
        for (final String label : result.labels())
        {
            assertTrue(result.validationBlocksPerClass().get(label) > 0, "every class validated: " + label);
        }
        final double accuracy = result.validation().accuracy();
        assertTrue(accuracy > 0.8, "validation accuracy " + accuracy + " (chance ≈ 0.33)");
        assertTrue(result.validation().macroF1() > 0.75, "macro-F1 " + result.validation().macroF1());
        assertEquals(report.at("/validation/accuracy").asDouble(), accuracy, 1e-12);
        assertEquals(3, report.at("/validation/confusionMatrix").size());
        assertEquals(3, report.at("/validation/perClass").size());
        assertEquals("mini", report.at("/architecture").asText());

        // Metadata: exactly the agreed keys.
        final JsonNode meta = new ObjectMapper().readTree(dir.resolve("model/" + Trainer.METADATA_FILE).toFile());
        final List<String> keys = new ArrayList<>();
        meta.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("formatVersion", "modelId", "labels", "resolution", "blockSeconds", "maxPacketSize",
            "normalization", "signature", "inputName", "outputName", "calibration"), keys);
        final JsonNode calibration = meta.get("calibration");
        assertTrue(calibration.get("temperature").asDouble() > 0, calibration.toString());
        assertEquals(result.validation().total(), calibration.get("fitted_on_blocks").asLong());
        assertEquals(1, meta.get("formatVersion").asInt());
        assertEquals(result.modelId(), meta.get("modelId").asText());
        assertTrue(result.modelId().startsWith("synthetic-"));
        assertEquals(32, meta.get("resolution").asInt());
        assertEquals(15, meta.get("blockSeconds").asInt());
        assertEquals(1500, meta.get("maxPacketSize").asInt());
        assertEquals("log1p", meta.get("normalization").asText());
        assertEquals("serving_default", meta.get("signature").asText());
        assertEquals("flowpic", meta.get("inputName").asText());
        assertEquals("scores", meta.get("outputName").asText());
        assertEquals(List.of("bulk", "chatty", "voice"), names(meta.get("labels")).stream().sorted().toList());

        // The exported SavedModel reproduces the in-memory network on real blocks.
        final FlowPicSpec spec = options.spec();
        final SessionBlocks blocks = new SessionBlocks(spec);
        final List<float[]> images = new ArrayList<>();
        for (final Path f : files)
        {
            final List<FlowSession> sessions = FlowCsvReader.readAll(f, false);
            images.addAll(blocks.counts(sessions.get(0)));
        }
        final int cells = spec.cellsPerImage();
        final float[] batch = new float[images.size() * cells];
        for (int i = 0; i < images.size(); i++)
        {
            System.arraycopy(images.get(i), 0, batch, i * cells, cells);
        }
        Normalization.log1pInPlace(batch, 0, batch.length);
        final float[] expected;
        try (TrainedModel model = result.openModel())
        {
            expected = model.scores(batch, images.size());
        }
        TrainedModelExportTest.assertScoresMatch(dir.resolve("model"), 32, batch, images.size(), expected);
    }

    private static Set<String> names(final JsonNode array)
    {
        final Set<String> out = new HashSet<>();
        for (final Iterator<JsonNode> it = array.elements(); it.hasNext(); )
        {
            out.add(it.next().asText());
        }
        return out;
    }

    @Test
    void trainsWithStatisticsAndTransportIntoAModelTheSensorLoads() throws Exception
    {
        final Path[] files = SyntheticFlows.write(dir, 10, 3, 11);
        final TrainingOptions options = new TrainingOptions()
            .outputDir(dir.resolve("model"))
            .modelName("synthetic-ist")
            .features(Features.parse("image+stats+transport"))
            .resolution(32).blockSeconds(15).minPackets(5)
            .epochs(12).patience(4).batchSize(32).learningRate(2e-3f)
            .validationFraction(0.3).seed(5).progress(null);
        for (final Path f : files)
        {
            options.addFile(f);
        }
        final TrainingResult result = Trainer.train(options);
        assertTrue(result.validation().accuracy() > 0.8, "validation accuracy " + result.validation().accuracy());
        final JsonNode report = new ObjectMapper().readTree(dir.resolve("model/" + Trainer.REPORT_FILE).toFile());
        assertEquals("image+stats+transport", report.at("/parameters/features").asText());
        final io.flowpic.inference.ModelMetadata meta = io.flowpic.inference.ModelMetadata.read(dir.resolve("model"));
        assertEquals("flow", meta.flowInputName());

        // The sensor's classifier, fed through FlowDescriptors, gives the validation figures the trainer reported.
        try (io.flowpic.inference.FlowPicClassifier classifier = io.flowpic.inference.FlowPicClassifier.load(dir.resolve("model")))
        {
            assertTrue(classifier.needsFlows());
            final io.flowpic.inference.eval.ModelEvaluator evaluator = new io.flowpic.inference.eval.ModelEvaluator(
                classifier, options.spec().minPackets(), 16);
            final Set<String> valPcaps = names(report.at("/split/validation/pcapNames"));
            for (int c = 0; c < files.length; c++)
            {
                final int label = evaluator.labelIndex(files[c].getFileName().toString().replace(".csv.gz", ""));
                for (final FlowSession session : FlowCsvReader.readAll(files[c], false))
                {
                    if (valPcaps.contains(session.pcapName()))
                    {
                        evaluator.addSession(label, session);
                    }
                }
            }
            final Evaluation sensor = evaluator.finish();
            assertEquals(result.validation().total(), sensor.total());
            assertEquals(result.validation().accuracy(), sensor.accuracy(), 1e-9);
        }
    }

    @Test
    void refusesAShapeTheSensorCannotLoadBeforeTraining() throws Exception
    {
        final Path[] files = SyntheticFlows.write(dir, 2, 1, 1);
        for (final int[] shape : new int[][] {{48, 15}, {32, 30}})
        {
            final TrainingOptions options = new TrainingOptions().outputDir(dir.resolve("out-" + shape[0]))
                .resolution(shape[0]).blockSeconds(shape[1]).progress(null);
            for (final Path f : files)
            {
                options.addFile(f);
            }
            final Exception e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Trainer.train(options));
            assertTrue(e.getMessage().contains(shape[0] == 48 ? "resolution" : "block seconds"), e.getMessage());
            assertFalse(Files.exists(dir.resolve("out-" + shape[0])), "nothing written");
        }
    }

    @Test
    void refusesANonEmptyOutputDir() throws Exception
    {
        final Path[] files = SyntheticFlows.write(dir, 2, 1, 1);
        Files.createDirectories(dir.resolve("out"));
        Files.writeString(dir.resolve("out/x"), "x");
        final TrainingOptions options = new TrainingOptions().outputDir(dir.resolve("out")).progress(null);
        for (final Path f : files)
        {
            options.addFile(f);
        }
        final Exception e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> Trainer.train(options));
        assertTrue(e.getMessage().contains("not empty"));
    }
}

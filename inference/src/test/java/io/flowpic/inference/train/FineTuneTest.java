package io.flowpic.inference.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train --init-from}: the weights come out of the SavedModel exactly, and training starts from them. */
class FineTuneTest
{
    @TempDir
    Path dir;

    private TrainingOptions options(final Path out, final Path[] files, final int epochs)
    {
        final TrainingOptions options = new TrainingOptions()
            .outputDir(out)
            .modelName("fine-tune-test")
            .resolution(32).blockSeconds(15).minPackets(5)
            .features(Features.of(true, true, true))
            .epochs(epochs).patience(epochs).batchSize(32).learningRate(2e-3f)
            .validationFraction(0.3).seed(5).progress(null);
        for (final Path f : files)
        {
            options.addFile(f);
        }
        return options;
    }

    @Test
    void fineTuningStartsFromTheModelsWeightsNotFromScratch() throws Exception
    {
        final Path[] first = SyntheticFlows.write(Files.createDirectories(dir.resolve("a")), 8, 3, 11);
        final TrainingResult base = Trainer.train(options(dir.resolve("base"), first, 6));

        final InitialWeights loaded = InitialWeights.load(dir.resolve("base"));
        assertEquals(Architecture.MINI, loaded.architecture());
        assertEquals(Features.of(true, true, true), loaded.features());
        assertEquals(base.weights().length, loaded.weights().length);
        for (int i = 0; i < base.weights().length; i++)
        {
            assertArrayEquals(base.weights()[i], loaded.weights()[i], "parameter " + i + " read back from the SavedModel");
        }

        // New sessions of the same classes: one epoch from the model against one epoch from scratch.
        final Path[] second = SyntheticFlows.write(Files.createDirectories(dir.resolve("b")), 6, 3, 12);
        Trainer.train(options(dir.resolve("fresh"), second, 1));
        Trainer.train(options(dir.resolve("tuned"), second, 1).initFrom(loaded));
        final double fresh = firstEpochLoss(dir.resolve("fresh"));
        final double tuned = firstEpochLoss(dir.resolve("tuned"));
        System.err.printf("first-epoch training loss: fresh %.4f, fine-tuned %.4f%n", fresh, tuned);
        assertTrue(tuned < fresh / 2, "fine-tuned " + tuned + " vs fresh " + fresh);
        final JsonNode report = new ObjectMapper().readTree(dir.resolve("tuned/" + Trainer.REPORT_FILE).toFile());
        assertEquals(base.modelId(), report.at("/parameters/initFromModelId").asText());
    }

    @Test
    void aModelWhoseLabelsOrShapeDifferIsRefusedBeforeTrainingNamingTheMismatch() throws Exception
    {
        final Path[] files = SyntheticFlows.write(Files.createDirectories(dir.resolve("a")), 4, 2, 11);
        Trainer.train(options(dir.resolve("base"), files, 1));
        final InitialWeights loaded = InitialWeights.load(dir.resolve("base"));

        final TrainingOptions otherLabel = options(dir.resolve("x1"), files, 1).initFrom(loaded);
        otherLabel.addFile("video", files[0]);
        final IllegalArgumentException labels = assertThrows(IllegalArgumentException.class,
            () -> Trainer.train(otherLabel));
        assertTrue(labels.getMessage().contains("[video]") && labels.getMessage().contains("labels [bulk, chatty, voice]"),
            labels.getMessage());

        final IllegalArgumentException resolution = assertThrows(IllegalArgumentException.class,
            () -> Trainer.train(options(dir.resolve("x2"), files, 1).resolution(64).initFrom(loaded)));
        assertTrue(resolution.getMessage().contains("resolution 32 but 64"), resolution.getMessage());

        final IllegalArgumentException features = assertThrows(IllegalArgumentException.class,
            () -> Trainer.train(options(dir.resolve("x3"), files, 1).features(Features.IMAGE).initFrom(loaded)));
        assertTrue(features.getMessage().contains("features image+stats+transport but image"), features.getMessage());
        assertFalse(Files.exists(dir.resolve("x1")) || Files.exists(dir.resolve("x2")) || Files.exists(dir.resolve("x3")),
            "nothing written");
    }

    @Test
    void theDefaultModelsNetIsRecognisedAsItsTrainingReportSays() throws Exception
    {
        final Path model = Path.of(System.getProperty("user.dir")).resolve("../model/default").normalize();
        Assumptions.assumeTrue(Files.isDirectory(model), "no default model at " + model);
        final JsonNode report = new ObjectMapper().readTree(model.resolve(Trainer.REPORT_FILE).toFile());
        final InitialWeights loaded = InitialWeights.load(model);
        assertEquals(report.at("/architecture").asText(), loaded.architecture().id());
        assertEquals(report.at("/parameters/features").asText(), loaded.features().id());
    }

    private static double firstEpochLoss(final Path model) throws Exception
    {
        return new ObjectMapper().readTree(model.resolve(Trainer.REPORT_FILE).toFile()).at("/history/0/trainLoss").asDouble();
    }
}

package io.flowpic.sensor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowpic.inference.ModelMetadata;
import io.flowpic.sensor.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code flowpic train --init-from default} on the shared data: it starts where the default model is. */
class TrainInitFromTest
{
    private static final List<String> LABELS = List.of("voip", "video", "chat", "browsing", "file_transfer");

    @TempDir
    Path dir;

    private static List<String> data()
    {
        final Path csv = SharedData.root().resolve("data/flowpic-csv");
        assumeTrue(Files.isDirectory(csv), "skipped: shared FlowPic CSV data not found at " + csv +
            " (a fresh clone has no ../shared)");
        final List<String> args = new ArrayList<>();
        for (final String label : LABELS)
        {
            args.add("--data");
            args.add(label + "=" + csv.resolve(label + ".csv.gz"));
        }
        return args;
    }

    private static ToolsCommandsTest.Run train(final List<String> data, final String... options)
    {
        final List<String> args = new ArrayList<>(List.of("train"));
        args.addAll(List.of(options));
        args.addAll(data);
        return ToolsCommandsTest.run(args.toArray(new String[0]));
    }

    @Test
    void fineTuningTheDefaultModelStartsWithALowerLossThanAFreshNet() throws Exception
    {
        final List<String> data = data();
        final Path tuned = dir.resolve("tuned");
        final Path fresh = dir.resolve("fresh");
        final ToolsCommandsTest.Run t = train(data, "--init-from", "default", "--epochs", "1", "--augment", "0",
            "--out", tuned.toString());
        assertEquals(0, t.code(), t.err());
        final ToolsCommandsTest.Run f = train(data, "--arch", "mini", "--features", "image+stats+transport",
            "--epochs", "1", "--augment", "0", "--out", fresh.toString());
        assertEquals(0, f.code(), f.err());
        final double tunedLoss = firstEpochLoss(tuned);
        final double freshLoss = firstEpochLoss(fresh);
        System.err.printf("first-epoch training loss: fresh %.4f, from the default model %.4f%n", freshLoss, tunedLoss);
        assertTrue(tunedLoss < freshLoss, "from default " + tunedLoss + " vs fresh " + freshLoss);
        final ModelMetadata md = ModelMetadata.read(tuned);
        assertEquals(LABELS, md.labels(), "the default model's label order, whatever the --data order");
        assertEquals("flow", md.flowInputName(), "the default model's transport input is kept");
    }

    @Test
    void aRequestThatDoesNotFitTheModelIsRefusedBeforeTraining() throws Exception
    {
        final List<String> data = data();
        final Path out = dir.resolve("refused");
        final ToolsCommandsTest.Run resolution = train(data, "--init-from", "default", "--resolution", "64",
            "--out", out.toString());
        assertEquals(ExitCodes.INPUT_ERROR, resolution.code(), resolution.err());
        assertTrue(resolution.err().contains("has resolution 32 but 64 was requested"), resolution.err());

        final List<String> fewer = new ArrayList<>(data.subList(0, 8)); // no file_transfer
        final ToolsCommandsTest.Run labels = train(fewer, "--init-from", "default", "--out", out.toString());
        assertEquals(ExitCodes.INPUT_ERROR, labels.code(), labels.err());
        assertTrue(labels.err().contains("with data for [file_transfer] too"), labels.err());

        final ToolsCommandsTest.Run missing = train(data, "--init-from", dir.resolve("no-model").toString(),
            "--out", out.toString());
        assertEquals(ExitCodes.CONFIG_ERROR, missing.code(), missing.err());
        assertTrue(missing.err().contains("--init-from") && missing.err().contains("no-model"), missing.err());
        assertFalse(Files.exists(out), "nothing written");
    }

    private static double firstEpochLoss(final Path model) throws Exception
    {
        final JsonNode report = new ObjectMapper().readTree(model.resolve("training-report.json").toFile());
        return report.at("/history/0/trainLoss").asDouble();
    }
}

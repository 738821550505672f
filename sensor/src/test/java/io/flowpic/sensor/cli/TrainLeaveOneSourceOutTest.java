package io.flowpic.sensor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowpic.inference.train.SyntheticFlows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code flowpic train --leave-one-source-out} through the CLI: one fold per source, the table and JSON beside the
 * model, and the model's calibration fitted on exactly the pooled held-out blocks the JSON reports.
 */
class TrainLeaveOneSourceOutTest
{
    @TempDir
    Path dir;

    @Test
    void writesOneFoldPerSourceAndCalibratesOnThePooledHeldOutBlocks() throws Exception
    {
        final Path[] files = SyntheticFlows.write(dir, 6, 2, 5); // sources src0..src2 in every class
        final List<String> args = new ArrayList<>(List.of("train", "--leave-one-source-out", "--epochs", "2",
            "--seed", "7", "--out", dir.resolve("model").toString()));
        for (int c = 0; c < files.length; c++)
        {
            args.add("--data");
            args.add(SyntheticFlows.CLASSES[c] + "=" + files[c]);
        }
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(new String[0])),
            out + "\n" + err);

        final Path model = dir.resolve("model");
        final JsonNode cv = new ObjectMapper().readTree(model.resolve("cross-validation.json").toFile());
        final List<String> sources = new ArrayList<>();
        long heldOut = 0;
        for (final JsonNode fold : cv.get("folds"))
        {
            sources.add(fold.get("source").asText());
            heldOut += fold.get("blocks").asLong();
        }
        assertEquals(List.of("src0", "src1", "src2"), sources);
        final long pooled = cv.get("pooled").get("blocks").asLong();
        assertEquals(heldOut, pooled, "every held-out block pooled once");
        assertTrue(pooled > 0);
        final String table = Files.readString(model.resolve("cross-validation.txt"));
        for (final String source : sources)
        {
            assertTrue(table.contains(source), table);
        }
        final JsonNode calibration = new ObjectMapper().readTree(model.resolve("flowpic-model.json").toFile())
            .get("calibration");
        assertTrue(calibration != null && calibration.get("temperature").asDouble() > 0, "calibrated: " + calibration);
        assertEquals(pooled, calibration.get("fitted_on_blocks").asLong(),
            "the model is calibrated on the pooled held-out blocks");
        assertTrue(out.toString().contains("leave-one-source-out"), out.toString());
        try (java.util.stream.Stream<Path> left = Files.list(model))
        {
            assertTrue(left.noneMatch(p -> Files.isDirectory(p) && !p.getFileName().toString().equals("variables")),
                "no fold directories left beside the model");
        }
    }
}

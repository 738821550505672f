package io.flowpic.sensor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowpic.sensor.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** evaluate's accuracy/coverage curve over min-confidence thresholds, in JSON, text and PNG, on real data. */
class EvaluateCurveTest
{
    @TempDir
    Path dir;

    private static String[] data()
    {
        final Path csv = SharedData.root().resolve("data/flowpic-csv");
        assumeTrue(Files.isDirectory(csv), "skipped: shared FlowPic CSV data not found at " + csv +
            " (a fresh clone has no ../shared)");
        return new String[] {"--data", "chat=" + csv.resolve("chat.csv.gz"), "--data",
            "browsing=" + csv.resolve("browsing.csv.gz"), "--data", "file_transfer=" + csv.resolve("file_transfer.csv.gz")};
    }

    private static String[] args(final String[] data, final String... more)
    {
        final String[] all = new String[more.length + data.length];
        System.arraycopy(more, 0, all, 0, more.length);
        System.arraycopy(data, 0, all, more.length, data.length);
        return all;
    }

    @Test
    void curveStartsAtFullCoverageNeverRisesAndIsWrittenAsJsonTextAndPng() throws Exception
    {
        final String[] data = data();
        final Path png = dir.resolve("curve.png");
        final ToolsCommandsTest.Run r = ToolsCommandsTest.run(args(data, "evaluate", "--model", "default",
            "--format", "json", "--min-confidence", "0.6", "--curve-png", png.toString()));
        assertEquals(0, r.code(), r.err());
        final JsonNode json = new ObjectMapper().readTree(r.out());
        final long samples = json.get("samples").asLong();
        long diagonal = 0;
        for (int i = 0; i < json.get("confusion").size(); i++)
        {
            diagonal += json.get("confusion").get(i).get(i).asLong();
        }
        final JsonNode curve = json.get("confidence_curve");
        assertEquals(21, curve.size());
        final JsonNode first = curve.get(0);
        assertEquals(0.0, first.get("threshold").asDouble());
        assertEquals(1.0, first.get("coverage").asDouble());
        assertEquals(samples, first.get("covered").asLong());
        assertEquals((double)diagonal / samples, first.get("accuracy").asDouble(), 1e-12,
            "at threshold 0 every block keeps its label: the confusion matrix's accuracy");
        double lastCoverage = 1.0;
        long lastCovered = samples;
        for (int i = 1; i < curve.size(); i++)
        {
            final JsonNode p = curve.get(i);
            assertEquals(i / 20.0, p.get("threshold").asDouble(), 1e-12);
            assertTrue(p.get("coverage").asDouble() <= lastCoverage, "coverage rises at " + p);
            assertTrue(p.get("covered").asLong() <= lastCovered, "covered rises at " + p);
            assertEquals((double)p.get("covered").asLong() / samples, p.get("coverage").asDouble(), 1e-12);
            if (p.get("covered").asLong() == 0)
            {
                assertTrue(p.get("accuracy").isNull(), "no block covered, no accuracy: " + p);
            }
            lastCoverage = p.get("coverage").asDouble();
            lastCovered = p.get("covered").asLong();
        }
        assertTrue(curve.get(20).get("coverage").asDouble() < 1.0, "some block has a top score below 1: " + curve);
        final JsonNode at = json.get("at_min_confidence");
        assertEquals(0.6, at.get("threshold").asDouble());
        assertEquals(curve.get(12).get("covered").asLong(), at.get("covered").asLong());
        assertTrue(at.get("covered").asLong() < samples && at.get("covered").asLong() > 0, at.toString());
        assertTrue(Math.round(at.get("accuracy").asDouble() * at.get("covered").asLong()) <= diagonal, at.toString());
        final double ece = json.get("calibration_error").asDouble();
        assertTrue(ece >= 0 && ece <= 1, "ECE " + ece);

        final BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "PNG readable by ImageIO");
        assertTrue(image.getWidth() >= 400 && image.getHeight() >= 300);
        int blue = 0;
        int red = 0;
        for (int x = 0; x < image.getWidth(); x++)
        {
            for (int y = 60; y < image.getHeight(); y++)
            {
                final int rgb = image.getRGB(x, y) & 0xFFFFFF;
                blue += rgb == 0x285AC8 ? 1 : 0;
                red += rgb == 0xC83228 ? 1 : 0;
            }
        }
        assertTrue(blue > 100 && red > 100, "both curves drawn: " + blue + " coverage, " + red + " accuracy pixels");

        final ToolsCommandsTest.Run text = ToolsCommandsTest.run(args(data, "evaluate", "--model", "default",
            "--min-confidence", "0.6"));
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("at min-confidence 0.6: coverage "), text.out());
        assertTrue(text.out().contains(at.get("covered").asLong() + " of " + samples + " blocks keep a label"), text.out());
        assertTrue(text.out().contains("confidence curve"), text.out());
    }

    @Test
    void minConfidenceOutsideZeroToOneIsAUsageErrorNamingTheOption() throws Exception
    {
        for (final String bad : new String[] {"0", "1.5", "-0.2"})
        {
            final ToolsCommandsTest.Run r = ToolsCommandsTest.run("evaluate", "--model", "default", "--min-confidence",
                bad, "--data", "chat=" + dir.resolve("none.csv"));
            assertEquals(ExitCodes.USAGE, r.code(), bad + ": " + r.err());
            assertTrue(r.err().contains("--min-confidence"), r.err());
        }
    }
}

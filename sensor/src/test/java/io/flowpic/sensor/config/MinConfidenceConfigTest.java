package io.flowpic.sensor.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** flowpic.min-confidence: off (0) by default, a score in (0, 1] when set, anything else refused naming the key. */
class MinConfidenceConfigTest
{
    @TempDir
    Path dir;

    @Test
    void offByDefault() throws Exception
    {
        assertEquals(0.0, new ConfigLoader().loadDefaults().flowpic().minConfidence());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.5", "1", "0.001", "0"})
    void acceptsOffAndScoresUpToOne(final String value) throws Exception
    {
        final Path file = Files.writeString(dir.resolve("ok.yaml"), "flowpic:\n  min-confidence: " + value + "\n");
        assertEquals(Double.parseDouble(value), new ConfigLoader().load(file).flowpic().minConfidence());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.01", "-0.1", "2", "1e9", "high", "null", "[0.5]"})
    void refusesAnythingElseNamingTheFileAndKey(final String value) throws Exception
    {
        final Path file = Files.writeString(dir.resolve("bad.yaml"), "flowpic:\n  min-confidence: " + value + "\n");
        final ConfigException ex = assertThrows(ConfigException.class, () -> new ConfigLoader().load(file));
        assertTrue(ex.getMessage().startsWith(file.toString()), ex.getMessage());
        assertTrue(ex.getMessage().contains("flowpic.min-confidence"), ex.getMessage());
    }
}

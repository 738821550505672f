package io.flowpic.sensor.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest
{
    @TempDir
    Path dir;

    private Path write(final String yaml) throws Exception
    {
        final Path file = dir.resolve("flowpic.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private ConfigException failure(final String yaml) throws Exception
    {
        final Path file = write(yaml);
        final ConfigException ex = assertThrows(ConfigException.class, () -> new ConfigLoader().load(file));
        assertTrue(ex.getMessage().startsWith(file.toString()), ex.getMessage());
        return ex;
    }

    @Test
    void defaultsComeFromTheDocumentedFile() throws Exception
    {
        final SensorConfig config = new ConfigLoader().loadDefaults();
        // The values written in config/flowpic.yaml.
        assertEquals(32, config.flowpic().resolution());
        assertEquals(15, config.flowpic().blockSeconds());
        assertEquals(10, config.flowpic().minPackets());
        assertEquals("", config.capture().iface());
        assertEquals("default", config.model().path());
        assertEquals("127.0.0.1", config.metrics().bind());
        assertEquals(9464, config.metrics().port());
        assertEquals("FAST_HOURLY", config.journal().rollCycle());
    }

    @Test
    void userFileOverridesOnlyTheKeysItNames() throws Exception
    {
        final SensorConfig config = new ConfigLoader().load(write(
            "capture:\n  interface: eth1\nflowpic:\n  resolution: 64\n  block-seconds: 60\n"));
        assertEquals("eth1", config.capture().iface());
        assertEquals(64, config.flowpic().resolution());
        assertEquals(60, config.flowpic().blockSeconds());
        assertEquals(10, config.flowpic().minPackets());
        assertEquals(256, config.capture().snapLength());
    }

    @Test
    void emptyFileMeansDefaults() throws Exception
    {
        assertEquals(new ConfigLoader().loadDefaults(), new ConfigLoader().load(write("")));
    }

    @Test
    void unknownKeyIsNamedWithItsSection() throws Exception
    {
        final ConfigException ex = failure("capture:\n  snaplen: 100\n");
        assertTrue(ex.getMessage().contains("unknown key 'capture.snaplen'"), ex.getMessage());
        assertTrue(ex.getMessage().contains("snap-length"), "lists the known keys: " + ex.getMessage());
    }

    @Test
    void unknownSectionIsNamed() throws Exception
    {
        assertTrue(failure("captures:\n  snap-length: 100\n").getMessage().contains("unknown key 'captures'"));
    }

    @Test
    void wrongTypeIsNamed() throws Exception
    {
        final ConfigException ex = failure("flow-table:\n  max-flows: lots\n");
        assertTrue(ex.getMessage().contains("'flow-table.max-flows'"), ex.getMessage());
    }

    @Test
    void outOfRangeValueIsNamedWithTheRange() throws Exception
    {
        final ConfigException ex = failure("flowpic:\n  resolution: 100\n");
        assertTrue(ex.getMessage().contains("'flowpic.resolution' = 100 must be one of [32, 64, 1500]"), ex.getMessage());
        // The shapes a model may have (FlowPicSpec's list, as the model metadata check uses): 30 s never loads one.
        assertTrue(failure("flowpic:\n  block-seconds: 30\n").getMessage()
            .contains("'flowpic.block-seconds' = 30 must be one of [15, 60]"));
        assertTrue(failure("flowpic:\n  max-packet-size: 63\n").getMessage().contains("'flowpic.max-packet-size'"));
        assertTrue(failure("metrics:\n  port: 70000\n").getMessage().contains("'metrics.port'"));
        assertTrue(failure("capture:\n  ring-buffer-mb: 3\n").getMessage().contains("power of two"));
        assertTrue(failure("journal:\n  roll-cycle: HOURLY\n").getMessage().contains("'journal.roll-cycle'"));
    }

    @Test
    void sectionGivenAsScalarIsAnError() throws Exception
    {
        assertTrue(failure("capture: eth0\n").getMessage().contains("'capture' must be a section"));
    }

    @Test
    void invalidYamlNamesTheLine() throws Exception
    {
        assertTrue(failure("capture:\n  interface: [eth0\n").getMessage().contains("not valid YAML"));
    }

    @Test
    void missingFileIsNamed()
    {
        final Path missing = dir.resolve("nope.yaml");
        final ConfigException ex = assertThrows(ConfigException.class, () -> new ConfigLoader().load(missing));
        assertTrue(ex.getMessage().contains(missing.toString()));
    }
}

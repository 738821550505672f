package io.flowpic.sensor.pipeline;

import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.sensor.cli.Main;
import io.flowpic.sensor.config.ConfigLoader;
import io.flowpic.sensor.config.SensorConfig;
import io.flowpic.sensor.journal.JournalReader;
import io.flowpic.sensor.journal.LabelRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model committed under model/default is what "default" means, and it fits the default config. */
class DefaultModelTest
{
    @TempDir
    Path dir;

    @Test
    void committedDefaultModelLoadsAndMatchesTheDefaultConfig() throws Exception
    {
        final SensorConfig config = new ConfigLoader().loadDefaults();
        assertEquals("default", config.model().path());
        final Path resolved = ModelLocator.resolve("default");
        assertTrue(Files.isRegularFile(resolved.resolve("saved_model.pb")), resolved.toString());
        try (FlowPicClassifier classifier = ModelLocator.load("default", config.flowpic().spec(),
            config.inference().threads()))
        {
            assertEquals(config.flowpic().resolution(), classifier.metadata().resolution());
            assertEquals(config.flowpic().blockSeconds(), classifier.metadata().blockSeconds());
            assertEquals(List.of("voip", "video", "chat", "browsing", "file_transfer"),
                classifier.metadata().labels());
        }
    }

    @Test
    void replayWithoutModelOptionUsesTheDefaultModel() throws Exception
    {
        final Path capture = dir.resolve("flows.pcap");
        ReplayEndToEndTest.writeCapture(capture);
        final Path journal = dir.resolve("journal");
        final StringWriter err = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "replay", "--journal",
            journal.toString(), capture.toString()), err.toString());
        try (JournalReader reader = new JournalReader(journal))
        {
            final List<LabelRecord> records = reader.readAll();
            assertFalse(records.isEmpty());
            final String modelId = records.get(0).modelId;
            assertTrue(modelId.startsWith("flowpic-default-"), modelId);
        }
    }
}

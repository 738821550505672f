package io.flowpic.sensor.daemon;

import io.flowpic.sensor.journal.LabelRecord;
import io.flowpic.sensor.testing.SensorProcess;
import io.flowpic.sensor.testing.TestModels;
import io.flowpic.sensor.testing.VethPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code flowpic run} as a child process: signals, exit codes, reload. */
class RunProcessTest
{
    @TempDir
    Path dir;

    private static List<String> tuples(final Path journal) throws Exception
    {
        final List<String> tuples = new ArrayList<>();
        for (final LabelRecord r : LiveSensorVethTest.journal(journal))
        {
            tuples.add(LiveSensorVethTest.tuple(r) + "=" + r.packets + "@" + r.modelId);
        }
        return tuples;
    }

    @Test
    void sigtermMidTrafficJournalsEveryQualifyingOpenBlockAndExitsZero() throws Exception
    {
        try (VethPair pair = VethPair.create())
        {
            final Path model = TestModels.write(dir.resolve("model"), 32, 15, "term-fixed");
            final Path config = LiveSensorVethTest.writeConfig(dir, pair, model, "metrics:\n  enabled: false");
            try (SensorProcess sensor = SensorProcess.start(SensorProcess.javaCommand(null, "run", "--config",
                config.toString())))
            {
                sensor.awaitOutput("capturing on " + pair.hostEnd, 60);
                pair.replayFromNamespace(LiveSensorVethTest.udpFlowCapture(dir.resolve("t.pcap"), 42000, 7000, 25), 500);
                pair.replayFromNamespace(LiveSensorVethTest.udpFlowCapture(dir.resolve("s.pcap"), 42001, 7001, 5), 500);
                Thread.sleep(300);
                sensor.signal("TERM");
                assertEquals(0, sensor.awaitExit(30), sensor.output());
                assertTrue(sensor.output().contains("finishing open blocks"), sensor.output());
            }
            final List<String> tuples = tuples(dir.resolve("journal"));
            assertEquals(List.of("198.18.0.2:42000>198.18.0.1:7000/UDP=25@term-fixed"), tuples,
                "the 25-packet block qualifies, the 5-packet one does not");
        }
    }

    @Test
    void sighupSwapsInAValidModelAndKeepsTheOldOneWhenTheNewOneIsBroken() throws Exception
    {
        try (VethPair pair = VethPair.create())
        {
            final Path model = TestModels.write(dir.resolve("model"), 32, 15, "first");
            final Path journal = dir.resolve("journal");
            final Path config = LiveSensorVethTest.writeConfig(dir, pair, model,
                "metrics:\n  bind: 127.0.0.1\n  port: 0");
            try (SensorProcess sensor = SensorProcess.start(SensorProcess.javaCommand(null, "run", "--config",
                config.toString(), "--model", model.toString())))
            {
                sensor.awaitOutput("capturing on " + pair.hostEnd, 60);
                final java.util.regex.Matcher url = java.util.regex.Pattern
                    .compile("metrics (http://127\\.0\\.0\\.1:\\d+/metrics)").matcher(sensor.output());
                assertTrue(url.find(), sensor.output());
                final java.net.URI metrics = java.net.URI.create(url.group(1));
                pair.replayFromNamespace(LiveSensorVethTest.udpFlowCapture(dir.resolve("x.pcap"), 43000, 8000, 12), 500);

                deleteRecursively(model);
                TestModels.write(model, 32, 15, "second");
                sensor.signal("HUP");
                sensor.awaitOutput("reload: model second loaded", 60);
                pair.replayFromNamespace(LiveSensorVethTest.udpFlowCapture(dir.resolve("y.pcap"), 43001, 8001, 12), 500);

                Files.delete(model.resolve("saved_model.pb"));
                sensor.signal("HUP");
                sensor.awaitOutput("reload failed, keeping model second", 60);
                final String body = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(metrics).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(body.contains("flowpic_model_reloads_total{result=\"ok\"} 1"), body);
                assertTrue(body.contains("flowpic_model_reloads_total{result=\"failed\"} 1"), body);
                assertTrue(body.contains("flowpic_model_info{model=\"second\"} 1"), body);
                pair.replayFromNamespace(LiveSensorVethTest.udpFlowCapture(dir.resolve("z.pcap"), 43002, 8002, 12), 500);

                Thread.sleep(300);
                sensor.signal("TERM");
                assertEquals(0, sensor.awaitExit(30), sensor.output());
            }
            // Blocks finish at shutdown, after the swap: all three flows, none lost, labelled by "second".
            final List<String> tuples = tuples(journal);
            tuples.sort(Comparator.naturalOrder());
            assertEquals(List.of(
                "198.18.0.2:43000>198.18.0.1:8000/UDP=12@second",
                "198.18.0.2:43001>198.18.0.1:8001/UDP=12@second",
                "198.18.0.2:43002>198.18.0.1:8002/UDP=12@second"), tuples);
        }
    }

    @Test
    void sighupAppliesAChangedMinConfidence() throws Exception
    {
        try (VethPair pair = VethPair.create())
        {
            final Path model = TestModels.write(dir.resolve("model"), 32, 15, "gated");
            // Starts with every block below the threshold (no top score of the fixed-weight model reaches 1).
            final Path config = LiveSensorVethTest.writeConfig(dir, pair, model,
                "metrics:\n  enabled: false\nflowpic:\n  min-confidence: 1");
            try (SensorProcess sensor = SensorProcess.start(SensorProcess.javaCommand(null, "run", "--config",
                config.toString())))
            {
                sensor.awaitOutput("capturing on " + pair.hostEnd, 60);
                pair.replayFromNamespace(LiveSensorVethTest.udpFlowCapture(dir.resolve("a.pcap"), 44000, 9000, 12), 500);
                LiveSensorVethTest.writeConfig(dir, pair, model, "metrics:\n  enabled: false\nflowpic:\n  min-confidence: 0");
                sensor.signal("HUP");
                sensor.awaitOutput("reload: model gated loaded", 60);
                Thread.sleep(300);
                sensor.signal("TERM");
                assertEquals(0, sensor.awaitExit(30), sensor.output());
                assertTrue(!sensor.output().contains("need a restart"), sensor.output());
            }
            // The block is journaled at shutdown, after the reload: with its top class, under the old threshold.
            final List<LabelRecord> records = LiveSensorVethTest.journal(dir.resolve("journal"));
            assertEquals(1, records.size());
            assertTrue(records.get(0).confidence < 1f, "min-confidence 1 would have made it unknown");
            assertTrue(TestModels.LABELS.contains(records.get(0).label), records.get(0).label);
        }
    }

    @Test
    void configAndStartupErrorsExitNonZeroNamingTheProblem() throws Exception
    {
        final Path model = TestModels.write(dir.resolve("model"), 32, 15, "errors");
        final Path unknownKey = dir.resolve("unknown.yaml");
        Files.writeString(unknownKey, "capture:\n  interfaces: eth0\n");
        final Path wrongType = dir.resolve("type.yaml");
        Files.writeString(wrongType, "inference:\n  batch-size: many\n");
        assertFails(List.of("run", "--config", unknownKey.toString()), "unknown key 'capture.interfaces'");
        assertFails(List.of("run", "--config", wrongType.toString()), "'inference.batch-size'");
        assertFails(List.of("run", "--model", dir.resolve("missing-model").toString(), "--interface", "lo",
            "--journal", dir.resolve("j1").toString()), "missing-model");
        if ("root".equals(System.getProperty("user.name")))
        {
            assertFails(List.of("run", "--model", model.toString(), "--interface", "nosuchif0", "--journal",
                dir.resolve("j2").toString()), "nosuchif0");
        }
    }

    private static void assertFails(final List<String> args, final String expected) throws Exception
    {
        try (SensorProcess process = SensorProcess.start(SensorProcess.javaCommand(null, args.toArray(new String[0]))))
        {
            final int exit = process.awaitExit(60);
            assertTrue(exit != 0, "expected failure for " + args + "; output:\n" + process.output());
            assertTrue(process.output().contains(expected), "expected '" + expected + "' in:\n" + process.output());
        }
    }

    private static void deleteRecursively(final Path path) throws Exception
    {
        try (Stream<Path> walk = Files.walk(path))
        {
            for (final Path p : walk.sorted(Comparator.reverseOrder()).toList())
            {
                Files.delete(p);
            }
        }
    }
}

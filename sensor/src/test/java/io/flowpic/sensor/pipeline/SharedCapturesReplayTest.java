package io.flowpic.sensor.pipeline;

import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.sensor.cli.Main;
import io.flowpic.sensor.journal.JournalReader;
import io.flowpic.sensor.journal.LabelRecord;
import io.flowpic.sensor.config.ConfigLoader;
import io.flowpic.sensor.config.SensorConfig;
import io.flowpic.sensor.testing.SharedData;
import io.flowpic.sensor.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every real capture in ../shared/data/pcap/ndpi replays cleanly through the whole pipeline. */
class SharedCapturesReplayTest
{
    @TempDir
    Path dir;

    private static List<Path> captures() throws Exception
    {
        try (Stream<Path> files = Files.list(SharedData.ndpiCaptures()))
        {
            return files.filter(p -> p.toString().matches(".*\\.(pcap|pcapng|cap)$")).sorted().toList();
        }
    }

    @Test
    void everyCaptureReplaysWithoutErrorAndCountsAddUp() throws Exception
    {
        final List<Path> captures = captures();
        assertTrue(captures.size() > 200, "expected the nDPI corpus, found " + captures.size());
        final Path model = TestModels.write(dir.resolve("model"), 32, 15, "ndpi-fixed");
        final List<String> failures = new ArrayList<>();
        long packets = 0;
        // Small tables: 255 pipelines with the production sizes would spend the test zeroing memory.
        final Path small = dir.resolve("small.yaml");
        Files.writeString(small, "capture:\n  ring-buffer-mb: 4\nflow-table:\n  max-flows: 65536\n" +
            "  max-open-packets: 1000000\ninference:\n  queue-size: 256\n");
        final SensorConfig base = new ConfigLoader().load(small);
        try (FlowPicClassifier classifier = FlowPicClassifier.load(model))
        {
            int index = 0;
            for (final Path capture : captures)
            {
                final SensorConfig config = base.withJournalPath(dir.resolve("journal-" + index++).toString());
                final StringWriter warnings = new StringWriter();
                final ReplayPipeline pipeline = new ReplayPipeline(config, classifier, new PrintWriter(warnings));
                try
                {
                    final ReplaySummary summary = pipeline.run(List.of(capture));
                    if (!pipeline.fileErrors().isEmpty())
                    {
                        failures.add(capture.getFileName() + ": " + pipeline.fileErrors());
                    }
                    final long accounted = summary.decoded() +
                        summary.malformed().values().stream().mapToLong(Long::longValue).sum() +
                        summary.skipped().values().stream().mapToLong(Long::longValue).sum();
                    if (accounted != summary.packets())
                    {
                        failures.add(capture.getFileName() + ": packets " + summary.packets() +
                            " != decoded + malformed + skipped " + accounted);
                    }
                    packets += summary.packets();
                }
                catch (final Exception ex)
                {
                    failures.add(capture.getFileName() + ": " + ex);
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertTrue(packets > 40_000, "the corpus holds ~50k packets, read " + packets);
    }

    @Test
    void theCliReplaysTheWholeCorpusInOneRunWithExitZero() throws Exception
    {
        final List<String> args = new ArrayList<>(List.of("replay", "--model",
            TestModels.write(dir.resolve("model-cli"), 32, 15, "ndpi-cli").toString(),
            "--journal", dir.resolve("journal-cli").toString(), "--summary", "json"));
        captures().forEach(p -> args.add(p.toString()));
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(new String[0])),
            err.toString());
        assertTrue(out.toString().contains("\"blocks_classified\""), out.toString());

        // Real captures have out-of-order and spliced timestamps; a second replay must still match.
        final int journalArg = args.indexOf("--journal") + 1;
        args.set(journalArg, dir.resolve("journal-cli-2").toString());
        assertEquals(0, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err),
            args.toArray(new String[0])), err.toString());
        final List<String> first = records(dir.resolve("journal-cli"));
        final List<String> second = records(dir.resolve("journal-cli-2"));
        assertTrue(first.size() > 100, "records: " + first.size());
        assertEquals(first, second);
    }

    private static List<String> records(final Path journal) throws Exception
    {
        final List<String> lines = new ArrayList<>();
        try (JournalReader reader = new JournalReader(journal))
        {
            for (final LabelRecord r : reader.readAll())
            {
                lines.add(r.srcIp() + ":" + r.srcPort + ">" + r.dstIp() + ":" + r.dstPort + "/" + r.protocol + " " +
                    r.startNanos + " " + r.packets + " " + r.bytes + " " + r.label + " " +
                    java.util.Arrays.toString(r.scores));
            }
        }
        return lines;
    }
}

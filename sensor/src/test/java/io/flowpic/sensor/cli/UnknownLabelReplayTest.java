package io.flowpic.sensor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowpic.sensor.journal.JournalReader;
import io.flowpic.sensor.journal.LabelRecord;
import io.flowpic.sensor.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * flowpic.min-confidence end to end: real captures replayed with the default model into a real journal, once without
 * the threshold and once with it. The second journal has the same records with the same scores, labelled unknown
 * exactly where the top score is below the threshold; journal tail and the ECS JSON exporter carry unknown.
 */
class UnknownLabelReplayTest
{
    private static final List<String> CAPTURES = List.of("1kxun.pcap", "alexa-app.pcapng", "instagram.pcap",
        "KakaoTalk_talk.pcap", "443-firefox.pcap", "bittorrent.pcap");

    @TempDir
    Path dir;

    @Test
    void blocksBelowTheThresholdAreJournaledAndExportedAsUnknownWithEveryScore() throws Exception
    {
        final Path captures = SharedData.ndpiCaptures();
        final List<String> files = new ArrayList<>();
        for (final String name : CAPTURES)
        {
            files.add(captures.resolve(name).toString());
        }
        final Path off = dir.resolve("journal-off");
        run("replay", withFiles(files, "--model", "default", "--journal", off.toString()));
        final List<LabelRecord> plain = read(off);
        assertTrue(plain.size() >= 20, "records without threshold: " + plain.size());
        final float[] confidences = new float[plain.size()];
        for (int i = 0; i < confidences.length; i++)
        {
            confidences[i] = plain.get(i).confidence;
        }
        Arrays.sort(confidences);
        // A threshold between two observed confidences near the median: both kinds of record are certain to exist.
        int mid = confidences.length / 2;
        while (mid < confidences.length - 1 && confidences[mid] == confidences[mid - 1])
        {
            mid++;
        }
        final double threshold = (confidences[mid - 1] + (double)confidences[mid]) / 2;
        final Path config = Files.writeString(dir.resolve("flowpic.yaml"),
            String.format(Locale.ROOT, "flowpic:\n  min-confidence: %.9f\n", threshold));

        final Path on = dir.resolve("journal-on");
        final String summary = run("replay", withFiles(files, "--config", config.toString(), "--model", "default",
            "--journal", on.toString(), "--summary", "json"));
        final List<LabelRecord> gated = read(on);
        assertEquals(plain.size(), gated.size());
        int unknown = 0;
        for (int i = 0; i < plain.size(); i++)
        {
            final LabelRecord a = plain.get(i);
            final LabelRecord b = gated.get(i);
            assertEquals(a.startNanos, b.startNanos);
            assertEquals(a.srcPort, b.srcPort);
            assertArrayEquals(a.scores, b.scores, "every score is still recorded");
            assertArrayEquals(a.scoreLabels, b.scoreLabels);
            assertEquals(a.confidence, b.confidence);
            if (a.confidence < threshold)
            {
                assertEquals("unknown", b.label, "record " + i + " confidence " + a.confidence);
                unknown++;
            }
            else
            {
                assertEquals(a.label, b.label, "record " + i + " confidence " + a.confidence);
            }
        }
        assertTrue(unknown > 0 && unknown < plain.size(), unknown + " of " + plain.size());
        assertEquals(unknown, new ObjectMapper().readTree(summary).at("/labels/unknown").asInt(), summary);

        final String tail = run("journal", "tail", "--journal", on.toString(), "--format", "json");
        int tailUnknown = 0;
        for (final String line : tail.split("\n"))
        {
            final JsonNode doc = new ObjectMapper().readTree(line);
            if (doc.get("label").asText().equals("unknown"))
            {
                tailUnknown++;
                assertEquals(plain.get(0).scoreLabels.length, doc.get("scores").size(), line);
            }
        }
        assertEquals(unknown, tailUnknown);

        final Path ecs = dir.resolve("labels.ndjson");
        run("export", "--journal", on.toString(), "--to", "json:" + ecs, "--once");
        int ecsUnknown = 0;
        final List<String> lines = Files.readAllLines(ecs);
        assertEquals(gated.size(), lines.size());
        for (final String line : lines)
        {
            final JsonNode doc = new ObjectMapper().readTree(line);
            if (doc.at("/flowpic/label").asText().equals("unknown"))
            {
                ecsUnknown++;
                assertEquals(plain.get(0).scoreLabels.length, doc.at("/flowpic/scores").size(), line);
                assertTrue(doc.at("/flowpic/confidence").asDouble() < threshold, line);
            }
        }
        assertEquals(unknown, ecsUnknown);
    }

    private static String[] withFiles(final List<String> files, final String... options)
    {
        final List<String> args = new ArrayList<>(List.of(options));
        args.addAll(files);
        return args.toArray(new String[0]);
    }

    private static String run(final String command, final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final List<String> all = new ArrayList<>();
        all.add(command);
        all.addAll(List.of(args));
        assertEquals(0, Main.run(new PrintWriter(out), new PrintWriter(err), all.toArray(new String[0])),
            all + ": " + err);
        return out.toString();
    }

    private static List<LabelRecord> read(final Path journal) throws Exception
    {
        try (JournalReader reader = new JournalReader(journal))
        {
            return reader.readAll();
        }
    }
}

package io.flowpic.sensor.export;

import io.flowpic.sensor.cli.Main;
import io.flowpic.sensor.testing.SensorProcess;
import io.flowpic.sensor.testing.TestJournals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An exporter killed with SIGKILL mid-stream and started again: no record missing, duplicates bounded and counted. */
class ExportRestartTest
{
    private static final int RECORDS = 200_000;
    private static final Pattern SPORT = Pattern.compile("\"source\":\\{\"ip\":\"([^\"]+)\",\"port\":(\\d+)");
    private static final Pattern START = Pattern.compile("\"start\":\"([^\"]+)\"");

    @TempDir
    Path dir;

    @Test
    void killedMidStreamResumesWithoutAGap() throws Exception
    {
        final Path journal = dir.resolve("journal");
        TestJournals.append(journal, 0, RECORDS);
        final Path config = dir.resolve("flowpic.yaml");
        final Path out = dir.resolve("labels.ndjson");
        Files.writeString(config, "journal:\n  path: " + journal + "\nexport:\n  - to: json:" + out +
            "\n    name: crash\n    max-size-mb: 4096\n");

        long linesAtKill;
        try (SensorProcess exporter = SensorProcess.start(SensorProcess.javaCommand(null, "export", "--config",
            config.toString())))
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((!Files.exists(out) || Files.size(out) < 4 << 20) && System.nanoTime() < deadline)
            {
                Thread.sleep(2);
            }
            Runtime.getRuntime().exec(new String[] {"kill", "-9", Long.toString(exporter.pid())}).waitFor();
            exporter.awaitExit(30);
        }
        linesAtKill = countLines(out);
        assertTrue(linesAtKill > 0 && linesAtKill < RECORDS,
            "the kill must land mid-stream: " + linesAtKill + " of " + RECORDS + " lines were out");

        final StringWriter err = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "export", "--config",
            config.toString(), "--once"));
        final Matcher resentText = Pattern.compile("(\\d+) records sent \\((\\d+) sent again").matcher(err.toString());
        assertTrue(resentText.find(), err.toString());
        final long resent = Long.parseLong(resentText.group(2));

        final Map<String, Integer> seen = new HashMap<>();
        int torn = 0;
        try (BufferedReader reader = Files.newBufferedReader(out))
        {
            for (String line = reader.readLine(); line != null; line = reader.readLine())
            {
                if (!line.endsWith("}}"))
                {
                    // SIGKILL can cut the write in flight short: that line stays torn, on a line of its own.
                    torn++;
                    continue;
                }
                final Matcher port = SPORT.matcher(line);
                final Matcher start = START.matcher(line);
                assertTrue(port.find() && start.find() && line.startsWith("{\"@timestamp\""),
                    "not a whole document: " + line);
                seen.merge(port.group(1) + ":" + port.group(2) + "@" + start.group(1), 1, Integer::sum);
            }
        }
        assertTrue(torn <= 1, torn + " torn lines; only the write cut by the kill may be");
        assertEquals(RECORDS, seen.size(), "records missing after the restart");
        final long duplicates = seen.values().stream().mapToLong(n -> n - 1).sum();
        assertTrue(duplicates <= resent, duplicates + " duplicates, but the restart counted only " + resent +
            " records sent again");
        // At most what one write buffer (64 KiB, ~85 documents) holds can be out without its position saved.
        assertTrue(resent <= 100, "resent " + resent + " records; at most one buffer's worth may be in doubt");
    }

    /** Without --once the exporter follows the journal as another process appends, until SIGTERM (exit 0). */
    @Test
    void followsTheJournalUntilSigterm() throws Exception
    {
        final Path journal = dir.resolve("journal");
        TestJournals.append(journal, 0, 10);
        final Path out = dir.resolve("follow.ndjson");
        try (SensorProcess exporter = SensorProcess.start(SensorProcess.javaCommand(null, "export", "--journal",
            journal.toString(), "--to", "json:" + out)))
        {
            exporter.awaitOutput("exporting to json:" + out, 60);
            awaitLines(out, 10);
            TestJournals.append(journal, 10, 25);
            awaitLines(out, 35);
            exporter.signal("TERM");
            assertEquals(0, exporter.awaitExit(30), exporter.output());
            assertTrue(exporter.output().contains("35 records sent (0 sent again"), exporter.output());
        }
        assertEquals(35, countLines(out));
    }

    private static void awaitLines(final Path file, final long lines) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!(Files.exists(file) && countLines(file) >= lines) && System.nanoTime() < deadline)
        {
            Thread.sleep(50);
        }
        assertEquals(lines, countLines(file), "lines in " + file);
    }

    private static long countLines(final Path file) throws Exception
    {
        try (var lines = Files.lines(file))
        {
            return lines.count();
        }
    }
}

package io.flowpic.sensor.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowpic.sensor.cli.Main;
import io.flowpic.sensor.journal.JournalReader;
import io.flowpic.sensor.journal.LabelRecord;
import io.flowpic.sensor.testing.TestJournals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code flowpic export --to json:FILE} on a real journal: ECS documents, saved position, rotation. */
class JsonExportTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void everyRecordBecomesOneEcsDocumentAndTheSavedPositionSendsNothingTwice() throws Exception
    {
        final Path journal = dir.resolve("journal");
        TestJournals.append(journal, 0, 300);
        final Path out = dir.resolve("labels.ndjson");

        assertEquals(0, export("--journal", journal.toString(), "--to", "json:" + out, "--once"));
        final List<JsonNode> docs = read(out);
        final List<LabelRecord> records;
        try (JournalReader reader = new JournalReader(journal))
        {
            records = reader.readAll();
        }
        assertEquals(300, records.size());
        assertEquals(records.size(), docs.size());
        final CommunityId communityId = new CommunityId(0);
        for (int i = 0; i < records.size(); i++)
        {
            assertDocument(records.get(i), communityId.of(records.get(i)), docs.get(i));
        }

        // Same name: nothing new to send. More records: only those.
        assertEquals(0, export("--journal", journal.toString(), "--to", "json:" + out, "--once"));
        assertEquals(300, read(out).size());
        TestJournals.append(journal, 300, 50);
        assertEquals(0, export("--journal", journal.toString(), "--to", "json:" + out, "--once"));
        final List<JsonNode> after = read(out);
        assertEquals(350, after.size());
        assertEquals(uniqueKeys(after).size(), 350, "a record was written twice");

        // --from-start forgets the position; another --name keeps its own.
        assertEquals(0, export("--journal", journal.toString(), "--to", "json:" + out, "--once", "--from-start"));
        assertEquals(700, read(out).size());
        final Path other = dir.resolve("other.ndjson");
        assertEquals(0, export("--journal", journal.toString(), "--to", "json:" + other, "--once", "--name", "siem"));
        assertEquals(350, read(other).size());
        assertTrue(Files.exists(Exporters.positionsDirectory(journal).resolve("siem" + ExportPosition.SUFFIX)));
    }

    @Test
    void rotationKeepsAtMostMaxFilesAndLosesNoLineOfTheNewest() throws Exception
    {
        final Path journal = dir.resolve("journal");
        TestJournals.append(journal, 0, 6000);
        final Path out = dir.resolve("labels.ndjson");
        final Path config = dir.resolve("flowpic.yaml");
        Files.writeString(config, "journal:\n  path: " + journal + "\nexport:\n  - to: json:" + out +
            "\n    max-size-mb: 1\n    max-files: 2\n");

        assertEquals(0, export("--config", config.toString(), "--once"));
        try (var files = Files.list(dir))
        {
            final List<String> names = files.map(p -> p.getFileName().toString())
                .filter(n -> n.startsWith("labels.ndjson")).sorted().toList();
            assertEquals(List.of("labels.ndjson", "labels.ndjson.1", "labels.ndjson.2"), names);
        }
        final List<JsonNode> kept = new ArrayList<>();
        for (final String name : new String[] {"labels.ndjson.2", "labels.ndjson.1", "labels.ndjson"})
        {
            assertTrue(Files.size(dir.resolve(name)) <= 1 << 20, name + " is larger than max-size-mb");
            kept.addAll(read(dir.resolve(name)));
        }
        // The kept files hold the newest records, contiguous up to the last one.
        final int last = 5999;
        for (int k = 0; k < kept.size(); k++)
        {
            final int expected = last - (kept.size() - 1 - k);
            assertEquals(TestJournals.record(expected).srcPort, kept.get(k).at("/source/port").asInt(), "line " + k);
            assertEquals(EcsDocument.iso(TestJournals.record(expected).startNanos), kept.get(k).at("/event/start").asText());
        }
        assertTrue(kept.size() > 3000, "three files of 1 MiB hold more than " + kept.size() + " records");
    }

    /** Renaming a FIFO (or a device such as /dev/null) would replace it: only regular files rotate. */
    @Test
    void aFifoIsWrittenButNeverRotated() throws Exception
    {
        final Path journal = dir.resolve("journal");
        TestJournals.append(journal, 0, 3000);
        final Path fifo = dir.resolve("labels.fifo");
        io.flowpic.sensor.testing.Shell.run(10, "mkfifo", fifo.toString());
        final long[] lines = new long[1];
        final Thread drain = new Thread(() ->
        {
            try (var in = Files.newBufferedReader(fifo))
            {
                while (in.readLine() != null)
                {
                    lines[0]++;
                }
            }
            catch (final Exception ex)
            {
                lines[0] = -1;
            }
        });
        drain.start();
        final Path config = dir.resolve("flowpic.yaml");
        Files.writeString(config, "journal:\n  path: " + journal + "\nexport:\n  - to: json:" + fifo +
            "\n    max-size-mb: 1\n    max-files: 2\n");
        assertEquals(0, export("--config", config.toString(), "--once"));
        drain.join(30_000);
        assertEquals(3000, lines[0], "lines read from the FIFO");
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo), "the FIFO is still a FIFO");
        assertFalse(Files.exists(dir.resolve("labels.fifo.1")), "a FIFO was rotated");
    }

    @Test
    void badDestinationsAreUsageErrorsNamingTheProblem() throws Exception
    {
        final Path journal = dir.resolve("journal");
        TestJournals.append(journal, 0, 1);
        final StringWriter err = new StringWriter();
        assertEquals(2, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "export", "--journal",
            journal.toString(), "--to", "ipfix://10.0.0.1:4739", "--once"));
        assertTrue(err.toString().contains("IPFIX needs a transport"), err.toString());
        final StringWriter err2 = new StringWriter();
        assertEquals(2, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err2), "export", "--journal",
            journal.toString(), "--to", "kafka://127.0.0.1:9092", "--once"));
        assertTrue(err2.toString().contains("needs a topic"), err2.toString());
        final StringWriter err3 = new StringWriter();
        assertEquals(1, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err3), "export", "--journal",
            dir.resolve("absent").toString(), "--to", "json:-", "--once"));
        assertTrue(err3.toString().contains("no journal at"), err3.toString());
    }

    static void assertDocument(final LabelRecord record, final String communityId, final JsonNode doc)
    {
        assertEquals(Instant.ofEpochSecond(0, record.endNanos).toEpochMilli(),
            Instant.parse(doc.get("@timestamp").asText()).toEpochMilli());
        assertEquals("event", doc.at("/event/kind").asText());
        assertEquals("[\"network\"]", doc.at("/event/category").toString());
        assertEquals("[\"connection\",\"info\"]", doc.at("/event/type").toString());
        assertEquals(Instant.ofEpochSecond(0, record.startNanos).toEpochMilli(),
            Instant.parse(doc.at("/event/start").asText()).toEpochMilli());
        assertEquals(Instant.ofEpochSecond(0, record.endNanos).toEpochMilli(),
            Instant.parse(doc.at("/event/end").asText()).toEpochMilli());
        assertEquals(record.endNanos - record.startNanos, doc.at("/event/duration").asLong());
        assertEquals(record.srcIp(), doc.at("/source/ip").asText());
        assertEquals(record.srcPort, doc.at("/source/port").asInt());
        assertEquals(record.packets, doc.at("/source/packets").asInt());
        assertEquals(record.bytes, doc.at("/source/bytes").asLong());
        assertEquals(record.dstIp(), doc.at("/destination/ip").asText());
        assertEquals(record.dstPort, doc.at("/destination/port").asInt());
        assertEquals(record.protocol == 6 ? "tcp" : "udp", doc.at("/network/transport").asText());
        assertEquals(Integer.toString(record.protocol), doc.at("/network/iana_number").asText());
        assertEquals(communityId, doc.at("/network/community_id").asText());
        assertFalse(doc.at("/observer/hostname").asText().isEmpty());
        assertEquals("sensor", doc.at("/observer/type").asText());
        assertEquals(record.label, doc.at("/flowpic/label").asText());
        assertEquals(record.confidence, doc.at("/flowpic/confidence").floatValue());
        assertEquals(record.modelId, doc.at("/flowpic/model").asText());
        for (int k = 0; k < record.scores.length; k++)
        {
            assertEquals(record.scores[k], doc.at("/flowpic/scores/" + record.scoreLabels[k]).floatValue());
        }
        doc.fieldNames().forEachRemaining(name -> assertFalse(name.contains(".") && !name.equals("@timestamp"),
            "dotted key " + name));
    }

    static List<JsonNode> read(final Path file) throws Exception
    {
        final List<JsonNode> docs = new ArrayList<>();
        for (final String line : Files.readAllLines(file))
        {
            docs.add(JSON.readTree(line));
        }
        return docs;
    }

    private static Set<String> uniqueKeys(final List<JsonNode> docs)
    {
        final Set<String> keys = new HashSet<>();
        docs.forEach(d -> keys.add(d.at("/source/ip").asText() + d.at("/source/port") + d.at("/event/start")));
        return keys;
    }

    private static int export(final String... args)
    {
        final String[] full = new String[args.length + 1];
        full[0] = "export";
        System.arraycopy(args, 0, full, 1, args.length);
        final StringWriter err = new StringWriter();
        final int exit = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), full);
        if (exit != 0)
        {
            System.err.println(err);
        }
        return exit;
    }
}

package io.flowpic.sensor.export.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowpic.sensor.export.ExportCounters;
import io.flowpic.sensor.export.ExportSink;
import io.flowpic.sensor.journal.LabelRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kafka sink against a real broker (one KRaft node in a child JVM on 127.0.0.1): delivery and content,
 * an outage with the broker stopped and restarted on its own log directory, and a send failing for good.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KafkaBrokerExportTest
{
    /** Short timeouts so an outage shows as failed sends within seconds. */
    private static final Map<String, String> FAST_FAILURE = Map.of(
        "delivery.timeout.ms", "4000",
        "request.timeout.ms", "1500",
        "max.block.ms", "3000",
        "retry.backoff.ms", "100",
        "reconnect.backoff.max.ms", "500");

    @TempDir
    static Path dir;
    private static LocalKafkaBroker broker;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void startBroker() throws IOException, InterruptedException
    {
        final long start = System.nanoTime();
        broker = new LocalKafkaBroker(dir);
        broker.start();
        System.out.printf("kafka broker formatted and started in %d ms%n", millisSince(start));
    }

    @AfterAll
    static void stopBroker() throws InterruptedException
    {
        if (broker != null)
        {
            broker.close();
        }
    }

    @Test
    void everyRecordArrivesWithItsDocumentAndKey() throws Exception
    {
        final String topic = "labels-delivery";
        createTopic(topic);
        final int count = 3000;
        final ExportCounters counters = KafkaTestRecords.counters();
        try (KafkaExportSink sink = sink(topic, Map.of(), 256, counters))
        {
            final Agent agent = new Agent(sink, count);
            assertTrue(agent.runUntil(() -> sink.acceptedIndex() == count - 1, 60_000),
                "accepted " + sink.acceptedIndex());
            assertTrue(sink.flush(TimeUnit.SECONDS.toNanos(5)));
            assertEquals(count - 1, sink.acceptedIndex());
            assertEquals(count, counters.recordsSent.get());
            assertEquals(0, counters.errors.get(), counters.lastError());
            assertEquals(0, agent.rewinds);
        }

        final List<ConsumerRecord<String, String>> messages = readAll(topic);
        assertEquals(count, messages.size(), "exactly once without failures (idempotent producer)");
        final Map<Long, LabelRecord> byId = new HashMap<>();
        for (int i = 0; i < count; i++)
        {
            byId.put(1000L + i, KafkaTestRecords.record(i));
        }
        final Map<String, Long> lastIdOfKey = new HashMap<>();
        for (final ConsumerRecord<String, String> message : messages)
        {
            final JsonNode doc = JSON.readTree(message.value());
            final long id = doc.at("/source/bytes").asLong();
            final LabelRecord record = byId.remove(id);
            assertNotNull(record, "unexpected or repeated record " + id);
            final String communityId = KafkaTestRecords.document().communityId(record);
            assertEquals(communityId, message.key());
            assertEquals(communityId, doc.at("/network/community_id").asText());
            assertEquals(record.srcIp(), doc.at("/source/ip").asText());
            assertEquals(record.srcPort, doc.at("/source/port").asInt());
            assertEquals(record.dstIp(), doc.at("/destination/ip").asText());
            assertEquals(record.dstPort, doc.at("/destination/port").asInt());
            assertEquals(record.protocol == 6 ? "tcp" : "udp", doc.at("/network/transport").asText());
            assertEquals(record.label, doc.at("/flowpic/label").asText());
            assertEquals(record.packets, doc.at("/source/packets").asInt());
            assertEquals(KafkaTestRecords.HOST, doc.at("/observer/hostname").asText());
            // A conversation's blocks: one partition, in journal order.
            final Long previous = lastIdOfKey.put(message.key() + "@" + message.partition(), id);
            assertTrue(previous == null || previous < id, "order of " + message.key());
        }
        assertTrue(byId.isEmpty(), byId.size() + " records missing");
        assertEquals(50, lastIdOfKey.size(), "each conversation in exactly one partition");
        assertEquals(3, messages.stream().map(ConsumerRecord::partition).distinct().count(), "keys spread");
    }

    @Test
    void brokerRestartLosesNothing() throws Exception
    {
        final String topic = "labels-outage";
        createTopic(topic);
        final int count = 3000;
        final ExportCounters counters = KafkaTestRecords.counters();
        try (KafkaExportSink sink = sink(topic, FAST_FAILURE, 200, counters))
        {
            final Agent agent = new Agent(sink, count);
            assertTrue(agent.runUntil(() -> sink.acceptedIndex() >= count / 3, 60_000));
            final long beforeOutage = sink.acceptedIndex();

            final long down = System.nanoTime();
            broker.stop();
            assertTrue(agent.runUntil(() -> counters.errors.get() > 0 && agent.rewinds > 0, 30_000),
                "failed sends counted while the broker is down");
            assertTrue(sink.acceptedIndex() >= beforeOutage && sink.acceptedIndex() < count - 1);
            broker.start();
            System.out.printf("broker down for %d ms; %d errors, %d rewinds so far%n", millisSince(down),
                counters.errors.get(), agent.rewinds);

            assertTrue(agent.runUntil(() -> sink.acceptedIndex() == count - 1, 90_000),
                "accepted " + sink.acceptedIndex() + ", last error " + counters.lastError());
            assertTrue(sink.flush(TimeUnit.SECONDS.toNanos(5)));
            assertTrue(agent.monotonic, "acceptedIndex never went back");
        }

        final List<ConsumerRecord<String, String>> messages = readAll(topic);
        final TreeSet<Long> ids = new TreeSet<>();
        for (final ConsumerRecord<String, String> message : messages)
        {
            ids.add(JSON.readTree(message.value()).at("/source/bytes").asLong());
        }
        assertEquals(count, ids.size(), "every record arrived");
        assertEquals(1000L, ids.first());
        assertEquals(1000L + count - 1, ids.last());
        System.out.printf("outage: %d messages for %d records (%d duplicates), %d errors%n", messages.size(), count,
            messages.size() - count, counters.errors.get());
    }

    @Test
    void aSendFailingForGoodRewindsToTheFailedRecord() throws Exception
    {
        final String topic = "labels-failure";
        createTopic(topic);
        final ExportCounters counters = KafkaTestRecords.counters();
        try (KafkaExportSink sink = sink(topic, FAST_FAILURE, 100, counters))
        {
            for (int i = 0; i < 10; i++)
            {
                assertTrue(sink.offer(KafkaTestRecords.record(i), i));
            }
            assertTrue(sink.flush(TimeUnit.SECONDS.toNanos(30)));
            assertEquals(9, sink.acceptedIndex());

            broker.stop();
            // Metadata is known, so the producer takes records without blocking, until the sink learns of a
            // failure (a stopping broker may already have failed one, e.g. when it stopped leading).
            int offered = 10;
            while (offered < 20 && sink.offer(KafkaTestRecords.record(offered), offered))
            {
                offered++;
            }
            System.out.printf("offered %d records during the outage; last error %s%n", offered - 10,
                counters.lastError());
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            boolean rewind = false;
            while (!rewind && System.nanoTime() < deadline)
            {
                sink.doWork(System.nanoTime());
                assertEquals(9, sink.acceptedIndex(), "nothing after the outage is accepted");
                rewind = sink.takeRewind();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            assertTrue(rewind, "a failed send asks for a rewind");
            assertFalse(sink.takeRewind(), "once");
            assertEquals(9, sink.acceptedIndex());
            assertTrue(counters.errors.get() > 0);
            assertTrue(counters.lastError().contains("kafka send to"), counters.lastError());
            assertEquals(0, sink.inFlight());

            // The agent re-reads from 10 once the broker is back.
            broker.start();
            final Agent agent = new Agent(sink, 20);
            agent.next = 10;
            assertTrue(agent.runUntil(() -> sink.acceptedIndex() == 19, 60_000),
                "accepted " + sink.acceptedIndex() + ", last error " + counters.lastError());
        }
        final TreeSet<Long> ids = new TreeSet<>();
        for (final ConsumerRecord<String, String> message : readAll(topic))
        {
            ids.add(JSON.readTree(message.value()).at("/source/bytes").asLong());
        }
        assertEquals(20, ids.size());
    }

    /** A stand-in for the ExportAgent: offers in journal order, rewinds when told. */
    private static final class Agent
    {
        private final ExportSink sink;
        private final List<LabelRecord> records = new ArrayList<>();
        long next;
        int rewinds;
        boolean monotonic = true;
        private long lastAccepted = ExportSink.NO_INDEX;

        Agent(final ExportSink sink, final int count)
        {
            this.sink = sink;
            for (int i = 0; i < count; i++)
            {
                records.add(KafkaTestRecords.record(i));
            }
        }

        boolean runUntil(final BooleanSupplier done, final long timeoutMs)
        {
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (!done.getAsBoolean())
            {
                if (System.nanoTime() > deadline)
                {
                    return false;
                }
                if (sink.takeRewind())
                {
                    rewinds++;
                    next = sink.acceptedIndex() + 1;
                }
                while (next < records.size() && sink.offer(records.get((int)next), next))
                {
                    next++;
                }
                sink.doWork(System.nanoTime());
                final long accepted = sink.acceptedIndex();
                monotonic &= accepted >= lastAccepted;
                lastAccepted = accepted;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            return true;
        }
    }

    private static KafkaExportSink sink(final String topic, final Map<String, String> overrides, final int window,
        final ExportCounters counters)
    {
        final KafkaOptions parsed = KafkaOptions.parse("kafka://" + broker.bootstrapServers() + "/" + topic, overrides);
        return new KafkaExportSink(
            new KafkaOptions(parsed.bootstrapServers(), parsed.topic(), parsed.producerOverrides(), window),
            KafkaTestRecords.document(), counters);
    }

    /**
     * As an operator runs it: {@code flowpic export --once} from a journal to the broker with producer settings
     * from the config; a second run sends nothing; with the broker down a run gives up with exit 1 and keeps
     * its position; after the restart the next run sends the rest. Nothing lost, nothing twice.
     */
    @Test
    void theExportCommandSendsTheJournalAndResumesAfterAnOutage() throws Exception
    {
        final String topic = "labels-cli";
        createTopic(topic);
        final Path journal = dir.resolve("cli-journal");
        io.flowpic.sensor.testing.TestJournals.append(journal, 0, 500);
        final String uri = "kafka://" + broker.bootstrapServers() + "/" + topic;
        final Path config = dir.resolve("cli.yaml");
        Files.writeString(config, "journal:\n  path: " + journal + "\nexport:\n  - to: " + uri +
            "\n    name: siem\n    producer: {linger.ms: \"20\", delivery.timeout.ms: \"4000\", " +
            "request.timeout.ms: \"1000\", max.block.ms: \"1000\"}\n");

        assertEquals(0, export("--config", config.toString(), "--once"));
        assertEquals(0, export("--config", config.toString(), "--once"));
        assertEquals(500, readAll(topic).size(), "the second run sent nothing again");

        io.flowpic.sensor.testing.TestJournals.append(journal, 500, 300);
        broker.stop();
        try
        {
            final StringWriter err = new StringWriter();
            assertEquals(1, io.flowpic.sensor.cli.Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err),
                "export", "--config", config.toString(), "--once", "--timeout", "3"));
            assertTrue(err.toString().contains("export incomplete"), err.toString());
        }
        finally
        {
            broker.start();
        }
        assertEquals(0, export("--config", config.toString(), "--once"));

        final List<ConsumerRecord<String, String>> messages = readAll(topic);
        final Map<String, String> keyOf = new HashMap<>();
        for (final ConsumerRecord<String, String> message : messages)
        {
            final JsonNode doc = JSON.readTree(message.value());
            keyOf.put(doc.at("/source/ip").asText() + ":" + doc.at("/source/port").asInt() + "@" +
                doc.at("/event/start").asText(), message.key());
        }
        final io.flowpic.sensor.export.CommunityId communityId = new io.flowpic.sensor.export.CommunityId(0);
        for (int i = 0; i < 800; i++)
        {
            final LabelRecord record = io.flowpic.sensor.testing.TestJournals.record(i);
            final String id = record.srcIp() + ":" + record.srcPort + "@" +
                io.flowpic.sensor.export.EcsDocument.iso(record.startNanos);
            assertTrue(keyOf.containsKey(id), "record " + i + " never reached Kafka");
            assertEquals(communityId.of(record), keyOf.get(id), "the key of record " + i);
        }
        assertEquals(800, keyOf.size());
        assertTrue(messages.size() - 800 <= 300, (messages.size() - 800) + " duplicates: more than the outage held");

        // An independent consumer (librdkafka's kcat, as operators use it) reads the same keys and documents.
        if (Files.isExecutable(Path.of("/usr/bin/kcat")))
        {
            final String out = io.flowpic.sensor.testing.Shell.run(60, "kcat", "-C", "-b", broker.bootstrapServers(),
                "-t", topic, "-e", "-q", "-f", "%k\t%s\n");
            final String[] lines = out.strip().split("\n");
            assertEquals(messages.size(), lines.length, "messages kcat read");
            for (final String line : lines)
            {
                final String[] keyValue = line.split("\t", 2);
                final JsonNode doc = JSON.readTree(keyValue[1]);
                assertEquals(doc.at("/network/community_id").asText(), keyValue[0]);
                assertEquals(keyOf.get(doc.at("/source/ip").asText() + ":" + doc.at("/source/port").asInt() + "@" +
                    doc.at("/event/start").asText()), keyValue[0]);
            }
        }
        else
        {
            System.out.println("kcat not installed (apt-get install kcat): independent consumer check skipped");
        }
    }

    private static int export(final String... args)
    {
        final String[] full = new String[args.length + 1];
        full[0] = "export";
        System.arraycopy(args, 0, full, 1, args.length);
        final StringWriter err = new StringWriter();
        final int exit = io.flowpic.sensor.cli.Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), full);
        if (exit != 0)
        {
            System.err.println(err);
        }
        return exit;
    }

    private static void createTopic(final String topic) throws Exception
    {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers())))
        {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short)1))).all().get(60, TimeUnit.SECONDS);
            // Created is not yet served: a send before every partition has a leader can wait out its delivery
            // timeout on a loaded machine (seen once in CI), which is an outage the delivery test does not mean.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true)
            {
                final org.apache.kafka.clients.admin.TopicDescription description =
                    admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
                if (description.partitions().size() == 3 &&
                    description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()))
                {
                    break;
                }
                assertTrue(System.nanoTime() < deadline, "partitions of " + topic + " without a leader: " + description);
                Thread.sleep(100);
            }
        }
    }

    /** Every message of the topic, up to its end offsets now. */
    private static List<ConsumerRecord<String, String>> readAll(final String topic)
    {
        final Map<String, Object> config = Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        final List<ConsumerRecord<String, String>> messages = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config))
        {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)))
            {
                assertTrue(System.nanoTime() < deadline, "reading " + topic + " timed out");
                consumer.poll(Duration.ofMillis(500)).forEach(messages::add);
            }
        }
        return messages;
    }

    private static long millisSince(final long startNanos)
    {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}

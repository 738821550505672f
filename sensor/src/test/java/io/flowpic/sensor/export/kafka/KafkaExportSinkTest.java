package io.flowpic.sensor.export.kafka;

import io.flowpic.sensor.export.ExportCounters;
import io.flowpic.sensor.export.ExportSink;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The acknowledgement bookkeeping, with callbacks completed by hand in any order (no broker). */
class KafkaExportSinkTest
{
    /** Keeps each send's callback for the test to complete. */
    static class HandProducer extends MockProducer<byte[], byte[]>
    {
        final List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        final List<Callback> callbacks = new ArrayList<>();

        HandProducer()
        {
            super(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public synchronized Future<RecordMetadata> send(final ProducerRecord<byte[], byte[]> record,
            final Callback callback)
        {
            records.add(record);
            callbacks.add(callback);
            return new CompletableFuture<>();
        }

        void ack(final int send)
        {
            callbacks.get(send).onCompletion(new RecordMetadata(new TopicPartition("t", 0), send, 0, 0, 0, 0), null);
        }

        void fail(final int send, final Exception ex)
        {
            callbacks.get(send).onCompletion(null, ex);
        }
    }

    private final HandProducer producer = new HandProducer();
    private final ExportCounters counters = KafkaTestRecords.counters();
    private final KafkaExportSink sink = new KafkaExportSink(
        new KafkaOptions("127.0.0.1:1", "t", Map.of(), 4), KafkaTestRecords.document(), counters, producer);

    @Test
    void advancesOverTheAcknowledgedPrefixOnly()
    {
        for (int i = 0; i < 4; i++)
        {
            assertTrue(sink.offer(KafkaTestRecords.record(i), 100 + i));
        }
        assertFalse(sink.offer(KafkaTestRecords.record(4), 104), "window of 4 is full");
        assertEquals(ExportSink.NO_INDEX, sink.acceptedIndex());

        producer.ack(1);
        producer.ack(2);
        assertEquals(ExportSink.NO_INDEX, sink.acceptedIndex(), "record 100 is not acknowledged yet");
        assertFalse(sink.flush(1_000_000), "flush times out while 100 waits");
        producer.ack(0);
        assertEquals(3, sink.doWork(System.nanoTime()));
        assertEquals(102, sink.acceptedIndex());
        assertEquals(3, counters.recordsSent.get());
        assertTrue(sink.offer(KafkaTestRecords.record(4), 104));
        producer.ack(4);
        producer.ack(3);
        assertTrue(sink.flush(1_000_000));
        assertEquals(104, sink.acceptedIndex());
        assertFalse(sink.takeRewind());
        assertEquals(0, counters.errors.get());
    }

    @Test
    void keyIsTheCommunityIdAndValueTheDocument()
    {
        sink.offer(KafkaTestRecords.record(7), 0);
        final ProducerRecord<byte[], byte[]> sent = producer.records.get(0);
        final String communityId = KafkaTestRecords.document().communityId(KafkaTestRecords.record(7));
        assertEquals("t", sent.topic());
        assertEquals(communityId, new String(sent.key(), StandardCharsets.UTF_8));
        assertEquals(new String(KafkaTestRecords.document().toJson(KafkaTestRecords.record(7)), StandardCharsets.UTF_8),
            new String(sent.value(), StandardCharsets.UTF_8));
    }

    @Test
    void failureStopsAtTheFailedRecordAndRewindsOnceEveryAnswerIsIn()
    {
        for (int i = 0; i < 4; i++)
        {
            assertTrue(sink.offer(KafkaTestRecords.record(i), i));
        }
        producer.ack(0);
        final TimeoutException timeout = new TimeoutException("Expiring 2 record(s)");
        producer.fail(1, timeout);
        producer.fail(2, timeout);
        assertEquals(1, counters.errors.get(), "one failed batch counts once");
        assertNotNull(counters.lastError());
        assertFalse(sink.offer(KafkaTestRecords.record(4), 4), "no new records after a failure");
        assertFalse(sink.takeRewind(), "record 3 still unanswered");
        producer.ack(3);
        assertEquals(0, sink.acceptedIndex(), "3's acknowledgement does not move past the failed 1");
        assertFalse(sink.flush(1_000_000));
        assertTrue(sink.takeRewind());
        assertFalse(sink.takeRewind(), "once");
        assertEquals(0, sink.acceptedIndex());

        // The agent re-offers from 1, after the backoff.
        final long rewound = System.nanoTime();
        assertFalse(sink.offer(KafkaTestRecords.record(1), 1), "backing off");
        while (!sink.offer(KafkaTestRecords.record(1), 1))
        {
            assertTrue(System.nanoTime() - rewound < 5_000_000_000L, "backoff ends");
            LockSupport.parkNanos(1_000_000);
        }
        assertTrue(System.nanoTime() - rewound >= KafkaExportSink.MIN_BACKOFF_NANOS);
        for (int i = 2; i < 4; i++)
        {
            assertTrue(sink.offer(KafkaTestRecords.record(i), i));
        }
        for (int send = 4; send < 7; send++)
        {
            producer.ack(send);
        }
        assertTrue(sink.flush(1_000_000));
        assertEquals(3, sink.acceptedIndex());
        assertEquals(4, counters.recordsSent.get());
    }

    @Test
    void aThrowingSendIsAFailureToo()
    {
        final HandProducer throwing = new HandProducer()
        {
            @Override
            public synchronized Future<RecordMetadata> send(final ProducerRecord<byte[], byte[]> record,
                final Callback callback)
            {
                throw new IllegalStateException("Cannot perform operation after producer has been closed");
            }
        };
        final ExportCounters own = KafkaTestRecords.counters();
        try (KafkaExportSink broken = new KafkaExportSink(new KafkaOptions("127.0.0.1:1", "t", Map.of(), 4),
            KafkaTestRecords.document(), own, throwing))
        {
            assertTrue(broken.offer(KafkaTestRecords.record(0), 0));
            assertEquals(1, own.errors.get());
            assertTrue(broken.takeRewind());
            assertEquals(ExportSink.NO_INDEX, broken.acceptedIndex());
        }
    }

    @Test
    void acknowledgementsFromAnotherThreadAreSeen() throws InterruptedException
    {
        final KafkaExportSink big = new KafkaExportSink(new KafkaOptions("127.0.0.1:1", "t", Map.of(), 1000),
            KafkaTestRecords.document(), counters, producer);
        for (int i = 0; i < 1000; i++)
        {
            assertTrue(big.offer(KafkaTestRecords.record(i), i));
        }
        // Two "partitions" acknowledged by an I/O thread: odd sends first, then even ones.
        final Thread io = new Thread(() ->
        {
            for (int i = 1; i < 1000; i += 2)
            {
                producer.ack(i);
            }
            for (int i = 0; i < 1000; i += 2)
            {
                producer.ack(i);
            }
        });
        io.start();
        assertTrue(big.flush(10_000_000_000L));
        io.join(10_000);
        assertEquals(999, big.acceptedIndex());
        assertEquals(1000, counters.recordsSent.get());
    }

    @Test
    void startingWithoutABrokerFailsAfterMaxBlockAndRewinds() throws Exception
    {
        // A loopback port nothing listens on: the topic's metadata never comes, send gives up after max.block.ms.
        final int deadPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            deadPort = socket.getLocalPort();
        }
        final ExportCounters own = KafkaTestRecords.counters();
        try (KafkaExportSink real = new KafkaExportSink(KafkaOptions.parse("kafka://127.0.0.1:" + deadPort + "/t",
            Map.of("max.block.ms", "300", "reconnect.backoff.max.ms", "100")), KafkaTestRecords.document(), own))
        {
            final long start = System.nanoTime();
            assertTrue(real.offer(KafkaTestRecords.record(0), 0));
            assertTrue(System.nanoTime() - start < 10_000_000_000L, "offer blocks at most about max.block.ms");
            assertFalse(real.flush(5_000_000_000L), "the record failed");
            final long deadline = System.nanoTime() + 10_000_000_000L;
            boolean rewind = false;
            while (!rewind && System.nanoTime() < deadline)
            {
                rewind = real.takeRewind();
                Thread.sleep(10);
            }
            assertTrue(rewind);
            assertEquals(ExportSink.NO_INDEX, real.acceptedIndex());
            assertEquals(1, own.errors.get());
            assertTrue(own.lastError().contains("kafka send to kafka://127.0.0.1:" + deadPort + "/t failed"),
                own.lastError());
        }
    }
}

package io.flowpic.sensor.export.kafka;

import io.flowpic.sensor.export.EcsDocument;
import io.flowpic.sensor.export.ExportCounters;
import io.flowpic.sensor.export.ExportSink;
import io.flowpic.sensor.journal.LabelRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends each record to a Kafka topic: value = the ECS JSON document, key = its Community ID (UTF-8), so both
 * directions and every block of a conversation land in one partition, in order. The producer is idempotent
 * with {@code acks=all} (see {@link KafkaOptions} for what overrides may not change).
 * <p>
 * Acknowledgements arrive on the producer's I/O thread, per partition in order but across partitions in any
 * order. The agent's thread keeps the in-flight records in offer order (an {@link ArrayDeque} only it
 * touches); each entry's state is written once by its callback. {@link #acceptedIndex()} advances over the
 * acknowledged prefix only, so a record acknowledged after an unacknowledged or failed one never moves it.
 * <p>
 * A failed send (after the producer's own retries, within {@code delivery.timeout.ms}) counts an error (once
 * per failed batch) and stops {@link #offer}: once every in-flight record has its answer, {@link #takeRewind()}
 * returns true once, the in-flight list is dropped and the agent offers again from just after
 * {@link #acceptedIndex()}, after a pause (100 ms, doubling per rewind without an accepted record in between,
 * up to 10 s) so that a record the broker keeps refusing does not spin. Waiting for every answer first keeps
 * the window a true bound on what the producer holds, and no record is in the producer twice.
 * <p>
 * {@link #offer} can block in {@code KafkaProducer.send} while the topic's metadata is unknown (the first send,
 * a start during an outage, or after a stopping broker reported its partitions leaderless): at most
 * {@code max.block.ms}, 5 s by default here, after which the record fails and is offered again after the
 * rewind. Only the sink's own agent thread waits.
 */
public final class KafkaExportSink implements ExportSink
{
    /** Producer defaults of this sink; {@link KafkaOptions#producerOverrides()} may change all but the pinned ones. */
    static final Map<String, String> DEFAULTS = Map.of(
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000",
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000",
        ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000",
        ProducerConfig.LINGER_MS_CONFIG, "5");
    /** First pause after a rewind before offers are taken again; doubles per rewind without progress. */
    static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Longest pause after a rewind (a record the broker keeps refusing is retried this often). */
    static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Closing waits this long for records still in flight (an agent normally flushes first). */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private static final int WAITING = 0;
    private static final int ACKED = 1;
    private static final int FAILED = 2;

    private final Producer<byte[], byte[]> producer;
    private final KafkaOptions options;
    private final String destination;
    private final EcsDocument document;
    private final ExportCounters counters;

    /** Records offered and not yet collected, in offer order. The agent's thread only. */
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    /** Sends whose callback has not run yet. */
    private final AtomicInteger unanswered = new AtomicInteger();
    /** Set by a failed send's callback; cleared by {@link #takeRewind()}. */
    private volatile boolean failed;
    /** The last failure counted, so one failed batch counts once. */
    private volatile Exception lastCounted;
    private volatile boolean closed;
    private long acceptedIndex = NO_INDEX;
    /** Pause of the last rewind; 0 after progress. */
    private long backoffNanos;
    /** No offers before this (System.nanoTime) after a rewind. */
    private long backoffUntilNanos;

    /**
     * @param options  where to send and producer overrides.
     * @param document the ECS encoder (this sink's own: it is not thread-safe).
     * @param counters this exporter's counters.
     */
    public KafkaExportSink(final KafkaOptions options, final EcsDocument document, final ExportCounters counters)
    {
        this(options, document, counters, createProducer(options));
    }

    /** With a given producer (tests). */
    KafkaExportSink(final KafkaOptions options, final EcsDocument document, final ExportCounters counters,
        final Producer<byte[], byte[]> producer)
    {
        this.options = options;
        this.destination = options.uri();
        this.document = document;
        this.counters = counters;
        this.producer = producer;
    }

    /** The producer settings: this sink's defaults, the overrides, then the pinned guarantees. */
    static Map<String, Object> producerConfig(final KafkaOptions options)
    {
        final Map<String, Object> config = new HashMap<>(DEFAULTS);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "flowpic-" + options.topic());
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        config.putAll(options.producerOverrides());
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return config;
    }

    private static Producer<byte[], byte[]> createProducer(final KafkaOptions options)
    {
        try
        {
            return new KafkaProducer<>(producerConfig(options));
        }
        catch (final KafkaException ex)
        {
            // e.g. delivery.timeout.ms below linger.ms + request.timeout.ms: Kafka's own config checks.
            final Throwable cause = ex.getCause() != null ? ex.getCause() : ex;
            throw new IllegalArgumentException("kafka exporter " + options.uri() + ": cannot create the producer: "
                + cause.getMessage(), ex);
        }
    }

    @Override
    public boolean offer(final LabelRecord record, final long journalIndex)
    {
        collect();
        if (closed || failed || inFlight.size() >= options.window()
            || (backoffNanos > 0 && System.nanoTime() - backoffUntilNanos < 0))
        {
            return false;
        }
        final String communityId = document.communityId(record);
        final byte[] value = document.toJson(record, communityId);
        final InFlight entry = new InFlight(journalIndex);
        inFlight.addLast(entry);
        unanswered.incrementAndGet();
        try
        {
            // The callback may run before send returns (a failure found in send itself): the entry is listed first.
            producer.send(new ProducerRecord<>(options.topic(), communityId.getBytes(StandardCharsets.UTF_8), value),
                entry);
        }
        catch (final RuntimeException ex)
        {
            // Failures thrown instead of reported (a closed or fatally failed producer): the same path.
            entry.onCompletion(null, ex);
        }
        return true;
    }

    @Override
    public int doWork(final long nowNanos)
    {
        return collect();
    }

    @Override
    public long acceptedIndex()
    {
        collect();
        return acceptedIndex;
    }

    @Override
    public boolean takeRewind()
    {
        collect();
        if (failed && unanswered.get() == 0)
        {
            // Every answer is in, so no callback touches these entries any more; the head is the failed one.
            inFlight.clear();
            failed = false;
            backoffNanos = Math.min(MAX_BACKOFF_NANOS, Math.max(MIN_BACKOFF_NANOS, 2 * backoffNanos));
            backoffUntilNanos = System.nanoTime() + backoffNanos;
            return true;
        }
        return false;
    }

    @Override
    public boolean flush(final long timeoutNanos)
    {
        final long deadline = System.nanoTime() + Math.max(0, timeoutNanos);
        while (true)
        {
            collect();
            if (inFlight.isEmpty())
            {
                return true;
            }
            if (failed && unanswered.get() == 0)
            {
                return false;
            }
            final long remaining = deadline - System.nanoTime();
            if (remaining <= 0)
            {
                return false;
            }
            LockSupport.parkNanos(Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(1)));
        }
    }

    @Override
    public String destination()
    {
        return destination;
    }

    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            producer.close(CLOSE_TIMEOUT);
        }
    }

    /** Records offered and not yet accepted or dropped by a rewind. */
    int inFlight()
    {
        collect();
        return inFlight.size();
    }

    /** Moves {@link #acceptedIndex} over the acknowledged prefix. @return records newly accepted. */
    private int collect()
    {
        int accepted = 0;
        InFlight head;
        while ((head = inFlight.peekFirst()) != null && head.state == ACKED)
        {
            inFlight.pollFirst();
            acceptedIndex = head.index;
            accepted++;
        }
        if (accepted > 0)
        {
            backoffNanos = 0;
            counters.accepted(accepted);
        }
        return accepted;
    }

    private void failed(final Exception ex)
    {
        failed = true;
        if (ex != lastCounted && !closed)
        {
            lastCounted = ex;
            counters.error("kafka send to " + destination + " failed: " + ex.getClass().getSimpleName() + ": "
                + ex.getMessage());
        }
    }

    /** One record in flight; its own send callback (run on the producer's I/O thread, or in send). */
    private final class InFlight implements Callback
    {
        private static final AtomicIntegerFieldUpdater<InFlight> STATE =
            AtomicIntegerFieldUpdater.newUpdater(InFlight.class, "state");

        final long index;
        volatile int state = WAITING;

        InFlight(final long index)
        {
            this.index = index;
        }

        @Override
        public void onCompletion(final RecordMetadata metadata, final Exception exception)
        {
            // Once only, however the producer reports it: the state, then the failure flag, then the count.
            if (STATE.compareAndSet(this, WAITING, exception == null ? ACKED : FAILED))
            {
                if (exception != null)
                {
                    failed(exception);
                }
                unanswered.decrementAndGet();
            }
        }
    }
}

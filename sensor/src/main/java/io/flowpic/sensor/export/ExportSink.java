package io.flowpic.sensor.export;

import io.flowpic.sensor.journal.LabelRecord;

/**
 * One destination of the export stage, driven by its own {@link ExportAgent} thread (never by capture or
 * inference). The agent reads the journal in order and offers each record once; the sink tells which
 * records the destination has accepted, and only up to there does the agent advance the persisted read
 * position. Records offered but not yet accepted are re-offered after a restart: at-least-once delivery.
 * <p>
 * Single-threaded: every method is called from the agent's thread (a sink with callbacks on other threads,
 * Kafka's, publishes their results through its own thread-safe fields).
 */
public interface ExportSink extends AutoCloseable
{
    /** No record accepted yet in this run. */
    long NO_INDEX = -1;

    /**
     * Hands over one record. The record object is reused by the caller after this returns: copy what is
     * kept.
     *
     * @param journalIndex the record's journal index, strictly increasing across calls (until a rewind).
     * @return false when the destination cannot take it now (outage, backoff, window full): the agent offers
     * the same record again later.
     */
    boolean offer(LabelRecord record, long journalIndex);

    /**
     * Periodic duty: send a partial message whose linger has passed, resend templates, reconnect after a
     * backoff, collect acknowledgements.
     *
     * @return amount of work done (0 = idle), as an Agrona agent's duty cycle counts it.
     */
    int doWork(long nowNanos);

    /**
     * @return the journal index of the newest record that the destination has accepted together with every
     * record offered before it, or {@link #NO_INDEX}.
     */
    long acceptedIndex();

    /**
     * @return true (once) when records offered after {@link #acceptedIndex()} failed for good and must be
     * offered again: the agent then re-reads the journal from just after {@link #acceptedIndex()}.
     */
    boolean takeRewind();

    /**
     * Sends whatever is buffered and waits up to {@code timeoutNanos} for the destination to accept it.
     *
     * @return true when every offered record is accepted.
     */
    boolean flush(long timeoutNanos);

    /** The destination as the operator wrote it (URI), for logs and metric labels. */
    String destination();

    @Override
    void close();
}

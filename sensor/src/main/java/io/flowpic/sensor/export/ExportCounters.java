package io.flowpic.sensor.export;

import io.flowpic.sensor.metrics.MetricCatalog;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * The counters of one exporter, in the sensor's counters area (so {@code flowpic stat} and /metrics read
 * them without locks). The sink counts what it learns (accepted records, errors); the agent the rest.
 */
public final class ExportCounters
{
    /** The exporter's name, the {@code exporter} label of its metrics. */
    public final String name;
    /** Records the destination accepted. */
    public final AtomicCounter recordsSent;
    /** Failed sends, connects and writes (each failure once, however many records it held). */
    public final AtomicCounter errors;
    /** Journal records not yet accepted: from the read position to the journal's end. */
    public final AtomicCounter lag;
    /** Wall-clock time (epoch ms) of the last accepted record; 0 = none yet. */
    public final AtomicCounter lastSuccessEpochMillis;
    /** Records offered again after a restart or a failed send (at-least-once duplicates, at most). */
    public final AtomicCounter recordsResent;
    /** Times the saved position had been deleted by journal retention, so export went on from the oldest record kept. */
    public final AtomicCounter positionsExpired;
    /** The last error, for /healthz and logs; null when none. Written by the agent's thread or a sink callback. */
    private volatile String lastError;

    public ExportCounters(final CountersManager manager, final String name)
    {
        this.name = name;
        recordsSent = manager.newCounter(MetricCatalog.EXPORT_RECORDS_SENT.sample("exporter", name));
        errors = manager.newCounter(MetricCatalog.EXPORT_ERRORS.sample("exporter", name));
        lag = manager.newCounter(MetricCatalog.EXPORT_LAG.sample("exporter", name));
        lastSuccessEpochMillis = manager.newCounter(MetricCatalog.EXPORT_LAST_SUCCESS.sample("exporter", name));
        recordsResent = manager.newCounter(MetricCatalog.EXPORT_RECORDS_RESENT.sample("exporter", name));
        positionsExpired = manager.newCounter(MetricCatalog.EXPORT_POSITIONS_EXPIRED.sample("exporter", name));
    }

    /** Counts {@code count} records accepted now. */
    public void accepted(final long count)
    {
        recordsSent.getAndAdd(count);
        lastSuccessEpochMillis.setRelease(System.currentTimeMillis());
    }

    /** Counts one failure and keeps its description. */
    public void error(final String description)
    {
        errors.increment();
        lastError = description;
    }

    public String lastError()
    {
        return lastError;
    }

    /** Frees the counters (an exporter removed by a reload). */
    public void close()
    {
        recordsSent.close();
        errors.close();
        lag.close();
        lastSuccessEpochMillis.close();
        recordsResent.close();
        positionsExpired.close();
    }
}

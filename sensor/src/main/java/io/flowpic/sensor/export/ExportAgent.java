package io.flowpic.sensor.export;

import io.flowpic.sensor.journal.JournalReader;
import io.flowpic.sensor.journal.LabelRecord;
import org.agrona.concurrent.Agent;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Reads the journal from this exporter's persisted position and offers each record to its sink, on a
 * thread of its own: a slow or absent destination holds back nothing but this exporter (its lag grows,
 * bounded by journal retention). The position advances only to what the sink reports accepted.
 */
public final class ExportAgent implements Agent
{
    /** Records offered per duty cycle, so that the sink's own duties (linger, reconnect) keep their turn. */
    private static final int RECORDS_PER_CYCLE = 256;
    private static final long LAG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String name;
    private final JournalReader reader;
    private final ExportPosition position;
    private final ExportSink sink;
    private final ExportCounters counters;
    private LabelRecord pending;
    private long pendingIndex;
    /** Records up to this index may have reached the destination in an earlier run or before a rewind. */
    private long resendUpTo;
    private long nextLagNanos;
    private boolean started;

    public ExportAgent(final String name, final JournalReader reader, final ExportPosition position,
        final ExportSink sink, final ExportCounters counters)
    {
        this.name = name;
        this.reader = reader;
        this.position = position;
        this.sink = sink;
        this.counters = counters;
    }

    @Override
    public void onStart()
    {
        if (started)
        {
            return;
        }
        started = true;
        resendUpTo = position.offered();
        try
        {
            moveAfter(position.accepted());
        }
        catch (final IOException ex)
        {
            counters.error("cannot position the journal reader: " + ex.getMessage());
        }
    }

    @Override
    public int doWork()
    {
        final long now = System.nanoTime();
        int work = sink.doWork(now);
        if (sink.takeRewind())
        {
            rewind();
            work++;
        }
        for (int i = 0; i < RECORDS_PER_CYCLE; i++)
        {
            if (pending == null && !readNext())
            {
                break;
            }
            if (!sink.offer(pending, pendingIndex))
            {
                break;
            }
            if (pendingIndex <= resendUpTo)
            {
                counters.recordsResent.increment();
            }
            else
            {
                position.offered(pendingIndex);
            }
            pending = null;
            work++;
            // Saved as soon as known, so that a crash leaves in doubt no more than the sink holds unsent.
            saveAccepted();
        }
        saveAccepted();
        if (now >= nextLagNanos)
        {
            nextLagNanos = now + LAG_INTERVAL_NANOS;
            refreshLag();
        }
        return work;
    }

    /** Counts the journal records after the saved position now (from the agent's thread only). */
    public void refreshLag()
    {
        counters.lag.setRelease(reader.countAfter(position.accepted()));
    }

    /** True once every record up to {@code endIndex} has been read and offered. */
    public boolean offeredThrough(final long endIndex)
    {
        return pending == null && reader.lastReadIndex() >= endIndex;
    }

    /**
     * Sends what the sink buffers, waits up to {@code timeoutNanos} for it to be accepted and saves the
     * position.
     *
     * @return true when every record offered has been accepted.
     */
    public boolean flush(final long timeoutNanos)
    {
        final boolean all = sink.flush(timeoutNanos);
        saveAccepted();
        counters.lag.setRelease(reader.countAfter(position.accepted()));
        return all;
    }

    /** Index of the newest record in the journal now (-1 when it holds none): where {@code export --once} stops. */
    public long journalLastIndex()
    {
        return reader.lastIndex();
    }

    /** Journal index of the last record the destination accepted (the saved position); any thread may read it. */
    public long acceptedIndex()
    {
        return position.accepted();
    }

    public ExportCounters counters()
    {
        return counters;
    }

    public String destination()
    {
        return sink.destination();
    }

    @Override
    public void onClose()
    {
        flush(TimeUnit.SECONDS.toNanos(5));
        sink.close();
        reader.close();
        position.close();
    }

    @Override
    public String roleName()
    {
        return "flowpic-export-" + name;
    }

    private void saveAccepted()
    {
        final long accepted = sink.acceptedIndex();
        if (accepted != ExportSink.NO_INDEX && accepted > position.accepted())
        {
            position.accepted(accepted);
        }
    }

    private boolean readNext()
    {
        while (true)
        {
            try
            {
                pending = reader.next();
                if (pending != null)
                {
                    pendingIndex = reader.lastReadIndex();
                }
                return pending != null;
            }
            catch (final IOException ex)
            {
                // One unreadable record must not stop every later one from leaving: count it, skip it.
                counters.error("skipped unreadable journal record: " + ex.getMessage());
            }
        }
    }

    private void rewind()
    {
        resendUpTo = Math.max(resendUpTo, position.offered());
        pending = null;
        final long accepted = Math.max(position.accepted(), sink.acceptedIndex());
        try
        {
            moveAfter(accepted);
        }
        catch (final IOException ex)
        {
            counters.error("cannot rewind the journal reader: " + ex.getMessage());
        }
    }

    private void moveAfter(final long index) throws IOException
    {
        if (index == ExportSink.NO_INDEX)
        {
            reader.moveToStart();
        }
        else if (!reader.moveAfter(index))
        {
            // Retention deleted the roll file holding the saved position: go on from the oldest record kept.
            counters.positionsExpired.increment();
            counters.error("saved position " + Long.toHexString(index) +
                " is no longer in the journal (retention); continuing from the oldest record kept");
        }
    }
}

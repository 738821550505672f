package io.flowpic.sensor.journal;

import net.openhft.chronicle.queue.impl.RollingResourcesCache;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.agrona.concurrent.Agent;

import java.io.File;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The journal's file-system chores, on their own thread: checks free disk (once a second) and sets the
 * writer's "space available" flag, and deletes roll files past retention (once a minute). Kept off the
 * inference thread, whose appends then never list, stat or delete files.
 * <p>
 * Roll files are deleted only when Chronicle does not hold them (see {@link HeldCycles}), never the
 * current cycle's or the newest, and Chronicle's directory listing is refreshed afterwards so its
 * first cycle (and every reader's) moves on to what is left.
 */
public final class JournalHousekeeping implements Agent
{
    private static final long SPACE_CHECK_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long RETENTION_CHECK_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final JournalWriter writer;
    private final LongSupplier usableSpace;
    private final long minFreeBytes;
    private final long retentionMillis;
    private final RollingResourcesCache rollFiles;
    private long nextSpaceCheckNanos;
    private long nextRetentionCheckNanos;
    private volatile long spaceChecks;
    private volatile long retentionPasses;
    private volatile long rollFilesDeleted;

    /**
     * Checks free space once before returning, so the writer's flag is right from the first append.
     *
     * @param minFreeBytes   refuse appends while the file system has less usable space than this.
     * @param retentionHours delete roll files last written longer ago than this (0 = keep all).
     */
    public JournalHousekeeping(final JournalWriter writer, final long minFreeBytes, final int retentionHours)
        throws IOException
    {
        this(writer, usableSpaceOf(Files.getFileStore(writer.directory())), minFreeBytes,
            TimeUnit.HOURS.toMillis(retentionHours));
    }

    JournalHousekeeping(final JournalWriter writer, final LongSupplier usableSpace, final long minFreeBytes,
        final long retentionMillis)
    {
        this.writer = writer;
        this.usableSpace = usableSpace;
        this.minFreeBytes = minFreeBytes;
        this.retentionMillis = retentionMillis;
        final SingleChronicleQueue queue = writer.queue();
        final File dir = queue.file();
        rollFiles = new RollingResourcesCache(queue.rollCycle(), queue.epoch(),
            name -> new File(dir, name + JournalWriter.ROLL_FILE_SUFFIX),
            file -> file.getName().substring(0, file.getName().length() - JournalWriter.ROLL_FILE_SUFFIX.length()));
        checkSpace();
        final long now = System.nanoTime();
        nextSpaceCheckNanos = now + SPACE_CHECK_INTERVAL_NANOS;
        nextRetentionCheckNanos = now; // the first duty cycle applies retention to what earlier runs left
    }

    private static LongSupplier usableSpaceOf(final FileStore store)
    {
        return () ->
        {
            try
            {
                return store.getUsableSpace();
            }
            catch (final IOException ex)
            {
                return 0; // cannot tell: refuse rather than risk SIGBUS
            }
        };
    }

    @Override
    public int doWork()
    {
        final long now = System.nanoTime();
        int work = 0;
        if (now - nextSpaceCheckNanos >= 0)
        {
            nextSpaceCheckNanos = now + SPACE_CHECK_INTERVAL_NANOS;
            checkSpace();
            work++;
        }
        if (retentionMillis > 0 && now - nextRetentionCheckNanos >= 0)
        {
            nextRetentionCheckNanos = now + RETENTION_CHECK_INTERVAL_NANOS;
            work += deleteExpiredRollFiles(System.currentTimeMillis() - retentionMillis);
        }
        return work;
    }

    @Override
    public String roleName()
    {
        return "flowpic-journal-housekeeping";
    }

    /** Re-reads free space and tells the writer whether to take records. */
    void checkSpace()
    {
        spaceChecks++;
        writer.spaceAvailable(usableSpace.getAsLong() >= minFreeBytes);
    }

    /**
     * Deletes roll files not written since {@code cutoffMillis}: never the current cycle's or the newest
     * (the one being appended to), nor one Chronicle holds mapped.
     *
     * @return number of files deleted.
     */
    public int deleteExpiredRollFiles(final long cutoffMillis)
    {
        retentionPasses++;
        final SingleChronicleQueue queue = writer.queue();
        queue.refreshDirectoryListing(); // files of earlier runs, and any a reader's queue has since rolled to
        final int first = queue.firstCycle();
        final int keepFrom = Math.min(queue.lastCycle(), queue.cycle());
        if (first >= keepFrom)
        {
            return 0;
        }
        int deleted = 0;
        for (final long cycle : queue.listCyclesBetween(first, keepFrom - 1))
        {
            if (cycle >= keepFrom || writer.heldCycles().isHeld((int)cycle))
            {
                continue;
            }
            final File file = rollFiles.resourceFor(cycle).path;
            // lastModified() is 0 for a file already gone; delete() then fails and nothing is counted.
            if (file.lastModified() < cutoffMillis && file.delete())
            {
                deleted++;
            }
        }
        if (deleted > 0)
        {
            queue.refreshDirectoryListing();
            rollFilesDeleted += deleted;
        }
        return deleted;
    }

    /** The free-space floor below which appends are refused. */
    public long minFreeBytes()
    {
        return minFreeBytes;
    }

    long spaceChecks()
    {
        return spaceChecks;
    }

    long retentionPasses()
    {
        return retentionPasses;
    }

    public long rollFilesDeleted()
    {
        return rollFilesDeleted;
    }
}

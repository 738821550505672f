package io.flowpic.sensor.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Appends label records to a Chronicle Queue. Single thread (the inference agent).
 * <p>
 * Chronicle writes through memory-mapped files, and a write into a mapping the disk cannot back
 * kills the JVM with SIGBUS. So free space is checked (once a second) before appending, and below
 * the configured minimum records are refused, for the caller to count, instead of risking the
 * process and the records already written.
 */
public final class JournalWriter implements AutoCloseable
{
    private static final long SPACE_CHECK_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long RETENTION_CHECK_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final String ROLL_FILE_SUFFIX = ".cq4";

    private final Path directory;
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    private final FileStore store;
    private final long minFreeBytes;
    private final long retentionMillis;
    private long nextSpaceCheckNanos;
    private long nextRetentionCheckNanos;
    /** Read by the health check on another thread; written at most once per space-check interval. */
    private volatile boolean spaceAvailable;

    public JournalWriter(final Path directory, final RollCycle rollCycle) throws IOException
    {
        this(directory, rollCycle, 0, 0);
    }

    /**
     * @param minFreeBytes   refuse appends while the file system has less usable space than this.
     * @param retentionHours delete roll files last written longer ago than this (0 = keep all).
     */
    public JournalWriter(final Path directory, final RollCycle rollCycle, final long minFreeBytes,
        final int retentionHours) throws IOException
    {
        if (!Files.isDirectory(directory))
        {
            // Labels describe who talks to whom: owner and group only.
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-x---")));
        }
        if (!Files.isWritable(directory))
        {
            throw new IOException("journal directory is not writable: " + directory);
        }
        this.directory = directory;
        this.minFreeBytes = minFreeBytes;
        this.retentionMillis = TimeUnit.HOURS.toMillis(retentionHours);
        store = Files.getFileStore(directory);
        spaceAvailable = usableSpace() >= minFreeBytes;
        nextSpaceCheckNanos = System.nanoTime() + SPACE_CHECK_INTERVAL_NANOS;
        queue = SingleChronicleQueueBuilder.binary(directory).rollCycle(rollCycle).build();
        appender = queue.createAppender();
    }

    /** @return false when the record was refused because the disk is (nearly) full. */
    public boolean append(final LabelRecord record)
    {
        final long now = System.nanoTime();
        if (now >= nextSpaceCheckNanos)
        {
            nextSpaceCheckNanos = now + SPACE_CHECK_INTERVAL_NANOS;
            spaceAvailable = usableSpace() >= minFreeBytes;
        }
        if (!spaceAvailable)
        {
            return false;
        }
        if (retentionMillis > 0 && now >= nextRetentionCheckNanos)
        {
            nextRetentionCheckNanos = now + RETENTION_CHECK_INTERVAL_NANOS;
            deleteExpiredRollFiles(System.currentTimeMillis() - retentionMillis);
        }
        try (DocumentContext context = appender.writingDocument())
        {
            final Bytes<?> bytes = context.wire().bytes();
            bytes.writeByte(JournalLayout.CURRENT_VERSION);
            bytes.writeByte((byte)record.ipVersion);
            bytes.writeByte((byte)record.protocol);
            bytes.writeUnsignedShort(record.srcPort);
            bytes.writeUnsignedShort(record.dstPort);
            bytes.writeLong(record.startNanos);
            bytes.writeLong(record.endNanos);
            bytes.write(record.srcAddress, 0, 16);
            bytes.write(record.dstAddress, 0, 16);
            bytes.writeInt(record.packets);
            bytes.writeLong(record.bytes);
            bytes.writeUtf8(record.label);
            bytes.writeFloat(record.confidence);
            bytes.writeUtf8(record.modelId);
            bytes.writeUnsignedShort(record.scores.length);
            for (int i = 0; i < record.scores.length; i++)
            {
                bytes.writeUtf8(record.scoreLabels[i]);
                bytes.writeFloat(record.scores[i]);
            }
        }
        return true;
    }

    /**
     * False while appends are refused for want of free disk (as of the last check, done at open and then at
     * most once per interval on append), for health checks to report.
     */
    public boolean spaceAvailable()
    {
        return spaceAvailable;
    }

    /** Index of the newest record in the journal, or -1 when it holds none. */
    public long lastIndex()
    {
        return queue.lastIndex();
    }

    /** The free-space floor below which appends are refused. */
    public long minFreeBytes()
    {
        return minFreeBytes;
    }

    private long usableSpace()
    {
        try
        {
            return store.getUsableSpace();
        }
        catch (final IOException ex)
        {
            return 0;
        }
    }

    /**
     * Deletes roll files not written since {@code cutoffMillis}, never the newest one (the one being
     * appended to).
     *
     * @return number of files deleted.
     */
    public int deleteExpiredRollFiles(final long cutoffMillis)
    {
        final List<Path> rollFiles = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + ROLL_FILE_SUFFIX))
        {
            files.forEach(rollFiles::add);
        }
        catch (final IOException ex)
        {
            return 0;
        }
        rollFiles.sort(null); // cycle names sort in time order
        int deleted = 0;
        for (int i = 0; i < rollFiles.size() - 1; i++)
        {
            try
            {
                if (Files.getLastModifiedTime(rollFiles.get(i)).toMillis() < cutoffMillis)
                {
                    Files.delete(rollFiles.get(i));
                    deleted++;
                }
            }
            catch (final IOException ex)
            {
                // in use or already gone: try again next time
            }
        }
        return deleted;
    }

    public void close()
    {
        queue.close();
    }
}

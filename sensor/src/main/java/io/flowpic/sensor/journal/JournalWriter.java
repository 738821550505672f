package io.flowpic.sensor.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Appends label records to a Chronicle Queue. Single thread (the inference agent).
 * <p>
 * Chronicle writes through memory-mapped files, and a write into a mapping the disk cannot back
 * kills the JVM with SIGBUS. So below the configured free-space minimum records are refused, for the
 * caller to count, instead of risking the process and the records already written. The append path
 * only reads a flag: free-space checks and retention are {@link JournalHousekeeping}'s, on its own
 * thread, so a slow file system stalls neither inference nor the packet path behind it.
 */
public final class JournalWriter implements AutoCloseable
{
    static final String ROLL_FILE_SUFFIX = SingleChronicleQueue.SUFFIX;

    private final Path directory;
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    private final HeldCycles heldCycles = new HeldCycles();
    /** Set by housekeeping; read on every append and by the health check. */
    private volatile boolean spaceAvailable = true;

    public JournalWriter(final Path directory, final RollCycle rollCycle) throws IOException
    {
        this(directory, rollCycle, null);
    }

    /** @param time the clock that picks the roll cycle (tests), or null for the wall clock. */
    JournalWriter(final Path directory, final RollCycle rollCycle, final TimeProvider time) throws IOException
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
        final SingleChronicleQueueBuilder builder = SingleChronicleQueueBuilder.binary(directory)
            .rollCycle(rollCycle).storeFileListener(heldCycles);
        if (time != null)
        {
            builder.timeProvider(time);
        }
        queue = builder.build();
        appender = queue.createAppender();
    }

    /** @return false when the record was refused because the disk is (nearly) full. */
    public boolean append(final LabelRecord record)
    {
        if (!spaceAvailable)
        {
            return false;
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
     * False while appends are refused for want of free disk (as of housekeeping's last check), for health
     * checks to report.
     */
    public boolean spaceAvailable()
    {
        return spaceAvailable;
    }

    void spaceAvailable(final boolean available)
    {
        spaceAvailable = available;
    }

    /** Index of the newest record in the journal, or -1 when it holds none. */
    public long lastIndex()
    {
        return queue.lastIndex();
    }

    Path directory()
    {
        return directory;
    }

    SingleChronicleQueue queue()
    {
        return queue;
    }

    HeldCycles heldCycles()
    {
        return heldCycles;
    }

    public void close()
    {
        queue.close();
    }
}

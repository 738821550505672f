package io.flowpic.sensor.export;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An exporter's persisted read position: a small memory-mapped file beside the journal holding the journal
 * index of the last record the destination accepted, and the highest index ever handed to it. A store into
 * the mapping is in the page cache the moment it is made, so a position survives kill -9 without a write
 * call per record; records between the two indexes may have reached the destination before a crash and are
 * sent again (and counted) on restart: the bounded duplicates of at-least-once delivery.
 */
public final class ExportPosition implements AutoCloseable
{
    public static final String SUFFIX = ".position";
    private static final int MAGIC = 0x46504550; // "FPEP"
    private static final int MAGIC_OFFSET = 0;
    private static final int ACCEPTED_OFFSET = 8;
    private static final int OFFERED_OFFSET = 16;
    private static final int LENGTH = 24;

    private final Path file;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer;

    private ExportPosition(final Path file, final MappedByteBuffer mapped)
    {
        this.file = file;
        this.mapped = mapped;
        this.buffer = new UnsafeBuffer(mapped);
    }

    /** Opens the position called {@code name} in {@code directory}, creating it (at "nothing accepted") if absent. */
    public static ExportPosition open(final Path directory, final String name) throws IOException
    {
        final Path file = directory.resolve(name + SUFFIX);
        try
        {
            Files.createDirectories(directory);
            if (!Files.exists(file))
            {
                final Path partial = directory.resolve(name + SUFFIX + ".new");
                final UnsafeBuffer fresh = new UnsafeBuffer(new byte[LENGTH]);
                fresh.putInt(MAGIC_OFFSET, MAGIC);
                fresh.putLong(ACCEPTED_OFFSET, ExportSink.NO_INDEX);
                fresh.putLong(OFFERED_OFFSET, ExportSink.NO_INDEX);
                Files.write(partial, fresh.byteArray());
                Files.move(partial, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            if (Files.size(file) != LENGTH)
            {
                throw new IOException("not an export position file (size " + Files.size(file) + ", expected " +
                    LENGTH + ")");
            }
            final MappedByteBuffer mapped = IoUtil.mapExistingFile(file.toFile(), "export position " + name);
            final ExportPosition position = new ExportPosition(file, mapped);
            if (position.buffer.getInt(MAGIC_OFFSET) != MAGIC)
            {
                position.close();
                throw new IOException("not an export position file (bad magic)");
            }
            return position;
        }
        catch (final IOException | IllegalStateException ex)
        {
            throw new IOException(file + ": " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()), ex);
        }
    }

    public Path file()
    {
        return file;
    }

    /** Journal index of the last record the destination accepted, or {@link ExportSink#NO_INDEX}. */
    public long accepted()
    {
        return buffer.getLongVolatile(ACCEPTED_OFFSET);
    }

    /** Highest journal index handed to the destination, accepted or not, or {@link ExportSink#NO_INDEX}. */
    public long offered()
    {
        return buffer.getLongVolatile(OFFERED_OFFSET);
    }

    public void accepted(final long index)
    {
        buffer.putLongRelease(ACCEPTED_OFFSET, index);
    }

    public void offered(final long index)
    {
        buffer.putLongRelease(OFFERED_OFFSET, index);
    }

    /** Forgets the position: the next export starts from the oldest record the journal holds. */
    public void reset()
    {
        accepted(ExportSink.NO_INDEX);
        offered(ExportSink.NO_INDEX);
    }

    @Override
    public void close()
    {
        IoUtil.unmap(mapped);
    }
}

package io.flowpic.sensor.export;

import io.flowpic.sensor.journal.LabelRecord;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * ECS JSON lines ({@code json:PATH}, {@code json:-} for stdout): one document a line, written through a
 * buffer that is handed to the OS every {@link #LINGER_NANOS} or when full; a record counts as accepted once
 * its line is in the file. Rotation is by size and by rename ({@code PATH} → {@code PATH.1} → … →
 * {@code PATH.N}, the oldest deleted), the scheme Filebeat's filestream input and Vector's file source
 * follow without settings: they track a file by inode or fingerprint, not by name, so a line is neither
 * lost nor read twice across a rotation. Anything but a regular file (a FIFO, /dev/null) is written and never
 * rotated.
 */
public final class JsonLinesSink implements ExportSink
{
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final int BUFFER_BYTES = 64 * 1024;
    private static final byte NEWLINE = '\n';

    private final String destination;
    private final Path path;
    private final long maxFileBytes;
    private final int maxFiles;
    /** Only a regular file rotates: renaming a FIFO or a device such as /dev/null would replace it. */
    private final boolean rotating;
    private final EcsDocument document;
    private final ExportCounters counters;
    private final byte[] buffer = new byte[BUFFER_BYTES];
    private int buffered;
    private int bufferedRecords;
    private long bufferedIndex = NO_INDEX;
    private long acceptedIndex = NO_INDEX;
    private long lingerDeadline = Long.MAX_VALUE;
    private OutputStream out;
    private long fileBytes;
    private boolean failed;

    /**
     * @param path         the file; null for standard output (no rotation).
     * @param maxFileBytes rotate before a line would take the file past this size.
     * @param maxFiles     rotated files kept besides the current one.
     */
    public JsonLinesSink(final String destination, final Path path, final long maxFileBytes, final int maxFiles,
        final EcsDocument document, final ExportCounters counters) throws IOException
    {
        this.destination = destination;
        this.path = path;
        this.maxFileBytes = maxFileBytes;
        this.maxFiles = maxFiles;
        this.document = document;
        this.counters = counters;
        rotating = path != null && (!Files.exists(path) || Files.isRegularFile(path));
        if (path == null)
        {
            out = System.out;
        }
        else
        {
            final Path parent = path.toAbsolutePath().getParent();
            if (parent != null)
            {
                Files.createDirectories(parent);
            }
            openFile();
        }
    }

    @Override
    public boolean offer(final LabelRecord record, final long journalIndex)
    {
        if (failed && !reopen())
        {
            return false;
        }
        final byte[] line = document.toJson(record);
        if (buffered + line.length + 1 > buffer.length || rotationDue(line.length + 1))
        {
            if (!writeBuffer())
            {
                return false;
            }
        }
        if (rotationDue(line.length + 1) && !rotate())
        {
            return false;
        }
        if (line.length + 1 > buffer.length)
        {
            if (!write(line, line.length) || !write(new byte[] {NEWLINE}, 1))
            {
                return false;
            }
            acceptedIndex = journalIndex;
            counters.accepted(1);
            return true;
        }
        System.arraycopy(line, 0, buffer, buffered, line.length);
        buffered += line.length;
        buffer[buffered++] = NEWLINE;
        bufferedRecords++;
        bufferedIndex = journalIndex;
        if (lingerDeadline == Long.MAX_VALUE)
        {
            lingerDeadline = System.nanoTime() + LINGER_NANOS;
        }
        return true;
    }

    @Override
    public int doWork(final long nowNanos)
    {
        if (buffered > 0 && nowNanos >= lingerDeadline)
        {
            writeBuffer();
            return 1;
        }
        return 0;
    }

    @Override
    public long acceptedIndex()
    {
        return acceptedIndex;
    }

    @Override
    public boolean takeRewind()
    {
        return false;
    }

    @Override
    public boolean flush(final long timeoutNanos)
    {
        return buffered == 0 || writeBuffer();
    }

    @Override
    public String destination()
    {
        return destination;
    }

    @Override
    public void close()
    {
        flush(0);
        if (path != null && out != null)
        {
            try
            {
                out.close();
            }
            catch (final IOException ex)
            {
                counters.error("closing " + path + ": " + ex.getMessage());
            }
        }
    }

    private boolean rotationDue(final int lineBytes)
    {
        return rotating && fileBytes + buffered > 0 && fileBytes + buffered + lineBytes > maxFileBytes;
    }

    private boolean writeBuffer()
    {
        if (!write(buffer, buffered))
        {
            return false;
        }
        counters.accepted(bufferedRecords);
        acceptedIndex = bufferedIndex;
        buffered = 0;
        bufferedRecords = 0;
        lingerDeadline = Long.MAX_VALUE;
        return true;
    }

    private boolean write(final byte[] bytes, final int length)
    {
        try
        {
            out.write(bytes, 0, length);
            out.flush();
            fileBytes += length;
            return true;
        }
        catch (final IOException ex)
        {
            // Disk full or file gone: keep the buffer, count once, reopen and retry on the next offer.
            failed = true;
            counters.error("writing " + (path == null ? "standard output" : path.toString()) + ": " + ex.getMessage());
            return false;
        }
    }

    private boolean rotate()
    {
        try
        {
            out.close();
            Files.deleteIfExists(rotated(maxFiles));
            for (int i = maxFiles - 1; i >= 1; i--)
            {
                if (Files.exists(rotated(i)))
                {
                    Files.move(rotated(i), rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            if (maxFiles > 0)
            {
                Files.move(path, rotated(1), StandardCopyOption.REPLACE_EXISTING);
            }
            else
            {
                Files.delete(path);
            }
            openFile();
            return true;
        }
        catch (final IOException ex)
        {
            failed = true;
            counters.error("rotating " + path + ": " + ex.getMessage());
            return false;
        }
    }

    private boolean reopen()
    {
        if (path == null)
        {
            failed = false;
            return true;
        }
        try
        {
            out.close();
        }
        catch (final IOException ignored)
        {
            // the stream failed already; the new one is what matters
        }
        try
        {
            openFile();
            failed = false;
            return true;
        }
        catch (final IOException ex)
        {
            counters.error("opening " + path + ": " + ex.getMessage());
            return false;
        }
    }

    private void openFile() throws IOException
    {
        out = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
            StandardOpenOption.WRITE);
        fileBytes = rotating ? Files.size(path) : 0;
        if (fileBytes > 0 && !endsWithNewline())
        {
            // A kill -9 can cut a write short: end the torn line so the next document starts on a line of its own
            // (the torn record was not saved as accepted, so it is sent again whole).
            out.write(NEWLINE);
            out.flush();
            fileBytes++;
        }
    }

    private boolean endsWithNewline() throws IOException
    {
        try (java.nio.channels.SeekableByteChannel channel = Files.newByteChannel(path))
        {
            final java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(1);
            channel.position(channel.size() - 1);
            channel.read(last);
            return last.get(0) == NEWLINE;
        }
    }

    private Path rotated(final int generation)
    {
        return path.resolveSibling(path.getFileName() + "." + generation);
    }
}

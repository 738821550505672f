package io.flowpic.flowtable.capture;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Read-only view of a file through one memory-mapped window at a time.
 * <p>
 * A single mapping is limited to 2 GiB, so large captures are walked window by window. Records never
 * straddle windows: when a record does not fit in the current window the window is re-mapped to start
 * at that record, hence the window must be larger than the largest record a caller asks for.
 */
final class MappedFileWindow implements AutoCloseable
{
    private static final long PAGE_MASK = ~4095L;

    private final FileChannel channel;
    private final long fileSize;
    private final long windowSize;
    private final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
    private MappedByteBuffer mapped;
    private long windowStart;
    private long windowEnd;

    MappedFileWindow(final FileChannel channel, final long fileSize, final long windowSize)
    {
        this.channel = channel;
        this.fileSize = fileSize;
        this.windowSize = windowSize;
    }

    long fileSize()
    {
        return fileSize;
    }

    UnsafeBuffer buffer()
    {
        return buffer;
    }

    /**
     * Makes {@code [position, position + length)} addressable in {@link #buffer()}.
     *
     * @return index of {@code position} in the buffer, or -1 if the range runs past the end of the file.
     */
    int map(final long position, final int length) throws IOException
    {
        if (position < 0 || length < 0 || position + length > fileSize)
        {
            return -1;
        }
        if (position < windowStart || position + length > windowEnd || mapped == null)
        {
            remap(position, length);
        }
        return (int)(position - windowStart);
    }

    private void remap(final long position, final int length) throws IOException
    {
        release();
        // Page-aligned start keeps the mapping cheap for the kernel; the window must still cover the record.
        final long start = position & PAGE_MASK;
        final long size = Math.min(Math.max(windowSize, position - start + length), fileSize - start);
        mapped = channel.map(FileChannel.MapMode.READ_ONLY, start, size);
        buffer.wrap(mapped);
        windowStart = start;
        windowEnd = start + size;
    }

    private void release()
    {
        if (mapped != null)
        {
            buffer.wrap(0, 0);
            // Unmap now rather than at GC time so a multi-GiB file does not pile up address space.
            IoUtil.unmap(mapped);
            mapped = null;
        }
    }

    @Override
    public void close()
    {
        release();
    }
}

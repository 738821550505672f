package io.flowpic.inference.dataset;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Streams a C-order numpy array to a {@code .npy} file (format version 1.0) whose first dimension is not known
 * in advance: a fixed-size header is reserved, rows are appended, and {@link #close()} writes the header with
 * the final row count. Header: magic {@code \x93NUMPY}, version 1 0, little-endian header length, then the
 * dict {@code {'descr': ..., 'fortran_order': False, 'shape': (N, ...), }} padded with spaces and a final
 * newline to {@value #HEADER_TOTAL} bytes (a multiple of 64).
 */
public final class NpyWriter implements Closeable
{
    public static final String FLOAT32 = "<f4";
    public static final String INT64 = "<i8";
    static final int HEADER_TOTAL = 128;

    private final FileChannel channel;
    private final String descr;
    private final int[] innerShape;
    private final long rowElements;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private long elements;
    private boolean closed;

    private NpyWriter(final FileChannel channel, final String descr, final int[] innerShape)
    {
        this.channel = channel;
        this.descr = descr;
        this.innerShape = innerShape.clone();
        long n = 1;
        for (final int d : innerShape)
        {
            n *= d;
        }
        this.rowElements = n;
    }

    /**
     * @param descr      {@link #FLOAT32} or {@link #INT64}.
     * @param innerShape every dimension but the first, e.g. {R, R}; empty for a 1-D array.
     */
    public static NpyWriter open(final Path file, final String descr, final int... innerShape) throws IOException
    {
        if (!FLOAT32.equals(descr) && !INT64.equals(descr))
        {
            throw new IllegalArgumentException("unsupported dtype " + descr);
        }
        final FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
        channel.write(ByteBuffer.allocate(HEADER_TOTAL), 0);
        channel.position(HEADER_TOTAL);
        return new NpyWriter(channel, descr, innerShape);
    }

    /** The complete header (magic to newline) for an array of the given dtype and shape. */
    public static byte[] header(final String descr, final long[] shape)
    {
        final StringBuilder t = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++)
        {
            t.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        final String tuple = t.append(shape.length == 1 ? ",)" : ")").toString();
        final String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + tuple + ", }";
        final int preamble = 10;
        final int unpadded = preamble + dict.length() + 1;
        final int total = Math.max(HEADER_TOTAL, (unpadded + 63) / 64 * 64);
        final StringBuilder h = new StringBuilder(dict);
        while (preamble + h.length() + 1 < total)
        {
            h.append(' ');
        }
        h.append('\n');
        final byte[] text = h.toString().getBytes(StandardCharsets.US_ASCII);
        final ByteBuffer b = ByteBuffer.allocate(preamble + text.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte)0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte)1).put((byte)0);
        b.putShort((short)text.length).put(text);
        return b.array();
    }

    public void writeFloats(final float[] values, final int offset, final int length) throws IOException
    {
        requireDtype(FLOAT32);
        for (int i = 0; i < length; i++)
        {
            if (buffer.remaining() < 4)
            {
                drain();
            }
            buffer.putFloat(values[offset + i]);
        }
        elements += length;
    }

    public void writeLong(final long value) throws IOException
    {
        requireDtype(INT64);
        if (buffer.remaining() < 8)
        {
            drain();
        }
        buffer.putLong(value);
        elements++;
    }

    /** Rows written so far (the first dimension). */
    public long rows()
    {
        return elements / rowElements;
    }

    public void close() throws IOException
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            drain();
            if (elements % rowElements != 0)
            {
                throw new IOException("incomplete last row: " + elements + " elements, rows of " + rowElements);
            }
            final long[] shape = new long[innerShape.length + 1];
            shape[0] = rows();
            for (int i = 0; i < innerShape.length; i++)
            {
                shape[i + 1] = innerShape[i];
            }
            final byte[] header = header(descr, shape);
            if (header.length != HEADER_TOTAL)
            {
                throw new IOException("npy header of " + header.length + " bytes does not fit the reserved " + HEADER_TOTAL);
            }
            channel.write(ByteBuffer.wrap(header), 0);
        }
        finally
        {
            channel.close();
        }
    }

    private void requireDtype(final String expected)
    {
        if (!descr.equals(expected))
        {
            throw new IllegalStateException("array dtype is " + descr + ", not " + expected);
        }
    }

    private void drain() throws IOException
    {
        buffer.flip();
        while (buffer.hasRemaining())
        {
            channel.write(buffer);
        }
        buffer.clear();
    }
}

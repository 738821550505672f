package io.flowpic.flowtable.capture;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Builds pcap and pcapng files byte by byte for tests, including deliberately broken ones. */
public final class CaptureWriter
{
    private ByteBuffer buffer = ByteBuffer.allocate(1 << 16);

    public static CaptureWriter pcap(
        final ByteOrder order, final boolean nanos, final int snapLength, final int linkType)
    {
        final CaptureWriter w = new CaptureWriter();
        w.buffer.order(order);
        w.i32(nanos ? 0xA1B23C4D : 0xA1B2C3D4).i16(2).i16(4).i32(0).i32(0).i32(snapLength).i32(linkType);
        return w;
    }

    public static CaptureWriter pcapng()
    {
        return new CaptureWriter();
    }

    public CaptureWriter record(final long seconds, final long fraction, final byte[] data)
    {
        return record(seconds, fraction, data.length, data.length, data);
    }

    public CaptureWriter record(
        final long seconds, final long fraction, final int capturedLength, final int originalLength, final byte[] data)
    {
        return i32((int)seconds).i32((int)fraction).i32(capturedLength).i32(originalLength).raw(data);
    }

    public CaptureWriter section(final ByteOrder order)
    {
        buffer.order(order);
        return block(0x0A0D0D0A, cat(i32b(0x1A2B3C4D), i16b(1), i16b(0), i64b(-1)));
    }

    public CaptureWriter interfaceBlock(final int linkType, final int snapLength, final Integer tsresol, final Long tsoffset)
    {
        byte[] body = cat(i16b(linkType), i16b(0), i32b(snapLength));
        if (tsresol != null)
        {
            body = cat(body, i16b(9), i16b(1), new byte[]{tsresol.byteValue(), 0, 0, 0});
        }
        if (tsoffset != null)
        {
            body = cat(body, i16b(14), i16b(8), i64b(tsoffset));
        }
        if (tsresol != null || tsoffset != null)
        {
            body = cat(body, i16b(0), i16b(0));
        }
        return block(1, body);
    }

    public CaptureWriter enhancedPacket(final int interfaceId, final long ticks, final byte[] data, final int originalLength)
    {
        return block(6, cat(i32b(interfaceId), i32b((int)(ticks >>> 32)), i32b((int)ticks), i32b(data.length),
            i32b(originalLength), pad(data)));
    }

    public CaptureWriter obsoletePacket(final int interfaceId, final long ticks, final byte[] data)
    {
        return block(2, cat(i16b(interfaceId), i16b(0), i32b((int)(ticks >>> 32)), i32b((int)ticks), i32b(data.length),
            i32b(data.length), pad(data)));
    }

    public CaptureWriter simplePacket(final byte[] data, final int originalLength)
    {
        return block(3, cat(i32b(originalLength), pad(data)));
    }

    public CaptureWriter block(final int type, final byte[] body)
    {
        final int length = 12 + body.length;
        return i32(type).i32(length).raw(body).i32(length);
    }

    public CaptureWriter raw(final byte[] bytes)
    {
        ensure(bytes.length);
        buffer.put(bytes);
        return this;
    }

    public CaptureWriter i32(final int v)
    {
        ensure(4);
        buffer.putInt(v);
        return this;
    }

    public CaptureWriter i16(final int v)
    {
        ensure(2);
        buffer.putShort((short)v);
        return this;
    }

    public int size()
    {
        return buffer.position();
    }

    public byte[] bytes()
    {
        return Arrays.copyOf(buffer.array(), buffer.position());
    }

    private void ensure(final int n)
    {
        if (buffer.remaining() < n)
        {
            final ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + n));
            bigger.order(buffer.order());
            buffer.flip();
            bigger.put(buffer);
            buffer = bigger;
        }
    }

    private byte[] i32b(final int v)
    {
        return ByteBuffer.allocate(4).order(buffer.order()).putInt(v).array();
    }

    private byte[] i16b(final int v)
    {
        return ByteBuffer.allocate(2).order(buffer.order()).putShort((short)v).array();
    }

    private byte[] i64b(final long v)
    {
        return ByteBuffer.allocate(8).order(buffer.order()).putLong(v).array();
    }

    private static byte[] pad(final byte[] data)
    {
        return Arrays.copyOf(data, (data.length + 3) & ~3);
    }

    private static byte[] cat(final byte[]... parts)
    {
        int n = 0;
        for (final byte[] p : parts)
        {
            n += p.length;
        }
        final byte[] out = new byte[n];
        int o = 0;
        for (final byte[] p : parts)
        {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}

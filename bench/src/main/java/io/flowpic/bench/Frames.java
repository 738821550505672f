package io.flowpic.bench;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Pre-built Ethernet / IPv4 / TCP frames, one distinct 5-tuple per flow, packed at a fixed stride in one
 * off-heap buffer (the layout bytes follow flowtable's test helper {@code decode.Packets}).
 * Only the 54 header bytes are captured; the IPv4 total length field carries the packet size, as with a
 * small snap length.
 */
final class Frames
{
    static final int STRIDE = 64;
    static final int CAPTURED = 14 + 20 + 20;
    static final int DST_IP = 0xC0A80102; // 192.168.1.2
    static final int DST_PORT = 443;

    private Frames()
    {
    }

    /** Source address of flow {@code i}: 10.0.0.0 + i (distinct for i < 2^24). */
    static int srcIp(final int i)
    {
        return 0x0A000000 + i;
    }

    static int srcPort(final int i)
    {
        return 1024 + (i & 0x7FFF);
    }

    /** IP length of flow {@code i}'s packets: spread over 40..1500 so rows vary. */
    static int ipLength(final int i)
    {
        return 40 + (int)((i * 7919L) % 1461);
    }

    static UnsafeBuffer build(final int flows)
    {
        final UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(flows * STRIDE));
        for (int i = 0; i < flows; i++)
        {
            final int o = i * STRIDE;
            for (int m = 0; m < 12; m++)
            {
                b.putByte(o + m, (byte)m); // dst + src MAC
            }
            b.putShort(o + 12, (short)0x0800, ByteOrder.BIG_ENDIAN);
            final int ip = o + 14;
            b.putByte(ip, (byte)0x45);
            b.putByte(ip + 1, (byte)0);
            b.putShort(ip + 2, (short)ipLength(i), ByteOrder.BIG_ENDIAN);
            b.putShort(ip + 4, (short)0, ByteOrder.BIG_ENDIAN); // id
            b.putShort(ip + 6, (short)0x4000, ByteOrder.BIG_ENDIAN); // DF, offset 0
            b.putByte(ip + 8, (byte)64);
            b.putByte(ip + 9, (byte)6); // TCP
            b.putShort(ip + 10, (short)0, ByteOrder.BIG_ENDIAN);
            b.putInt(ip + 12, srcIp(i), ByteOrder.BIG_ENDIAN);
            b.putInt(ip + 16, DST_IP, ByteOrder.BIG_ENDIAN);
            final int tcp = ip + 20;
            b.putShort(tcp, (short)srcPort(i), ByteOrder.BIG_ENDIAN);
            b.putShort(tcp + 2, (short)DST_PORT, ByteOrder.BIG_ENDIAN);
            b.putInt(tcp + 4, 1, ByteOrder.BIG_ENDIAN);
            b.putInt(tcp + 8, 0, ByteOrder.BIG_ENDIAN);
            b.putByte(tcp + 12, (byte)0x50);
            b.putByte(tcp + 13, (byte)0x18);
            b.putShort(tcp + 14, (short)0xFFFF, ByteOrder.BIG_ENDIAN);
        }
        return b;
    }
}

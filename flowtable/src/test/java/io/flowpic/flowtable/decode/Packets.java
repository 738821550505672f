package io.flowpic.flowtable.decode;

import java.io.ByteArrayOutputStream;

/** Hand-built packet bytes for tests. All multi-byte fields big-endian unless stated. */
public final class Packets
{
    public static final int V4_SRC = 0x0A000001; // 10.0.0.1
    public static final int V4_DST = 0xC0A80102; // 192.168.1.2
    public static final long V6_SRC_HI = 0x20010DB800000000L;
    public static final long V6_SRC_LO = 0x0000000000000001L;
    public static final long V6_DST_HI = 0x20010DB800000001L;
    public static final long V6_DST_LO = 0x00000000000000FFL;

    private Packets()
    {
    }

    public static byte[] cat(final byte[]... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    public static byte[] u8(final int... values)
    {
        final byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++)
        {
            b[i] = (byte)values[i];
        }
        return b;
    }

    public static byte[] u16(final int value)
    {
        return u8(value >>> 8, value);
    }

    public static byte[] u32(final int value)
    {
        return u8(value >>> 24, value >>> 16, value >>> 8, value);
    }

    public static byte[] u64(final long value)
    {
        return cat(u32((int)(value >>> 32)), u32((int)value));
    }

    public static byte[] zeros(final int n)
    {
        return new byte[n];
    }

    public static byte[] tcp(final int srcPort, final int dstPort, final int payloadLength)
    {
        return cat(u16(srcPort), u16(dstPort), u32(1), u32(0), u8(0x50, 0x18), u16(65535), u16(0), u16(0),
            zeros(payloadLength));
    }

    public static byte[] udp(final int srcPort, final int dstPort, final byte[] payload)
    {
        return cat(u16(srcPort), u16(dstPort), u16(8 + payload.length), u16(0), payload);
    }

    public static byte[] udp(final int srcPort, final int dstPort, final int payloadLength)
    {
        return udp(srcPort, dstPort, zeros(payloadLength));
    }

    public static byte[] ipv4(final int protocol, final byte[] payload)
    {
        return ipv4(V4_SRC, V4_DST, protocol, 0, 0, new byte[0], payload);
    }

    public static byte[] ipv4(
        final int src, final int dst, final int protocol, final int id, final int flagsAndOffset, final byte[] options,
        final byte[] payload)
    {
        final int headerLength = 20 + options.length;
        return cat(
            u8(0x40 | (headerLength / 4), 0), u16(headerLength + payload.length), u16(id), u16(flagsAndOffset),
            u8(64, protocol), u16(0), u32(src), u32(dst), options, payload);
    }

    public static byte[] ipv6(final int nextHeader, final byte[] payload)
    {
        return cat(u32(0x60000000), u16(payload.length), u8(nextHeader, 64),
            u64(V6_SRC_HI), u64(V6_SRC_LO), u64(V6_DST_HI), u64(V6_DST_LO), payload);
    }

    /** Generic 8-byte-unit extension header: next header, length, padding to 8 * (units + 1). */
    public static byte[] extension(final int nextHeader, final int units)
    {
        final byte[] b = new byte[8 * (units + 1)];
        b[0] = (byte)nextHeader;
        b[1] = (byte)units;
        return b;
    }

    public static byte[] ipv6Fragment(final int nextHeader, final int offset8, final boolean more, final int id)
    {
        return cat(u8(nextHeader, 0), u16((offset8 << 3) | (more ? 1 : 0)), u32(id));
    }

    public static byte[] ethernet(final int etherType, final byte[] payload)
    {
        return cat(u8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), u16(etherType), payload);
    }

    public static byte[] vlan(final int tpid, final int vid, final int etherType, final byte[] payload)
    {
        return cat(u16(tpid), u16(vid), u16(etherType), payload);
    }

    public static byte[] gre(final int flagsVersion, final int protocolType, final byte[] extra, final byte[] payload)
    {
        return cat(u16(flagsVersion), u16(protocolType), extra, payload);
    }

    public static byte[] vxlan(final byte[] innerFrame)
    {
        return cat(u8(0x08, 0, 0, 0), u8(0, 0, 42, 0), innerFrame);
    }

    public static byte[] gtpU(final byte[] innerIp)
    {
        return cat(u8(0x30, 0xFF), u16(innerIp.length), u32(0x1234), innerIp);
    }

    public static byte[] truncate(final byte[] bytes, final int length)
    {
        final byte[] b = new byte[Math.min(length, bytes.length)];
        System.arraycopy(bytes, 0, b, 0, b.length);
        return b;
    }
}

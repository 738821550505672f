package io.flowpic.flowtable.decode;

import io.flowpic.flowtable.capture.LinkType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;

import static io.flowpic.flowtable.decode.Packets.*;
import static org.junit.jupiter.api.Assertions.*;

class DecoderRobustnessTest
{
    private static final int[] LINK_TYPES = {
        LinkType.NULL, LinkType.ETHERNET, LinkType.PPP, LinkType.RAW_BSD, LinkType.RAW_OPENBSD, LinkType.PPP_HDLC,
        LinkType.RAW, LinkType.C_HDLC, LinkType.LOOP, LinkType.LINUX_SLL, LinkType.IPV4, LinkType.IPV6,
        LinkType.LINUX_SLL2, 105, 9999};

    /** Valid frames exercising every decoding path; mutated below. */
    private static List<Object[]> seeds()
    {
        final byte[] v4 = ipv4(6, tcp(40000, 443, 20));
        final byte[] v6 = ipv6(17, udp(5353, 53, 20));
        return List.of(
            new Object[]{LinkType.ETHERNET, cat(ethernet(0x8100, u16(1)), u16(0x88A8), u16(2), u16(0x0800), v4)},
            new Object[]{LinkType.ETHERNET, cat(ethernet(0x8847, u8(0, 1, 1, 64)), v6)},
            new Object[]{LinkType.ETHERNET, ethernet(0x8864, cat(u8(0x11, 0), u16(1), u16(0), u16(0x0057), v6))},
            new Object[]{LinkType.RAW, ipv6(0, cat(extension(44, 0), ipv6Fragment(51, 0, true, 3), u8(17, 1), zeros(10),
                udp(1, 2, 10)))},
            new Object[]{LinkType.RAW, ipv4(47, gre(0xB000, 0x6558, zeros(12), ethernet(0x0800, v4)))},
            new Object[]{LinkType.RAW, ipv4(47, gre(0x3081, 0x880B, zeros(12), cat(u8(0xFF, 3, 0, 0x21), v4)))},
            new Object[]{LinkType.RAW, ipv4(17, udp(1, 4789, Packets.vxlan(ethernet(0x86DD, ipv6(4, v4)))))},
            new Object[]{LinkType.RAW, ipv4(17, udp(2152, 2152, cat(u8(0x34, 0xFF), u16(0), u32(1), u16(7), u8(0, 0x85),
                u8(1, 0x10, 5, 0), ipv4(41, v6))))},
            new Object[]{LinkType.LINUX_SLL2, cat(u16(0x0800), zeros(18), ipv4(V4_SRC, V4_DST, 17, 5, 0x2000,
                u8(1, 1, 1, 0), udp(1, 2, 30)))},
            new Object[]{LinkType.PPP, cat(u8(0x21), ipv4(4, v4))},
            new Object[]{LinkType.NULL, cat(u8(30, 0, 0, 0), v6)});
    }

    @Test
    void randomBytesTruncationsAndBitFlipsNeverThrow()
    {
        final Random random = new Random(0xF10_71C);
        final PacketDecoder decoder = new PacketDecoder(64);
        final DecodedPacket out = new DecodedPacket();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
        final List<Object[]> seeds = seeds();
        int ok = 0;

        for (int round = 0; round < 200_000; round++)
        {
            final int linkType;
            final int length;
            if (round % 4 == 0)
            {
                linkType = LINK_TYPES[random.nextInt(LINK_TYPES.length)];
                length = random.nextInt(200);
                for (int i = 0; i < length; i++)
                {
                    buffer.putByte(i, (byte)random.nextInt());
                }
            }
            else
            {
                final Object[] seed = seeds.get(random.nextInt(seeds.size()));
                final byte[] frame = (byte[])seed[1];
                linkType = (Integer)seed[0];
                buffer.putBytes(0, frame);
                length = random.nextInt(frame.length + 1);
                final int flips = random.nextInt(4);
                for (int i = 0; i < flips && length > 0; i++)
                {
                    final int at = random.nextInt(length);
                    buffer.putByte(at, (byte)(buffer.getByte(at) ^ (1 << random.nextInt(8))));
                }
            }
            final int offset = round % 7 == 0 ? random.nextInt(600) - 50 : 0;
            final DecodeResult result = decoder.decode(linkType, buffer, offset, length, out);
            assertNotNull(result);
            if (result == DecodeResult.OK)
            {
                ok++;
                assertTrue(out.ipVersion == 4 || out.ipVersion == 6);
                assertTrue(out.protocol == 6 || out.protocol == 17);
            }
        }
        assertTrue(ok > 1000, "mutations should still often decode, got " + ok);
    }

    @Test
    void decodingAllocatesNothing()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assumeAllocationCounting(threads);
        final PacketDecoder decoder = new PacketDecoder(1024);
        final DecodedPacket out = new DecodedPacket();
        final List<Object[]> seeds = seeds();
        final UnsafeBuffer[] buffers = new UnsafeBuffer[seeds.size()];
        final int[] linkTypes = new int[seeds.size()];
        for (int i = 0; i < buffers.length; i++)
        {
            buffers[i] = new UnsafeBuffer((byte[])seeds.get(i)[1]);
            linkTypes[i] = (Integer)seeds.get(i)[0];
        }
        long sink = 0;
        for (int warm = 0; warm < 50_000; warm++)
        {
            final int i = warm % buffers.length;
            sink += decoder.decode(linkTypes[i], buffers[i], 0, buffers[i].capacity(), out).ordinal();
        }
        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int n = 0; n < 100_000; n++)
        {
            final int i = n % buffers.length;
            sink += decoder.decode(linkTypes[i], buffers[i], 0, buffers[i].capacity(), out).ordinal();
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 4096, "allocated " + allocated + " bytes for 100k packets (sink " + sink + ")");
    }

    private static void assumeAllocationCounting(final com.sun.management.ThreadMXBean threads)
    {
        org.junit.jupiter.api.Assumptions.assumeTrue(
            threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
            "thread allocation counting unavailable");
    }
}

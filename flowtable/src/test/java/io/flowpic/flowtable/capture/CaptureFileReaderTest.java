package io.flowpic.flowtable.capture;

import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static org.junit.jupiter.api.Assertions.*;

class CaptureFileReaderTest
{
    @TempDir
    Path dir;

    record Seen(int linkType, byte[] data, int originalLength, long timestampNanos)
    {
    }

    static final class Collector implements PacketHandler
    {
        final List<Seen> packets = new ArrayList<>();

        @Override
        public void onPacket(
            final int linkType, final DirectBuffer buffer, final int offset, final int capturedLength,
            final int originalLength, final long timestampNanos)
        {
            final byte[] data = new byte[capturedLength];
            buffer.getBytes(offset, data);
            packets.add(new Seen(linkType, data, originalLength, timestampNanos));
        }
    }

    private static byte[] packet(final int n, final int length)
    {
        final byte[] b = new byte[length];
        Arrays.fill(b, (byte)n);
        return b;
    }

    private Path write(final String name, final byte[] bytes) throws IOException
    {
        final Path file = dir.resolve(name);
        Files.write(file, bytes);
        return file;
    }

    private CaptureReadResult read(final Path file, final Collector collector) throws CaptureFileException
    {
        return new CaptureFileReader().read(file, collector);
    }

    @Test
    void pcapMicrosecondsBothByteOrders() throws Exception
    {
        for (final ByteOrder order : new ByteOrder[]{LITTLE_ENDIAN, BIG_ENDIAN})
        {
            final CaptureWriter w = CaptureWriter.pcap(order, false, 65535, LinkType.ETHERNET)
                .record(1_700_000_000L, 123_456, packet(1, 60))
                .record(1_700_000_001L, 999_999, packet(2, 1514));
            final Path file = write("us-" + order + ".pcap", w.bytes());
            final Collector c = new Collector();
            final CaptureReadResult result = read(file, c);

            assertNull(result.warning());
            assertEquals(-1, result.warningOffset());
            assertEquals(2, result.packets());
            assertEquals(w.size(), result.bytesRead());
            assertEquals(LinkType.ETHERNET, c.packets.get(0).linkType());
            assertEquals(1_700_000_000_123_456_000L, c.packets.get(0).timestampNanos());
            assertEquals(1_700_000_001_999_999_000L, c.packets.get(1).timestampNanos());
            assertArrayEquals(packet(2, 1514), c.packets.get(1).data());
        }
    }

    @Test
    void pcapNanosecondsBothByteOrders() throws Exception
    {
        for (final ByteOrder order : new ByteOrder[]{LITTLE_ENDIAN, BIG_ENDIAN})
        {
            final Path file = write("ns.pcap", CaptureWriter.pcap(order, true, 65535, LinkType.RAW)
                .record(1_700_000_000L, 123_456_789, packet(3, 40)).bytes());
            final Collector c = new Collector();
            assertTrue(read(file, c).isClean());
            assertEquals(1_700_000_000_123_456_789L, c.packets.get(0).timestampNanos());
            assertEquals(LinkType.RAW, c.packets.get(0).linkType());
        }
    }

    @Test
    void oddSnapLengthsCapturedBeyondSnapLengthAndBackwardsTimeAreDelivered() throws Exception
    {
        for (final int snapLength : new int[]{0, -1, 64})
        {
            final Path file = write("snap.pcap", CaptureWriter.pcap(LITTLE_ENDIAN, false, snapLength, LinkType.ETHERNET)
                .record(100, 0, packet(1, 200))
                .record(99, 0, 100, 50, packet(2, 100)) // original < captured: reported as captured
                .bytes());
            final Collector c = new Collector();
            final CaptureReadResult result = read(file, c);
            assertTrue(result.isClean(), result.warning());
            assertEquals(2, c.packets.size());
            assertEquals(200, c.packets.get(0).data().length);
            assertEquals(99_000_000_000L, c.packets.get(1).timestampNanos());
            assertEquals(100, c.packets.get(1).originalLength());
        }
    }

    @Test
    void originalLengthLargerThanCapturedIsKept() throws Exception
    {
        final Path file = write("orig.pcap", CaptureWriter.pcap(LITTLE_ENDIAN, false, 96, LinkType.ETHERNET)
            .record(1, 0, 96, 1514, packet(1, 96)).bytes());
        final Collector c = new Collector();
        read(file, c);
        assertEquals(1514, c.packets.get(0).originalLength());
        assertEquals(96, c.packets.get(0).data().length);
    }

    @Test
    void truncatedRecordStopsWithWarningAfterDeliveringEarlierPackets() throws Exception
    {
        final CaptureWriter w = CaptureWriter.pcap(LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET)
            .record(1, 0, packet(1, 100));
        final int secondRecord = w.size();
        w.record(2, 0, packet(2, 100));
        final byte[] whole = w.bytes();
        final Path file = write("cut.pcap", Arrays.copyOf(whole, whole.length - 10));
        final Collector c = new Collector();
        final CaptureReadResult result = read(file, c);

        assertEquals(1, result.packets());
        assertEquals(1, c.packets.size());
        assertEquals(secondRecord, result.warningOffset());
        assertEquals(secondRecord, result.bytesRead());
        assertTrue(result.warning().contains(file.toString()), result.warning());
        assertTrue(result.warning().contains("offset " + secondRecord), result.warning());
    }

    @Test
    void truncatedRecordHeaderAndTruncatedFileHeader() throws Exception
    {
        final CaptureWriter w = CaptureWriter.pcap(BIG_ENDIAN, false, 65535, LinkType.ETHERNET).record(1, 0, packet(1, 10));
        final int end = w.size();
        final Path file = write("cut-header.pcap", Arrays.copyOf(w.bytes(), end + 7));
        final CaptureReadResult result = read(file, new Collector());
        assertEquals(1, result.packets());
        assertEquals(end, result.warningOffset());

        final Path shortHeader = write("short.pcap", Arrays.copyOf(w.bytes(), 10));
        final CaptureReadResult r2 = read(shortHeader, new Collector());
        assertEquals(0, r2.packets());
        assertNotNull(r2.warning());
        assertEquals(0, r2.warningOffset());
    }

    @Test
    void absurdCapturedLengthIsCorruption() throws Exception
    {
        final CaptureWriter w = CaptureWriter.pcap(LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET)
            .record(1, 0, packet(1, 10));
        final int bad = w.size();
        w.record(2, 0, 300_000, 300_000, packet(2, 16)).record(3, 0, packet(3, 10));
        final Collector c = new Collector();
        final CaptureReadResult result = read(write("absurd.pcap", w.bytes()), c);
        assertEquals(1, c.packets.size());
        assertEquals(bad, result.warningOffset());
        assertTrue(result.warning().contains("300000"), result.warning());

        final CaptureWriter negative = CaptureWriter.pcap(LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET)
            .record(1, 0, -5, 10, packet(1, 10));
        assertNotNull(read(write("negative.pcap", negative.bytes()), new Collector()).warning());
    }

    @Test
    void notACaptureThrowsCheckedExceptionNamingTheFile() throws Exception
    {
        final Path empty = write("empty.pcap", new byte[0]);
        final Path text = write("text.pcap", "hello, this is not a capture".getBytes());
        final Path tiny = write("tiny.pcap", new byte[]{(byte)0xD4, (byte)0xC3});
        final Path badPcapng = write("bad.pcapng", new byte[]{0x0A, 0x0D, 0x0D, 0x0A, 0, 0, 0, 28, 1, 2, 3, 4});
        for (final Path p : new Path[]{empty, text, tiny, badPcapng, dir.resolve("missing.pcap"), dir})
        {
            final CaptureFileException ex =
                assertThrows(CaptureFileException.class, () -> read(p, new Collector()), p.toString());
            assertTrue(ex.getMessage().contains(p.toString()), ex.getMessage());
        }
    }

    @Test
    void pcapngTwoInterfacesWithDifferentLinkTypesAndResolutions() throws Exception
    {
        for (final ByteOrder order : new ByteOrder[]{LITTLE_ENDIAN, BIG_ENDIAN})
        {
            final CaptureWriter w = CaptureWriter.pcapng().section(order)
                .interfaceBlock(LinkType.ETHERNET, 65535, null, null)           // default microseconds
                .interfaceBlock(LinkType.RAW, 0, 9, null)                       // nanoseconds
                .interfaceBlock(LinkType.LINUX_SLL, 0, 0x80 | 20, 1000L)        // 2^-20 s, +1000 s
                .block(4, new byte[8])                                           // name resolution block, skipped
                .enhancedPacket(0, 1_700_000_000_123_456L, packet(1, 61), 61)
                .enhancedPacket(1, 1_700_000_000_123_456_789L, packet(2, 40), 1500)
                .enhancedPacket(2, (5L << 20) | (1L << 19), packet(3, 20), 20)
                .obsoletePacket(1, 7L, packet(4, 24))
                .block(5, new byte[20]);                                         // interface statistics, skipped
            final Collector c = new Collector();
            final CaptureReadResult result = read(write("two.pcapng", w.bytes()), c);

            assertTrue(result.isClean(), result.warning());
            assertEquals(4, result.packets());
            assertEquals(w.size(), result.bytesRead());
            assertEquals(LinkType.ETHERNET, c.packets.get(0).linkType());
            assertEquals(1_700_000_000_123_456_000L, c.packets.get(0).timestampNanos());
            assertArrayEquals(packet(1, 61), c.packets.get(0).data()); // padding not delivered
            assertEquals(LinkType.RAW, c.packets.get(1).linkType());
            assertEquals(1_700_000_000_123_456_789L, c.packets.get(1).timestampNanos());
            assertEquals(1500, c.packets.get(1).originalLength());
            assertEquals(LinkType.LINUX_SLL, c.packets.get(2).linkType());
            assertEquals(1005_500_000_000L, c.packets.get(2).timestampNanos());
            assertEquals(7L, c.packets.get(3).timestampNanos());
        }
    }

    @Test
    void pcapngSectionsWithDifferentByteOrdersResetInterfaces() throws Exception
    {
        final CaptureWriter w = CaptureWriter.pcapng().section(LITTLE_ENDIAN)
            .interfaceBlock(LinkType.ETHERNET, 65535, null, null)
            .enhancedPacket(0, 1_000_000L, packet(1, 30), 30)
            .section(BIG_ENDIAN)
            .interfaceBlock(LinkType.IPV6, 65535, 9, null)
            .enhancedPacket(0, 5L, packet(2, 30), 30)
            .simplePacket(packet(3, 30), 30);
        final Collector c = new Collector();
        final CaptureReadResult result = read(write("sections.pcapng", w.bytes()), c);
        assertTrue(result.isClean(), result.warning());
        assertEquals(3, c.packets.size());
        assertEquals(LinkType.ETHERNET, c.packets.get(0).linkType());
        assertEquals(1_000_000_000L, c.packets.get(0).timestampNanos());
        assertEquals(LinkType.IPV6, c.packets.get(1).linkType());
        assertEquals(5L, c.packets.get(1).timestampNanos());
        assertEquals(LinkType.IPV6, c.packets.get(2).linkType());
        assertEquals(5L, c.packets.get(2).timestampNanos(), "simple packet repeats the last timestamp");
        assertArrayEquals(packet(3, 30), c.packets.get(2).data());
    }

    @Test
    void pcapngSimplePacketHonoursSnapLengthAndOriginalLength() throws Exception
    {
        final CaptureWriter w = CaptureWriter.pcapng().section(LITTLE_ENDIAN)
            .interfaceBlock(LinkType.RAW, 20, null, null)
            .simplePacket(packet(1, 30), 100)
            .simplePacket(packet(2, 13), 13);
        final Collector c = new Collector();
        assertTrue(read(write("spb.pcapng", w.bytes()), c).isClean());
        assertEquals(20, c.packets.get(0).data().length);
        assertEquals(100, c.packets.get(0).originalLength());
        assertEquals(13, c.packets.get(1).data().length);
    }

    @Test
    void pcapngCorruptionIsReportedWithOffset() throws Exception
    {
        final CaptureWriter good = CaptureWriter.pcapng().section(LITTLE_ENDIAN)
            .interfaceBlock(LinkType.ETHERNET, 65535, null, null)
            .enhancedPacket(0, 1, packet(1, 60), 60);
        final int end = good.size();

        // Truncated block.
        final byte[] withSecond = CaptureWriter.pcapng().section(LITTLE_ENDIAN)
            .interfaceBlock(LinkType.ETHERNET, 65535, null, null)
            .enhancedPacket(0, 1, packet(1, 60), 60)
            .enhancedPacket(0, 2, packet(2, 60), 60).bytes();
        CaptureReadResult r = read(write("cut.pcapng", Arrays.copyOf(withSecond, withSecond.length - 5)), new Collector());
        assertEquals(1, r.packets());
        assertEquals(end, r.warningOffset());

        // Impossible block length.
        r = read(write("badlen.pcapng", CaptureWriter.pcapng().raw(good.bytes()).i32(6).i32(13).bytes()), new Collector());
        assertEquals(1, r.packets());
        assertEquals(end, r.warningOffset());

        // Packet for an interface that was never declared.
        r = read(write("noif.pcapng", CaptureWriter.pcapng().section(LITTLE_ENDIAN).raw(
            Arrays.copyOfRange(good.bytes(), 28, good.size())).enhancedPacket(3, 1, packet(1, 10), 10).bytes()),
            new Collector());
        assertEquals(1, r.packets());
        assertTrue(r.warning().contains("interface"), r.warning());

        // Captured length larger than the block.
        final CaptureWriter lying = CaptureWriter.pcapng().section(LITTLE_ENDIAN)
            .interfaceBlock(LinkType.ETHERNET, 65535, null, null);
        final int lyingAt = lying.size();
        lying.block(6, littleEndianInts(0, 0, 1, 500, 500));
        r = read(write("lying.pcapng", lying.bytes()), new Collector());
        assertEquals(0, r.packets());
        assertEquals(lyingAt, r.warningOffset());

        // Section header cut inside the first 12 bytes is a damaged pcapng, not an exception.
        r = read(write("shb.pcapng", new byte[]{0x0A, 0x0D, 0x0D, 0x0A, 28, 0, 0, 0}), new Collector());
        assertEquals(0, r.warningOffset());
    }

    private static byte[] littleEndianInts(final int... values)
    {
        final java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(values.length * 4).order(LITTLE_ENDIAN);
        for (final int v : values)
        {
            b.putInt(v);
        }
        return b.array();
    }

    @Test
    void smallWindowsRemapWithoutLosingOrCorruptingPackets() throws Exception
    {
        final CaptureWriter w = CaptureWriter.pcap(LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET);
        final CaptureWriter ng = CaptureWriter.pcapng().section(BIG_ENDIAN)
            .interfaceBlock(LinkType.ETHERNET, 0, null, null);
        for (int i = 0; i < 2000; i++)
        {
            final byte[] p = packet(i, 40 + (i * 37) % 3000);
            w.record(i, 0, p);
            ng.enhancedPacket(0, i, p, p.length);
        }
        for (final byte[] file : new byte[][]{w.bytes(), ng.bytes()})
        {
            final Path path = write("many.cap", file);
            final Collector small = new Collector();
            final CaptureReadResult result = new CaptureFileReader(4096).read(path, small);
            assertTrue(result.isClean(), result.warning());
            assertEquals(2000, small.packets.size());
            for (int i = 0; i < 2000; i++)
            {
                assertArrayEquals(packet(i, 40 + (i * 37) % 3000), small.packets.get(i).data(), "packet " + i);
            }
        }
    }
}

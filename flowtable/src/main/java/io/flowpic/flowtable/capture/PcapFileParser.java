package io.flowpic.flowtable.capture;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;

import static io.flowpic.flowtable.capture.CaptureFileReader.MAX_CAPTURED_LENGTH;
import static io.flowpic.flowtable.capture.CaptureFileReader.warning;

/**
 * Classic libpcap format: 24-byte file header, then (16-byte record header, packet bytes)*.
 */
final class PcapFileParser
{
    private static final int MAGIC_MICROS = 0xA1B2C3D4;
    private static final int MAGIC_NANOS = 0xA1B23C4D;
    /** Alexey Kuznetzov's patched libpcap: 8 extra bytes (ifindex, protocol, pkt_type) per record. */
    private static final int MAGIC_KUZNETZOV = 0xA1B2CD34;
    private static final int FILE_HEADER_LENGTH = 24;

    static boolean isMagic(final int bigEndianMagic)
    {
        final int m = bigEndianMagic;
        final int r = Integer.reverseBytes(m);
        return m == MAGIC_MICROS || m == MAGIC_NANOS || m == MAGIC_KUZNETZOV ||
            r == MAGIC_MICROS || r == MAGIC_NANOS || r == MAGIC_KUZNETZOV;
    }

    CaptureReadResult parse(final Path file, final MappedFileWindow window, final int bigEndianMagic, final PacketHandler handler)
    {
        final boolean bigEndian = bigEndianMagic == MAGIC_MICROS || bigEndianMagic == MAGIC_NANOS ||
            bigEndianMagic == MAGIC_KUZNETZOV;
        final ByteOrder order = bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        final int magic = bigEndian ? bigEndianMagic : Integer.reverseBytes(bigEndianMagic);
        final long fractionToNanos = magic == MAGIC_NANOS ? 1 : 1000;
        final int recordHeaderLength = magic == MAGIC_KUZNETZOV ? 24 : 16;
        final long size = window.fileSize();

        long packets = 0;
        long position = 0;
        try
        {
            int index = window.map(0, FILE_HEADER_LENGTH);
            if (index < 0)
            {
                return damaged(file, packets, position, "truncated pcap file header");
            }
            UnsafeBuffer buffer = window.buffer();
            // Snap length is deliberately ignored: 0, 2^32-1 and values below the real caplen all occur in the wild.
            // The upper bits of the link-type field carry FCS information, not the link type.
            final int linkType = buffer.getInt(index + 20, order) & 0xFFFF;
            position = FILE_HEADER_LENGTH;

            while (position < size)
            {
                index = window.map(position, recordHeaderLength);
                if (index < 0)
                {
                    return damaged(file, packets, position, "truncated pcap record header");
                }
                buffer = window.buffer();
                final long seconds = buffer.getInt(index, order) & 0xFFFF_FFFFL;
                final long fraction = buffer.getInt(index + 4, order) & 0xFFFF_FFFFL;
                final int capturedLength = buffer.getInt(index + 8, order);
                final int originalLength = buffer.getInt(index + 12, order);
                if (capturedLength < 0 || capturedLength > MAX_CAPTURED_LENGTH)
                {
                    return damaged(file, packets, position,
                        "impossible captured length " + Integer.toUnsignedString(capturedLength));
                }
                final int dataIndex = window.map(position + recordHeaderLength, capturedLength);
                if (dataIndex < 0)
                {
                    return damaged(file, packets, position, "truncated pcap record (captured length " + capturedLength + ")");
                }
                handler.onPacket(
                    linkType,
                    window.buffer(),
                    dataIndex,
                    capturedLength,
                    originalLength < capturedLength ? capturedLength : originalLength,
                    seconds * 1_000_000_000L + fraction * fractionToNanos);
                packets++;
                position += recordHeaderLength + capturedLength;
            }
            return new CaptureReadResult(file, packets, position, null, -1);
        }
        catch (final IOException ex)
        {
            return damaged(file, packets, position, "I/O error (" + ex.getMessage() + ")");
        }
    }

    private static CaptureReadResult damaged(final Path file, final long packets, final long position, final String what)
    {
        return new CaptureReadResult(file, packets, position, warning(file, position, what), position);
    }
}

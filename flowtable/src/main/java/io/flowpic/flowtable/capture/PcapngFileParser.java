package io.flowpic.flowtable.capture;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;

import static io.flowpic.flowtable.capture.CaptureFileReader.MAX_CAPTURED_LENGTH;
import static io.flowpic.flowtable.capture.CaptureFileReader.warning;

/**
 * pcapng: a sequence of sections (SHB + IDBs + packet blocks), each with its own byte order and interfaces.
 */
final class PcapngFileParser
{
    static final int SECTION_HEADER_BLOCK = 0x0A0D0D0A;
    private static final int INTERFACE_DESCRIPTION_BLOCK = 1;
    private static final int OBSOLETE_PACKET_BLOCK = 2;
    private static final int SIMPLE_PACKET_BLOCK = 3;
    private static final int ENHANCED_PACKET_BLOCK = 6;
    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final int OPTION_END = 0;
    private static final int OPTION_IF_TSRESOL = 9;
    private static final int OPTION_IF_TSOFFSET = 14;
    /** Generous bound for non-packet blocks (name resolution, decryption secrets); beyond is corruption. */
    private static final int MAX_BLOCK_LENGTH = 64 * 1024 * 1024;
    private static final int MIN_BLOCK_LENGTH = 12;

    // Interfaces of the current section, indexed by interface id. Grown only on IDBs, never per packet.
    private int interfaceCount;
    private int[] linkTypes = new int[4];
    private int[] snapLengths = new int[4];
    private TimestampScale[] scales = new TimestampScale[4];

    CaptureReadResult parse(final Path file, final MappedFileWindow window, final PacketHandler handler)
        throws CaptureFileException
    {
        final long size = window.fileSize();
        ByteOrder order = ByteOrder.BIG_ENDIAN;
        long packets = 0;
        long position = 0;
        long lastTimestamp = 0;
        interfaceCount = 0;
        try
        {
            while (position < size)
            {
                int index = window.map(position, 8);
                if (index < 0)
                {
                    return damaged(file, packets, position, "truncated pcapng block header");
                }
                UnsafeBuffer buffer = window.buffer();
                final int type = buffer.getInt(index, order);
                if (type == SECTION_HEADER_BLOCK)
                {
                    index = window.map(position, 12);
                    if (index < 0)
                    {
                        return damaged(file, packets, position, "truncated pcapng section header");
                    }
                    buffer = window.buffer();
                    final int magic = buffer.getInt(index + 8, ByteOrder.BIG_ENDIAN);
                    if (magic == BYTE_ORDER_MAGIC)
                    {
                        order = ByteOrder.BIG_ENDIAN;
                    }
                    else if (magic == Integer.reverseBytes(BYTE_ORDER_MAGIC))
                    {
                        order = ByteOrder.LITTLE_ENDIAN;
                    }
                    else if (position == 0)
                    {
                        throw new CaptureFileException(String.format(
                            "%s: not a pcapng capture (byte-order magic 0x%08x)", file, magic));
                    }
                    else
                    {
                        return damaged(file, packets, position, "bad pcapng byte-order magic");
                    }
                    interfaceCount = 0;
                }

                final long blockLength = buffer.getInt(index + 4, order) & 0xFFFF_FFFFL;
                if (blockLength < MIN_BLOCK_LENGTH || (blockLength & 3) != 0 || blockLength > MAX_BLOCK_LENGTH)
                {
                    return damaged(file, packets, position, "impossible pcapng block length " + blockLength);
                }
                final int length = (int)blockLength;
                final int block = window.map(position, length);
                if (block < 0)
                {
                    return damaged(file, packets, position, "truncated pcapng block (length " + length + ")");
                }
                buffer = window.buffer();
                if (buffer.getInt(block + length - 4, order) != length)
                {
                    return damaged(file, packets, position, "pcapng block trailer length mismatch");
                }

                switch (type)
                {
                    case INTERFACE_DESCRIPTION_BLOCK:
                        if (length < 20)
                        {
                            return damaged(file, packets, position, "pcapng interface block too short");
                        }
                        addInterface(buffer, block, length, order);
                        break;

                    case ENHANCED_PACKET_BLOCK:
                    case OBSOLETE_PACKET_BLOCK:
                    {
                        if (length < 32)
                        {
                            return damaged(file, packets, position, "pcapng packet block too short");
                        }
                        final int interfaceId = type == ENHANCED_PACKET_BLOCK ?
                            buffer.getInt(block + 8, order) : buffer.getShort(block + 8, order) & 0xFFFF;
                        final long ticks = ((buffer.getInt(block + 12, order) & 0xFFFF_FFFFL) << 32) |
                            (buffer.getInt(block + 16, order) & 0xFFFF_FFFFL);
                        final int capturedLength = buffer.getInt(block + 20, order);
                        final int originalLength = buffer.getInt(block + 24, order);
                        if (interfaceId < 0 || interfaceId >= interfaceCount)
                        {
                            return damaged(file, packets, position, "packet for undeclared interface " + interfaceId);
                        }
                        if (capturedLength < 0 || capturedLength > MAX_CAPTURED_LENGTH || capturedLength > length - 32)
                        {
                            return damaged(file, packets, position,
                                "impossible captured length " + Integer.toUnsignedString(capturedLength));
                        }
                        lastTimestamp = scales[interfaceId].toNanos(ticks);
                        handler.onPacket(linkTypes[interfaceId], buffer, block + 28, capturedLength,
                            originalLength < capturedLength ? capturedLength : originalLength,
                            lastTimestamp);
                        packets++;
                        break;
                    }

                    case SIMPLE_PACKET_BLOCK:
                    {
                        if (interfaceCount == 0)
                        {
                            return damaged(file, packets, position, "simple packet block without interface");
                        }
                        if (length < 16)
                        {
                            // 12 bytes pass the generic block checks but leave no room for the original length;
                            // it used to deliver a packet of captured length -4 (found while adding the fuzz tests).
                            return damaged(file, packets, position, "pcapng simple packet block too short");
                        }
                        final int originalLength = buffer.getInt(block + 8, order);
                        int capturedLength = length - 16;
                        if (originalLength >= 0 && originalLength < capturedLength)
                        {
                            capturedLength = originalLength;
                        }
                        final int snapLength = snapLengths[0];
                        if (snapLength > 0 && snapLength < capturedLength)
                        {
                            capturedLength = snapLength;
                        }
                        if (capturedLength > MAX_CAPTURED_LENGTH)
                        {
                            return damaged(file, packets, position, "impossible captured length " + capturedLength);
                        }
                        // SPBs carry no timestamp; repeating the previous one keeps time monotonic for flow ageing.
                        handler.onPacket(linkTypes[0], buffer, block + 12, capturedLength,
                            originalLength < capturedLength ? capturedLength : originalLength, lastTimestamp);
                        packets++;
                        break;
                    }

                    default:
                        // SHB (already handled), name resolution, statistics, custom and unknown blocks.
                        break;
                }
                position += length;
            }
            return new CaptureReadResult(file, packets, position, null, -1);
        }
        catch (final IOException ex)
        {
            return damaged(file, packets, position, "I/O error (" + ex.getMessage() + ")");
        }
    }

    private void addInterface(final UnsafeBuffer buffer, final int block, final int length, final ByteOrder order)
    {
        if (interfaceCount == linkTypes.length)
        {
            final int newLength = interfaceCount * 2;
            linkTypes = Arrays.copyOf(linkTypes, newLength);
            snapLengths = Arrays.copyOf(snapLengths, newLength);
            scales = Arrays.copyOf(scales, newLength);
        }
        final int id = interfaceCount++;
        linkTypes[id] = buffer.getShort(block + 8, order) & 0xFFFF;
        snapLengths[id] = buffer.getInt(block + 12, order);
        if (scales[id] == null)
        {
            scales[id] = new TimestampScale();
        }
        final TimestampScale scale = scales[id];
        scale.reset();

        // Malformed options only lose the option, they do not make the interface unusable.
        int option = block + 16;
        final int end = block + length - 4;
        while (option + 4 <= end)
        {
            final int code = buffer.getShort(option, order) & 0xFFFF;
            final int optionLength = buffer.getShort(option + 2, order) & 0xFFFF;
            if (code == OPTION_END || option + 4 + optionLength > end)
            {
                break;
            }
            if (code == OPTION_IF_TSRESOL && optionLength >= 1)
            {
                scale.resolution(buffer.getByte(option + 4) & 0xFF);
            }
            else if (code == OPTION_IF_TSOFFSET && optionLength >= 8)
            {
                scale.offsetSeconds(buffer.getLong(option + 4, order));
            }
            option += 4 + ((optionLength + 3) & ~3);
        }
    }

    private static CaptureReadResult damaged(final Path file, final long packets, final long position, final String what)
    {
        return new CaptureReadResult(file, packets, position, warning(file, position, what), position);
    }
}

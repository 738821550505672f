package io.flowpic.flowtable.capture;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads pcap and pcapng capture files through memory-mapped windows, without libpcap.
 * <p>
 * Not thread safe; one reader may be reused for many files sequentially.
 */
public final class CaptureFileReader
{
    /** Larger than any snap length libpcap or Wireshark writes (262144); anything above is corruption. */
    static final int MAX_CAPTURED_LENGTH = 256 * 1024;
    static final long DEFAULT_WINDOW_SIZE = 256L * 1024 * 1024;

    private final long windowSize;
    private final PcapFileParser pcapParser = new PcapFileParser();
    private final PcapngFileParser pcapngParser = new PcapngFileParser();

    public CaptureFileReader()
    {
        this(DEFAULT_WINDOW_SIZE);
    }

    /** Small windows let tests exercise re-mapping without multi-GiB files. */
    CaptureFileReader(final long windowSize)
    {
        this.windowSize = windowSize;
    }

    /**
     * Delivers every packet of {@code file} to {@code handler}, in file order.
     *
     * Exceptions thrown by the handler propagate unchanged (the mapping is released first).
     *
     * @return counts and, if the file is damaged part-way, where and why reading stopped.
     * @throws CaptureFileException if the file cannot be opened, is empty or is not a pcap/pcapng capture.
     */
    public CaptureReadResult read(final Path file, final PacketHandler handler) throws CaptureFileException
    {
        if (!Files.isRegularFile(file))
        {
            throw new CaptureFileException(file + ": not a regular file or does not exist");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final long size = channel.size();
            if (size == 0)
            {
                throw new CaptureFileException(file + ": empty file, not a capture");
            }
            if (size < 4)
            {
                throw new CaptureFileException(file + ": " + size + " bytes, too short to be a capture");
            }
            try (MappedFileWindow window = new MappedFileWindow(channel, size, windowSize))
            {
                final int magic = readMagic(window);
                if (PcapFileParser.isMagic(magic))
                {
                    return pcapParser.parse(file, window, magic, handler);
                }
                if (magic == PcapngFileParser.SECTION_HEADER_BLOCK)
                {
                    return pcapngParser.parse(file, window, handler);
                }
                throw new CaptureFileException(String.format(
                    "%s: not a pcap or pcapng capture (first bytes 0x%08x)", file, magic));
            }
        }
        catch (final IOException ex)
        {
            throw new CaptureFileException(file + ": cannot read: " + ex, ex);
        }
    }

    private static int readMagic(final MappedFileWindow window) throws IOException
    {
        final int index = window.map(0, 4);
        return window.buffer().getInt(index, ByteOrder.BIG_ENDIAN);
    }

    static String warning(final Path file, final long offset, final String what)
    {
        return file + ": " + what + " at byte offset " + offset + "; stopped reading";
    }
}

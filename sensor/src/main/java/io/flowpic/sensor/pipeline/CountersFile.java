package io.flowpic.sensor.pipeline;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The sensor's counters in a memory-mapped file, as Aeron's CnC file holds its counters: the
 * running sensor writes them, {@code flowpic stat} maps the same file and reads them without any
 * request to the process. Layout: a 64-byte header (magic, version, pid, start time), then Agrona's
 * counters metadata and values buffers.
 */
public final class CountersFile implements AutoCloseable
{
    public static final String FILE_NAME = "flowpic-counters.dat";
    private static final int MAGIC = 0x46504331; // "FPC1"
    private static final int VERSION = 1;
    private static final int HEADER_LENGTH = 64;
    private static final int MAGIC_OFFSET = 0;
    private static final int VERSION_OFFSET = 4;
    private static final int PID_OFFSET = 8;
    private static final int START_OFFSET = 16;
    private static final int MAX_COUNTERS_OFFSET = 24;

    private final MappedByteBuffer mapped;
    private final UnsafeBuffer header;
    private final UnsafeBuffer metadata;
    private final UnsafeBuffer values;

    private CountersFile(final MappedByteBuffer mapped, final int maxCounters)
    {
        this.mapped = mapped;
        header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        final int metadataLength = maxCounters * CountersReader.METADATA_LENGTH;
        metadata = new UnsafeBuffer(mapped, HEADER_LENGTH, metadataLength);
        values = new UnsafeBuffer(mapped, HEADER_LENGTH + metadataLength, maxCounters * CountersReader.COUNTER_LENGTH);
    }

    /** Creates (replacing any earlier one) the file for a running sensor. */
    public static CountersFile create(final Path file, final int maxCounters) throws IOException
    {
        final long length = HEADER_LENGTH +
            (long)maxCounters * (CountersReader.METADATA_LENGTH + CountersReader.COUNTER_LENGTH);
        Files.deleteIfExists(file);
        final MappedByteBuffer mapped;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, length);
        }
        final CountersFile counters = new CountersFile(mapped, maxCounters);
        counters.header.putLong(PID_OFFSET, ProcessHandle.current().pid());
        counters.header.putLong(START_OFFSET, System.currentTimeMillis());
        counters.header.putInt(MAX_COUNTERS_OFFSET, maxCounters);
        counters.header.putInt(VERSION_OFFSET, VERSION);
        counters.header.putIntVolatile(MAGIC_OFFSET, MAGIC); // last: a reader sees a complete header
        return counters;
    }

    /** Maps an existing file read-only, for {@code flowpic stat}. */
    public static CountersFile open(final Path file) throws IOException
    {
        if (!Files.isRegularFile(file))
        {
            throw new IOException("no counters file at " + file + " (is flowpic run running with this journal?)");
        }
        final MappedByteBuffer mapped;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            if (channel.size() < HEADER_LENGTH)
            {
                throw new IOException(file + ": too short for a counters file");
            }
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
        }
        final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        if (header.getIntVolatile(MAGIC_OFFSET) != MAGIC || header.getInt(VERSION_OFFSET) != VERSION)
        {
            throw new IOException(file + ": not a FlowPic counters file (or a newer version)");
        }
        final int maxCounters = header.getInt(MAX_COUNTERS_OFFSET);
        final long expected = HEADER_LENGTH +
            (long)maxCounters * (CountersReader.METADATA_LENGTH + CountersReader.COUNTER_LENGTH);
        if (maxCounters <= 0 || expected > mapped.capacity())
        {
            throw new IOException(file + ": corrupt counters file");
        }
        return new CountersFile(mapped, maxCounters);
    }

    public CountersManager manager()
    {
        return new CountersManager(metadata, values);
    }

    public CountersReader reader()
    {
        return new CountersReader(metadata, values);
    }

    public long pid()
    {
        return header.getLong(PID_OFFSET);
    }

    public long startMillis()
    {
        return header.getLong(START_OFFSET);
    }

    public void close()
    {
        IoUtil.unmap(mapped);
    }
}

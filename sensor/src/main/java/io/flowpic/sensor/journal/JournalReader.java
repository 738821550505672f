package io.flowpic.sensor.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads label records back, in append order. The one decoder of the journal layout. */
public final class JournalReader implements AutoCloseable
{
    /** Chronicle's table store, written when a queue is first created. */
    private static final String METADATA_FILE = "metadata.cq4t";

    private final SingleChronicleQueue queue;
    private final ExcerptTailer tailer;
    private final Path directory;
    private long lastReadIndex = -1;

    public JournalReader(final Path directory) throws IOException
    {
        if (!Files.isDirectory(directory) || !Files.exists(directory.resolve(METADATA_FILE)))
        {
            throw new IOException("no journal at " + directory);
        }
        this.directory = directory;
        queue = SingleChronicleQueueBuilder.binary(directory).readOnly(true).build();
        tailer = queue.createTailer();
    }

    /** @return the next record, or null when none is available yet. */
    public LabelRecord next() throws IOException
    {
        try (DocumentContext context = tailer.readingDocument())
        {
            if (!context.isPresent())
            {
                return null;
            }
            if (context.isMetaData())
            {
                return next();
            }
            lastReadIndex = context.index();
            try
            {
                return decode(context.wire().bytes());
            }
            catch (final RuntimeException ex)
            {
                // Chronicle's read exceptions carry a hex dump of the buffer: said in the journal's terms instead.
                throw damaged(lastReadIndex, "its fields run past its end or do not parse");
            }
        }
    }

    /**
     * A record that cannot be decoded, named by its sequence in and the path of its .cq4 file: the index alone
     * (0x79ccf00000001) tells an operator neither which file to look at nor how far into it.
     */
    public IOException damaged(final long index, final String problem)
    {
        final java.io.File file = tailer.currentFile();
        return new IOException("journal " + directory + ": record " + queue.rollCycle().toSequenceNumber(index) +
            " (index 0x" + Long.toHexString(index) + (file == null ? "" : " in " + file) + ") is damaged: " + problem);
    }

    /** @return the journal index of the record {@link #next()} returned last, or -1 before the first. */
    public long lastReadIndex()
    {
        return lastReadIndex;
    }

    /**
     * Positions the reader so that {@link #next()} returns the record written after the one at {@code index}.
     *
     * @return false when no record has that index (deleted by retention, or never written): the reader is
     * then at the start of what the journal still holds.
     */
    public boolean moveAfter(final long index) throws IOException
    {
        if (index >= 0 && tailer.moveToIndex(index))
        {
            try (DocumentContext context = tailer.readingDocument())
            {
                if (context.isPresent() && context.index() == index)
                {
                    lastReadIndex = index;
                    return true;
                }
            }
        }
        moveToStart();
        return false;
    }

    public void moveToStart()
    {
        tailer.toStart();
        lastReadIndex = -1;
    }

    /** @return the index of the newest record in the journal, or -1 when it holds none. */
    public long lastIndex()
    {
        return queue.lastIndex();
    }

    /** @return how many records the journal holds after the one at {@code index} (all of them for -1). */
    public long countAfter(final long index)
    {
        final long last = queue.lastIndex();
        if (last < 0 || index >= last)
        {
            return 0;
        }
        final long first = queue.firstIndex();
        if (index < first)
        {
            return queue.countExcerpts(first, last) + 1;
        }
        return queue.countExcerpts(index, last);
    }

    public List<LabelRecord> readAll() throws IOException
    {
        final List<LabelRecord> records = new ArrayList<>();
        for (LabelRecord record = next(); record != null; record = next())
        {
            records.add(record);
        }
        return records;
    }

    private LabelRecord decode(final Bytes<?> bytes) throws IOException
    {
        final byte version = bytes.readByte();
        if (version != JournalLayout.VERSION_1)
        {
            throw damaged(lastReadIndex, "unknown layout version " + version);
        }
        final LabelRecord record = new LabelRecord();
        record.ipVersion = bytes.readByte();
        record.protocol = bytes.readByte() & 0xFF;
        record.srcPort = bytes.readUnsignedShort();
        record.dstPort = bytes.readUnsignedShort();
        record.startNanos = bytes.readLong();
        record.endNanos = bytes.readLong();
        bytes.read(record.srcAddress, 0, 16);
        bytes.read(record.dstAddress, 0, 16);
        record.packets = bytes.readInt();
        record.bytes = bytes.readLong();
        record.label = bytes.readUtf8();
        record.confidence = bytes.readFloat();
        record.modelId = bytes.readUtf8();
        final int scoreCount = bytes.readUnsignedShort();
        record.scoreLabels = new String[scoreCount];
        record.scores = new float[scoreCount];
        for (int i = 0; i < scoreCount; i++)
        {
            record.scoreLabels[i] = bytes.readUtf8();
            record.scores[i] = bytes.readFloat();
        }
        return record;
    }

    public void close()
    {
        queue.close();
    }
}

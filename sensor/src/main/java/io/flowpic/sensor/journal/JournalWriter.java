package io.flowpic.sensor.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Appends label records to a Chronicle Queue. Single thread (the inference agent). */
public final class JournalWriter implements AutoCloseable
{
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;

    public JournalWriter(final Path directory, final RollCycle rollCycle) throws IOException
    {
        Files.createDirectories(directory);
        if (!Files.isWritable(directory))
        {
            throw new IOException("journal directory is not writable: " + directory);
        }
        queue = SingleChronicleQueueBuilder.binary(directory).rollCycle(rollCycle).build();
        appender = queue.createAppender();
    }

    public void append(final LabelRecord record)
    {
        try (DocumentContext context = appender.writingDocument())
        {
            final Bytes<?> bytes = context.wire().bytes();
            bytes.writeByte(JournalLayout.CURRENT_VERSION);
            bytes.writeByte((byte)record.ipVersion);
            bytes.writeByte((byte)record.protocol);
            bytes.writeUnsignedShort(record.srcPort);
            bytes.writeUnsignedShort(record.dstPort);
            bytes.writeLong(record.startNanos);
            bytes.writeLong(record.endNanos);
            bytes.write(record.srcAddress, 0, 16);
            bytes.write(record.dstAddress, 0, 16);
            bytes.writeInt(record.packets);
            bytes.writeLong(record.bytes);
            bytes.writeUtf8(record.label);
            bytes.writeFloat(record.confidence);
            bytes.writeUtf8(record.modelId);
            bytes.writeUnsignedShort(record.scores.length);
            for (int i = 0; i < record.scores.length; i++)
            {
                bytes.writeUtf8(record.scoreLabels[i]);
                bytes.writeFloat(record.scores[i]);
            }
        }
    }

    public void close()
    {
        queue.close();
    }
}

package io.flowpic.sensor.export.ipfix;

import io.flowpic.sensor.journal.LabelRecord;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Encodes records into whole messages as the sink batches them, templates in the first. */
final class IpfixFiles
{
    private IpfixFiles()
    {
    }

    static List<ByteBuffer> messages(final List<LabelRecord> records, final IpfixEncoder encoder, final int max)
    {
        final List<ByteBuffer> messages = new ArrayList<>();
        final ByteBuf buf = Unpooled.buffer(max, max);
        long sequence = 0;
        int i = 0;
        while (i < records.size())
        {
            buf.clear();
            encoder.begin(buf, messages.isEmpty());
            while (i < records.size() && encoder.append(buf, records.get(i)))
            {
                i++;
            }
            final int count = encoder.records();
            encoder.finish(buf, System.currentTimeMillis() / 1000, sequence);
            sequence += count;
            final byte[] bytes = new byte[buf.readableBytes()];
            buf.getBytes(0, bytes);
            messages.add(ByteBuffer.wrap(bytes));
        }
        return messages;
    }

    static void write(final Path file, final List<ByteBuffer> messages) throws IOException
    {
        try (var out = Files.newOutputStream(file))
        {
            for (final ByteBuffer m : messages)
            {
                out.write(m.array(), m.arrayOffset(), m.remaining());
            }
        }
    }
}

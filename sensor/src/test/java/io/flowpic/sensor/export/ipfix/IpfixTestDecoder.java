package io.flowpic.sensor.export.ipfix;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A minimal IPFIX reader for the tests' own checks (the tools are the independent decoders). */
final class IpfixTestDecoder
{
    record Message(int version, int length, long exportTime, long sequence, long domain, boolean templates,
        List<Map<String, Object>> records)
    {
    }

    /** template id -> {enterprise, id, length} per field; templates persist across messages, like a session. */
    private final Map<Integer, List<long[]>> templates = new HashMap<>();

    Message decode(final ByteBuffer buf)
    {
        final int start = buf.position();
        final int version = buf.getShort() & 0xFFFF;
        final int length = buf.getShort() & 0xFFFF;
        final long exportTime = buf.getInt() & 0xFFFF_FFFFL;
        final long sequence = buf.getInt() & 0xFFFF_FFFFL;
        final long domain = buf.getInt() & 0xFFFF_FFFFL;
        boolean hasTemplates = false;
        final List<Map<String, Object>> records = new ArrayList<>();
        while (buf.position() < start + length)
        {
            final int setStart = buf.position();
            final int setId = buf.getShort() & 0xFFFF;
            final int setLength = buf.getShort() & 0xFFFF;
            final int setEnd = setStart + setLength;
            if (setId == 2)
            {
                hasTemplates = true;
                while (buf.position() + 4 <= setEnd)
                {
                    final int id = buf.getShort() & 0xFFFF;
                    final int count = buf.getShort() & 0xFFFF;
                    final List<long[]> fields = new ArrayList<>();
                    for (int i = 0; i < count; i++)
                    {
                        int ie = buf.getShort() & 0xFFFF;
                        final int len = buf.getShort() & 0xFFFF;
                        long pen = 0;
                        if ((ie & 0x8000) != 0)
                        {
                            ie &= 0x7FFF;
                            pen = buf.getInt() & 0xFFFF_FFFFL;
                        }
                        fields.add(new long[] {pen, ie, len});
                    }
                    templates.put(id, fields);
                }
            }
            else if (setId >= 256)
            {
                final List<long[]> fields = templates.get(setId);
                if (fields == null)
                {
                    throw new IllegalStateException("data set " + setId + " before its template");
                }
                while (buf.position() < setEnd)
                {
                    final Map<String, Object> record = new HashMap<>();
                    record.put("template", setId);
                    for (final long[] field : fields)
                    {
                        readField(buf, field, record);
                    }
                    records.add(record);
                }
            }
            buf.position(setEnd);
        }
        return new Message(version, length, exportTime, sequence, domain, hasTemplates, records);
    }

    private static void readField(final ByteBuffer buf, final long[] field, final Map<String, Object> record)
    {
        int len = (int)field[2];
        if (len == 65535)
        {
            len = buf.get() & 0xFF;
            if (len == 255)
            {
                len = buf.getShort() & 0xFFFF;
            }
        }
        final byte[] value = new byte[len];
        buf.get(value);
        final String key = (field[0] == 0 ? "" : field[0] + "/") + field[1];
        switch (key)
        {
            case "8", "12", "27", "28" -> record.put(key, address(value));
            case "96" -> record.put(key, new String(value, StandardCharsets.UTF_8));
            default ->
            {
                if (field[0] != 0 && field[1] == IpfixEncoder.IE_CONFIDENCE)
                {
                    record.put(key, ByteBuffer.wrap(value).getFloat());
                }
                else if (field[0] != 0)
                {
                    record.put(key, new String(value, StandardCharsets.UTF_8));
                }
                else
                {
                    long v = 0;
                    for (final byte b : value)
                    {
                        v = v << 8 | (b & 0xFF);
                    }
                    record.put(key, v);
                }
            }
        }
    }

    private static String address(final byte[] value)
    {
        try
        {
            return InetAddress.getByAddress(value).getHostAddress();
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}

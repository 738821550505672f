package io.flowpic.inference.dataset;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * Writes sessions in the FlowPic CSV format {@link FlowCsvReader} reads, one row a session, no header:
 * <pre>pcap_name,ip_src,port_src,ip_dst,port_dst,proto,start_time,length,ts_1..ts_n,,size_1..size_n</pre>
 * {@code start_time} is epoch seconds and each {@code ts_i} seconds since the session's first packet, both with
 * six decimals (microseconds, rounded half up). Gzip when the file name ends with {@code .gz}.
 */
public final class FlowCsvWriter implements Closeable
{
    private final BufferedWriter out;
    private final StringBuilder line = new StringBuilder(1 << 12);
    private long rows;

    public FlowCsvWriter(final OutputStream stream)
    {
        this.out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 1 << 16);
    }

    public static FlowCsvWriter open(final Path file) throws IOException
    {
        final Path parent = file.toAbsolutePath().getParent();
        if (parent != null)
        {
            Files.createDirectories(parent);
        }
        OutputStream stream = Files.newOutputStream(file);
        if (file.getFileName().toString().endsWith(".gz"))
        {
            stream = new GZIPOutputStream(stream, 1 << 16);
        }
        return new FlowCsvWriter(stream);
    }

    public void write(final FlowSession s) throws IOException
    {
        final StringBuilder b = line;
        b.setLength(0);
        b.append(s.pcapName().replace(',', '_')).append(',');
        b.append(address(s.ipVersion(), s.srcHi(), s.srcLo())).append(',').append(s.srcPort()).append(',');
        b.append(address(s.ipVersion(), s.dstHi(), s.dstLo())).append(',').append(s.dstPort()).append(',');
        b.append(s.protocol() == FlowSession.TCP ? "TCP" : "UDP").append(',');
        seconds(b, s.startNanos());
        final int n = s.packetCount();
        b.append(',').append(n);
        for (final long offset : s.offsetNanos())
        {
            b.append(',');
            seconds(b, Math.max(0, offset));
        }
        b.append(',');
        for (final int size : s.sizes())
        {
            b.append(',').append(size);
        }
        b.append('\n');
        out.append(b);
        rows++;
    }

    public long rows()
    {
        return rows;
    }

    public void close() throws IOException
    {
        out.close();
    }

    /** Non-negative nanoseconds as seconds with exactly six decimals, rounded half up to the microsecond. */
    static void seconds(final StringBuilder b, final long nanos)
    {
        final long micros = (nanos + 500) / 1000;
        final long whole = micros / 1_000_000;
        final long frac = micros % 1_000_000;
        b.append(whole).append('.');
        final String f = Long.toString(frac);
        for (int i = f.length(); i < 6; i++)
        {
            b.append('0');
        }
        b.append(f);
    }

    public static String address(final int version, final long hi, final long lo)
    {
        if (version == 4)
        {
            return ((lo >>> 24) & 0xFF) + "." + ((lo >>> 16) & 0xFF) + "." + ((lo >>> 8) & 0xFF) + "." + (lo & 0xFF);
        }
        final byte[] bytes = new byte[16];
        for (int i = 0; i < 8; i++)
        {
            bytes[i] = (byte)(hi >>> (56 - 8 * i));
            bytes[8 + i] = (byte)(lo >>> (56 - 8 * i));
        }
        try
        {
            return InetAddress.getByAddress(bytes).getHostAddress();
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalStateException(e);
        }
    }
}

package io.flowpic.inference.dataset;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Streams the FlowPic authors' processed CSV format, one unidirectional session a row, no header:
 * <pre>pcap_name,ip_src,port_src,ip_dst,port_dst,proto,start_time,length,ts_1..ts_n,,size_1..size_n</pre>
 * Plain or gzip, detected by the magic bytes. Rows are parsed one at a time, so files of any size stream.
 * A malformed row raises {@link FlowCsvException} naming the file and line, or, with {@code skipBadRows},
 * is counted and skipped. Blank lines are ignored.
 */
public final class FlowCsvReader implements Closeable
{
    private static final int FIXED_FIELDS = 8;
    private static final int MAX_IP_LENGTH = 65535 + 40;

    private final String fileName;
    private final BufferedReader reader;
    private final boolean skipBadRows;
    private long lineNumber;
    private long sessionsRead;
    private long rowsSkipped;
    private FlowCsvException firstSkipped;
    private final ArrayList<String> fields = new ArrayList<>();

    public FlowCsvReader(final String fileName, final InputStream in, final boolean skipBadRows) throws IOException
    {
        this.fileName = fileName;
        this.skipBadRows = skipBadRows;
        this.reader = new BufferedReader(new InputStreamReader(maybeGunzip(in), StandardCharsets.UTF_8), 1 << 16);
    }

    /**
     * Every I/O failure names the file and what is wrong with it: the JDK's own exceptions say only one of
     * the two ("/x/a.csv", "Is a directory", "Unexpected end of ZLIB input stream").
     */
    public static FlowCsvReader open(final Path file, final boolean skipBadRows) throws IOException
    {
        if (Files.isDirectory(file))
        {
            throw new IOException(file + ": is a directory, not a FlowPic CSV file");
        }
        final InputStream in;
        try
        {
            in = Files.newInputStream(file);
        }
        catch (final IOException e)
        {
            throw described(file.toString(), e);
        }
        try
        {
            return new FlowCsvReader(file.toString(), in, skipBadRows);
        }
        catch (final IOException e)
        {
            in.close();
            throw described(file.toString(), e);
        }
        catch (final RuntimeException e)
        {
            in.close();
            throw e;
        }
    }

    /** An I/O failure reading {@code file}, reworded so that it names both the file and the problem. */
    static IOException described(final String file, final IOException e)
    {
        final String problem;
        if (e instanceof java.nio.file.NoSuchFileException)
        {
            problem = "no such file";
        }
        else if (e instanceof java.nio.file.AccessDeniedException)
        {
            problem = "permission denied (as user " + System.getProperty("user.name") + ")";
        }
        else if (e instanceof java.io.EOFException)
        {
            // GZIPInputStream's "Unexpected end of ZLIB input stream": the file was cut off (copy or download)
            problem = "truncated gzip file: it ends in the middle of compressed data";
        }
        else if (e instanceof java.util.zip.ZipException)
        {
            problem = "corrupt gzip file: its compressed data cannot be decoded";
        }
        else if (e.getMessage() != null && e.getMessage().startsWith(file))
        {
            return e;
        }
        else
        {
            problem = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        return new IOException(file + ": " + problem, e);
    }

    /** Reads a whole file into memory: convenience for small files and tests. */
    public static List<FlowSession> readAll(final Path file, final boolean skipBadRows) throws IOException, FlowCsvException
    {
        final List<FlowSession> sessions = new ArrayList<>();
        try (FlowCsvReader reader = open(file, skipBadRows))
        {
            FlowSession s;
            while ((s = reader.next()) != null)
            {
                sessions.add(s);
            }
        }
        return sessions;
    }

    static InputStream maybeGunzip(final InputStream raw) throws IOException
    {
        final BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        final int b0 = in.read();
        final int b1 = in.read();
        in.reset();
        if (b0 == 0x1f && b1 == 0x8b)
        {
            return new GZIPInputStream(in, 1 << 16);
        }
        return in;
    }

    /**
     * @return the next session, or null at end of input.
     * @throws FlowCsvException on a malformed row unless skipping bad rows.
     */
    public FlowSession next() throws IOException, FlowCsvException
    {
        String line;
        while ((line = readLine()) != null)
        {
            lineNumber++;
            if (!line.isEmpty() && line.charAt(line.length() - 1) == '\r')
            {
                line = line.substring(0, line.length() - 1);
            }
            if (line.isBlank())
            {
                continue;
            }
            try
            {
                final FlowSession session = parse(line);
                sessionsRead++;
                return session;
            }
            catch (final RowException e)
            {
                final FlowCsvException ex = new FlowCsvException(fileName, lineNumber, e.getMessage());
                if (!skipBadRows)
                {
                    throw ex;
                }
                if (firstSkipped == null)
                {
                    firstSkipped = ex;
                }
                rowsSkipped++;
            }
        }
        return null;
    }

    private String readLine() throws IOException
    {
        try
        {
            return reader.readLine();
        }
        catch (final IOException e)
        {
            final IOException reworded = described(fileName, e);
            throw new IOException(reworded.getMessage() + (lineNumber == 0 ? " (before the first line)" :
                " (after line " + lineNumber + ")"), e);
        }
    }

    public String fileName()
    {
        return fileName;
    }

    /** Line number of the last line read, 1-based. */
    public long lineNumber()
    {
        return lineNumber;
    }

    public long sessionsRead()
    {
        return sessionsRead;
    }

    public long rowsSkipped()
    {
        return rowsSkipped;
    }

    /** The first row skipped in skip mode, for diagnostics; null when none was. */
    public FlowCsvException firstSkipped()
    {
        return firstSkipped;
    }

    public void close() throws IOException
    {
        reader.close();
    }

    private static final class RowException extends Exception
    {
        RowException(final String message)
        {
            super(message, null, false, false);
        }
    }

    private FlowSession parse(final String line) throws RowException
    {
        final ArrayList<String> f = fields;
        f.clear();
        int start = 0;
        while (true)
        {
            final int comma = line.indexOf(',', start);
            if (comma < 0)
            {
                f.add(line.substring(start));
                break;
            }
            f.add(line.substring(start, comma));
            start = comma + 1;
        }
        if (f.size() < FIXED_FIELDS + 1)
        {
            throw new RowException("expected at least " + (FIXED_FIELDS + 1) + " fields, found " + f.size());
        }
        final String pcapName = f.get(0);
        if (pcapName.isEmpty())
        {
            throw new RowException("empty pcap_name (field 1)");
        }
        final IpText.Address src = address(f.get(1), "ip_src (field 2)");
        final int srcPort = port(f.get(2), "port_src (field 3)");
        final IpText.Address dst = address(f.get(3), "ip_dst (field 4)");
        final int dstPort = port(f.get(4), "port_dst (field 5)");
        if (src.version() != dst.version())
        {
            throw new RowException("ip_src is IPv" + src.version() + " but ip_dst is IPv" + dst.version());
        }
        final String proto = f.get(5).trim();
        final int protocol;
        if (proto.equalsIgnoreCase("TCP"))
        {
            protocol = FlowSession.TCP;
        }
        else if (proto.equalsIgnoreCase("UDP"))
        {
            protocol = FlowSession.UDP;
        }
        else
        {
            throw new RowException("proto (field 6) must be TCP or UDP: '" + proto + "'");
        }
        final long startNanos = epochNanos(f.get(6));
        final int n;
        try
        {
            n = Integer.parseInt(f.get(7).trim());
        }
        catch (final NumberFormatException e)
        {
            throw new RowException("length (field 8) is not an integer: '" + f.get(7) + "'");
        }
        if (n < 1)
        {
            throw new RowException("length (field 8) must be >= 1: " + n);
        }
        final int expected = FIXED_FIELDS + 2 * n + 1;
        if (f.size() != expected)
        {
            if (f.size() == expected - 1 && !hasEmptyField(f))
            {
                throw new RowException("missing the empty field between the timestamps and the sizes (length " + n +
                    " needs " + expected + " fields, found " + f.size() + ")");
            }
            throw new RowException("length " + n + " needs " + expected + " fields (" + n + " timestamps, an empty field, " +
                n + " sizes), found " + f.size());
        }
        final int sep = FIXED_FIELDS + n;
        if (!f.get(sep).isEmpty())
        {
            throw new RowException("field " + (sep + 1) + " must be the empty field between timestamps and sizes, found '" +
                f.get(sep) + "'");
        }
        final long[] offsets = new long[n];
        final int[] sizes = new int[n];
        for (int i = 0; i < n; i++)
        {
            final String ts = f.get(FIXED_FIELDS + i);
            final double seconds;
            try
            {
                seconds = Double.parseDouble(ts);
            }
            catch (final NumberFormatException e)
            {
                throw new RowException("ts_" + (i + 1) + " (field " + (FIXED_FIELDS + i + 1) + ") is not a number: '" + ts + "'");
            }
            if (!(seconds >= 0) || Double.isInfinite(seconds) || seconds > 1e9)
            {
                throw new RowException("ts_" + (i + 1) + " (field " + (FIXED_FIELDS + i + 1) + ") must be a finite offset >= 0: '" +
                    ts + "'");
            }
            offsets[i] = Math.round(seconds * 1e9);
            final String size = f.get(sep + 1 + i);
            final int value;
            try
            {
                value = Integer.parseInt(size.trim());
            }
            catch (final NumberFormatException e)
            {
                throw new RowException("size_" + (i + 1) + " (field " + (sep + 2 + i) + ") is not an integer: '" + size + "'");
            }
            if (value < 0 || value > MAX_IP_LENGTH)
            {
                throw new RowException("size_" + (i + 1) + " (field " + (sep + 2 + i) + ") out of range 0.." + MAX_IP_LENGTH +
                    ": " + value);
            }
            sizes[i] = value;
        }
        return new FlowSession(pcapName, src.version(), src.hi(), src.lo(), dst.hi(), dst.lo(), srcPort, dstPort, protocol,
            startNanos, offsets, sizes);
    }

    private static boolean hasEmptyField(final List<String> f)
    {
        for (int i = FIXED_FIELDS; i < f.size(); i++)
        {
            if (f.get(i).isEmpty())
            {
                return true;
            }
        }
        return false;
    }

    private static IpText.Address address(final String text, final String what) throws RowException
    {
        try
        {
            return IpText.parse(text.trim());
        }
        catch (final IllegalArgumentException e)
        {
            throw new RowException(what + ": " + e.getMessage());
        }
    }

    private static int port(final String text, final String what) throws RowException
    {
        final int port;
        try
        {
            port = Integer.parseInt(text.trim());
        }
        catch (final NumberFormatException e)
        {
            throw new RowException(what + " is not an integer: '" + text + "'");
        }
        if (port < 0 || port > 65535)
        {
            throw new RowException(what + " out of range 0..65535: " + port);
        }
        return port;
    }

    /** Exact decimal seconds → nanoseconds (a double would lose the microseconds of an epoch time). */
    private static long epochNanos(final String text) throws RowException
    {
        final String t = text.trim();
        if (t.isEmpty() || t.charAt(0) == '-' || t.charAt(0) == '+')
        {
            throw new RowException("start_time (field 7) is not a non-negative number: '" + text + "'");
        }
        try
        {
            final BigDecimal seconds = new BigDecimal(t);
            // Bound the magnitude before scaling: "1e999999999" would otherwise cost minutes of BigInteger work
            // (found while adding the fuzz tests). Epoch nanoseconds fit a long only below 1e10 s; below 1e-10 s they round to 0.
            final long integerDigits = (long)seconds.precision() - seconds.scale();
            if (integerDigits > 11)
            {
                throw new ArithmeticException("too large");
            }
            if (integerDigits < -10)
            {
                return 0;
            }
            return seconds.movePointRight(9).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
        }
        catch (final NumberFormatException | ArithmeticException e)
        {
            throw new RowException("start_time (field 7) is not a valid epoch time in seconds: '" + text + "'");
        }
    }
}

package io.flowpic.inference.dataset;

/**
 * Parses IPv4 dotted-quad and IPv6 text literals into the flow table's (hi, lo) longs, without DNS
 * and without allocation beyond the result. IPv4 goes in lo with hi zero.
 */
public final class IpText
{
    /** Parsed address: version 4 or 6. */
    public record Address(int version, long hi, long lo)
    {
    }

    private IpText()
    {
    }

    /** @throws IllegalArgumentException naming what is wrong. */
    public static Address parse(final String text)
    {
        if (text.isEmpty())
        {
            throw new IllegalArgumentException("empty address");
        }
        if (text.indexOf(':') >= 0)
        {
            final long[] hl = parseIpv6(text);
            return new Address(6, hl[0], hl[1]);
        }
        final long v4 = parseIpv4(text, 0, text.length());
        if (v4 < 0)
        {
            throw new IllegalArgumentException("not an IPv4 or IPv6 literal: '" + text + "'");
        }
        return new Address(4, 0L, v4);
    }

    /** @return the address as an unsigned 32-bit value, or -1 if the range is not a dotted quad. */
    static long parseIpv4(final String s, final int from, final int to)
    {
        long result = 0;
        int octets = 0;
        int i = from;
        while (i <= to)
        {
            int value = 0;
            int digits = 0;
            while (i < to && s.charAt(i) != '.')
            {
                final char c = s.charAt(i);
                if (c < '0' || c > '9' || digits == 3)
                {
                    return -1;
                }
                value = value * 10 + (c - '0');
                digits++;
                i++;
            }
            if (digits == 0 || value > 255 || octets == 4)
            {
                return -1;
            }
            result = (result << 8) | value;
            octets++;
            i++; // skip '.' (or step past the end)
        }
        return octets == 4 ? result : -1;
    }

    private static long[] parseIpv6(final String s)
    {
        if (s.indexOf('%') >= 0)
        {
            throw new IllegalArgumentException("IPv6 zone ids are not supported: '" + s + "'");
        }
        final int[] groups = new int[8];
        int count = 0;
        int doubleColonAt = -1;
        int i = 0;
        final int n = s.length();
        if (s.startsWith("::"))
        {
            doubleColonAt = 0;
            i = 2;
            if (n == 2)
            {
                return new long[] {0L, 0L};
            }
        }
        else if (s.charAt(0) == ':')
        {
            throw bad(s);
        }
        while (i < n)
        {
            int end = s.indexOf(':', i);
            if (end < 0)
            {
                end = n;
            }
            final String part = s.substring(i, end);
            if (part.indexOf('.') >= 0)
            {
                // Embedded IPv4 in the last 32 bits.
                if (end != n || count > 6)
                {
                    throw bad(s);
                }
                final long v4 = parseIpv4(s, i, end);
                if (v4 < 0)
                {
                    throw bad(s);
                }
                groups[count++] = (int)(v4 >>> 16);
                groups[count++] = (int)(v4 & 0xFFFF);
                i = n;
                break;
            }
            if (part.isEmpty() || part.length() > 4 || count == 8)
            {
                throw bad(s);
            }
            int value = 0;
            for (int k = 0; k < part.length(); k++)
            {
                final int d = Character.digit(part.charAt(k), 16);
                if (d < 0)
                {
                    throw bad(s);
                }
                value = (value << 4) | d;
            }
            groups[count++] = value;
            if (end == n)
            {
                i = n;
                break;
            }
            // end points at ':'
            if (end + 1 < n && s.charAt(end + 1) == ':')
            {
                if (doubleColonAt >= 0)
                {
                    throw bad(s);
                }
                doubleColonAt = count;
                i = end + 2;
            }
            else if (end + 1 == n)
            {
                throw bad(s); // trailing single ':'
            }
            else
            {
                i = end + 1;
            }
        }
        final int[] full = new int[8];
        if (doubleColonAt >= 0)
        {
            if (count > 7)
            {
                throw bad(s);
            }
            System.arraycopy(groups, 0, full, 0, doubleColonAt);
            final int tail = count - doubleColonAt;
            System.arraycopy(groups, doubleColonAt, full, 8 - tail, tail);
        }
        else
        {
            if (count != 8)
            {
                throw bad(s);
            }
            System.arraycopy(groups, 0, full, 0, 8);
        }
        long hi = 0;
        long lo = 0;
        for (int k = 0; k < 4; k++)
        {
            hi = (hi << 16) | full[k];
            lo = (lo << 16) | full[k + 4];
        }
        return new long[] {hi, lo};
    }

    private static IllegalArgumentException bad(final String s)
    {
        return new IllegalArgumentException("not an IPv6 literal: '" + s + "'");
    }
}

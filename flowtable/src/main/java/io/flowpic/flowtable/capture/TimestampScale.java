package io.flowpic.flowtable.capture;

/**
 * Converts pcapng timestamp ticks of one interface to epoch nanoseconds, per its if_tsresol and if_tsoffset.
 * Precomputed once per interface so the per-packet conversion is a multiply or a shift.
 */
final class TimestampScale
{
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long[] POWERS_OF_TEN = new long[19];

    static
    {
        long p = 1;
        for (int i = 0; i < POWERS_OF_TEN.length; i++)
        {
            POWERS_OF_TEN[i] = p;
            p *= 10;
        }
    }

    private long multiplier;
    private long divisor;
    private int binaryShift;
    private long offsetNanos;

    TimestampScale()
    {
        reset();
    }

    /** pcapng default: microseconds, no offset. */
    void reset()
    {
        resolution(6);
        offsetNanos = 0;
    }

    /** @param tsresol the raw if_tsresol byte: high bit clear = 10^-n seconds, set = 2^-n seconds. */
    void resolution(final int tsresol)
    {
        final int n = tsresol & 0x7F;
        if ((tsresol & 0x80) != 0)
        {
            multiplier = 0;
            divisor = 1;
            binaryShift = Math.min(n, 63);
        }
        else if (n <= 9)
        {
            multiplier = POWERS_OF_TEN[9 - n];
            divisor = 1;
            binaryShift = -1;
        }
        else
        {
            multiplier = 1;
            divisor = POWERS_OF_TEN[Math.min(n - 9, 18)];
            binaryShift = -1;
        }
    }

    void offsetSeconds(final long seconds)
    {
        offsetNanos = seconds * NANOS_PER_SECOND;
    }

    long toNanos(final long ticks)
    {
        if (binaryShift < 0)
        {
            return (divisor == 1 ? ticks * multiplier : Long.divideUnsigned(ticks, divisor)) + offsetNanos;
        }
        final int n = binaryShift;
        final long seconds = ticks >>> n;
        long fraction = n == 0 ? 0 : ticks & (-1L >>> (64 - n));
        int fractionBits = n;
        // Keep fraction * 1e9 below 2^63: 1e9 < 2^30, so at most 33 significant fraction bits.
        if (fractionBits > 33)
        {
            fraction >>>= fractionBits - 33;
            fractionBits = 33;
        }
        return seconds * NANOS_PER_SECOND + ((fraction * NANOS_PER_SECOND) >>> fractionBits) + offsetNanos;
    }
}

package io.flowpic.sensor.pipeline;

import io.flowpic.flowtable.capture.CaptureFileException;
import io.flowpic.flowtable.capture.CaptureFileReader;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Time order of the files of one capture rotated into many (replay --continuous). The flow table
 * carries over between them, so a file that starts before the previous one ended would send the
 * packet clock back and cut or merge blocks at random: such files are refused, naming both.
 */
public final class CaptureTimes
{
    /** Thrown from the packet handler to stop reading after the first packet. */
    private static final class FirstPacket extends RuntimeException
    {
        private static final long serialVersionUID = 1L;
        final long timestampNanos;

        FirstPacket(final long timestampNanos)
        {
            super(null, null, false, false);
            this.timestampNanos = timestampNanos;
        }
    }

    private CaptureTimes()
    {
    }

    /** @return the first packet's timestamp, or Long.MIN_VALUE when there is none or the file is unreadable. */
    static long first(final CaptureFileReader reader, final Path file)
    {
        try
        {
            reader.read(file, (linkType, buffer, offset, capturedLength, originalLength, ts) ->
            {
                throw new FirstPacket(ts);
            });
        }
        catch (final FirstPacket first)
        {
            return first.timestampNanos;
        }
        catch (final CaptureFileException ex)
        {
            // reported when the replay reads it
        }
        return Long.MIN_VALUE;
    }

    /**
     * Cheap check before anything is replayed, only the first packet of each file read: files given out of
     * time order (a shell glob puts file10 before file2).
     *
     * @return why the files are not in time order, naming both files, or null.
     */
    public static String outOfOrder(final List<Path> files)
    {
        final CaptureFileReader reader = new CaptureFileReader();
        Path previous = null;
        long previousStart = Long.MIN_VALUE;
        for (final Path file : files)
        {
            final long start = first(reader, file);
            if (start == Long.MIN_VALUE)
            {
                continue;
            }
            if (previous != null && start < previousStart)
            {
                return file + " starts at " + time(start) + ", before " + previous + " (starts at " +
                    time(previousStart) + "): --continuous needs the files of one capture in time order";
            }
            previous = file;
            previousStart = start;
        }
        return null;
    }

    /** @return why {@code file} cannot follow {@code previous} (whose last packet is at previousEnd), or null. */
    static String overlap(final CaptureFileReader reader, final Path previous, final long previousEnd, final Path file)
    {
        final long start = first(reader, file);
        if (start == Long.MIN_VALUE || start >= previousEnd)
        {
            return null;
        }
        return file + " starts at " + time(start) + ", before " + previous + " ends (" + time(previousEnd) +
            "): not the next file of one capture; skipped (--continuous)";
    }

    static String time(final long epochNanos)
    {
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L),
            Math.floorMod(epochNanos, 1_000_000_000L)).toString();
    }
}

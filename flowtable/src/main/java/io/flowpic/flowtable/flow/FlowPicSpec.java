package io.flowpic.flowtable.flow;

import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The shape of one FlowPic: an R×R histogram of packet size (rows) against time inside a block of
 * {@code blockSeconds} (columns). One instance is shared by the sensor, the dataset tools and the
 * model metadata check, so the bin arithmetic exists exactly once.
 */
public final class FlowPicSpec
{
    public static final int DEFAULT_RESOLUTION = 32;
    public static final int DEFAULT_BLOCK_SECONDS = 15;
    public static final int DEFAULT_MAX_PACKET_SIZE = 1500;
    public static final int DEFAULT_MIN_PACKETS = 10;

    /*
     * The one list of the shapes a model may have, so the model metadata check, the config validator and the
     * command-line options accept the same ones. The constructor accepts any resolution in 2..1500 (small pictures
     * for tests and tools), but the sensor only classifies these.
     */
    /** Resolutions a model may have. */
    public static final Set<Integer> MODEL_RESOLUTIONS = Set.of(32, 64, 1500);
    /** Block lengths a model may have, in seconds. */
    public static final Set<Integer> MODEL_BLOCK_SECONDS = Set.of(15, 60);
    /** Smallest top of the size axis: an IP header and a little payload. */
    public static final int MIN_MAX_PACKET_SIZE = 64;
    /** Largest top of the size axis: the largest IPv6 packet without jumbograms (payload 65,535 + 40 header). */
    public static final int MAX_MAX_PACKET_SIZE = 65535 + 40;

    private final int resolution;
    private final int blockSeconds;
    private final long blockNanos;
    private final int maxPacketSize;
    private final int minPackets;

    public FlowPicSpec(final int resolution, final int blockSeconds, final int maxPacketSize, final int minPackets)
    {
        if (resolution < 2 || resolution > 1500)
        {
            throw new IllegalArgumentException("resolution must be in 2..1500: " + resolution);
        }
        if (blockSeconds < 1 || blockSeconds > 3600)
        {
            throw new IllegalArgumentException("block seconds must be in 1..3600: " + blockSeconds);
        }
        if (maxPacketSize < MIN_MAX_PACKET_SIZE || maxPacketSize > MAX_MAX_PACKET_SIZE)
        {
            throw new IllegalArgumentException("max packet size must be in " + MIN_MAX_PACKET_SIZE + ".." +
                MAX_MAX_PACKET_SIZE + ": " + maxPacketSize);
        }
        if (minPackets < 1)
        {
            throw new IllegalArgumentException("min packets must be >= 1: " + minPackets);
        }
        this.resolution = resolution;
        this.blockSeconds = blockSeconds;
        this.blockNanos = TimeUnit.SECONDS.toNanos(blockSeconds);
        this.maxPacketSize = maxPacketSize;
        this.minPackets = minPackets;
    }

    public static FlowPicSpec defaults()
    {
        return new FlowPicSpec(DEFAULT_RESOLUTION, DEFAULT_BLOCK_SECONDS, DEFAULT_MAX_PACKET_SIZE, DEFAULT_MIN_PACKETS);
    }

    public int resolution()
    {
        return resolution;
    }

    public int blockSeconds()
    {
        return blockSeconds;
    }

    public long blockNanos()
    {
        return blockNanos;
    }

    public int maxPacketSize()
    {
        return maxPacketSize;
    }

    public int minPackets()
    {
        return minPackets;
    }

    public int cellsPerImage()
    {
        return resolution * resolution;
    }

    /** Size bin: sizes at or above the maximum are clipped into the last row. */
    public int row(final int ipLength)
    {
        if (ipLength <= 0)
        {
            return 0;
        }
        final long row = (long)ipLength * resolution / maxPacketSize;
        return row >= resolution ? resolution - 1 : (int)row;
    }

    /** Time bin of an offset from the block start; out-of-order packets (negative offset) land in column 0. */
    public int column(final long offsetNanos)
    {
        if (offsetNanos <= 0)
        {
            return 0;
        }
        // offset < blockNanos ≤ 3.6e12 and resolution ≤ 1500, so the product stays far below 2^63.
        final long col = offsetNanos * resolution / blockNanos;
        return col >= resolution ? resolution - 1 : (int)col;
    }

    /** Row-major cell index: row * R + column. */
    public int cell(final int ipLength, final long offsetNanos)
    {
        return row(ipLength) * resolution + column(offsetNanos);
    }

    public String describe()
    {
        return "R=" + resolution + " T=" + blockSeconds + "s max-size=" + maxPacketSize + " min-packets=" + minPackets;
    }

    public boolean equals(final Object o)
    {
        if (this == o)
        {
            return true;
        }
        if (!(o instanceof FlowPicSpec))
        {
            return false;
        }
        final FlowPicSpec that = (FlowPicSpec)o;
        return resolution == that.resolution && blockSeconds == that.blockSeconds &&
            maxPacketSize == that.maxPacketSize && minPackets == that.minPackets;
    }

    public int hashCode()
    {
        return ((resolution * 31 + blockSeconds) * 31 + maxPacketSize) * 31 + minPackets;
    }

    public String toString()
    {
        return "FlowPicSpec{" + describe() + "}";
    }
}

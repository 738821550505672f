package io.flowpic.sensor.pipeline;

import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;

/**
 * The single hand-off between a packet source (capture thread or file reader) and the flow agent.
 * Only the first {@code copyLimit} bytes of a packet are copied: headers are all the decoder needs,
 * since sizes come from the IP header, and a short copy keeps the ring small and fast.
 */
public final class PacketRing
{
    public static final int PACKET_MESSAGE = 1;
    public static final int END_MESSAGE = 2;
    public static final int LINK_TYPE_OFFSET = 0;
    public static final int ORIGINAL_LENGTH_OFFSET = 4;
    public static final int TIMESTAMP_OFFSET = 8;
    /**
     * Replay: the source's packet clock when it sent this packet (the latest timestamp read so far, over every
     * agent's packets), so sharded flow agents expire on the same clock at the same packets as one agent would.
     */
    public static final int CLOCK_OFFSET = 16;
    public static final int HEADER_LENGTH = 24;

    private final OneToOneRingBuffer ring;
    private final AtomicBuffer buffer;
    private final int copyLimit;

    public PacketRing(final int capacityBytes, final int copyLimit)
    {
        final int capacity = BitUtil.findNextPositivePowerOfTwo(capacityBytes);
        ring = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
        buffer = ring.buffer();
        this.copyLimit = copyLimit;
    }

    /** @return false when the ring is full; the caller decides whether to wait or count a drop. */
    public boolean offer(
        final int linkType,
        final DirectBuffer packet,
        final int offset,
        final int capturedLength,
        final int originalLength,
        final long timestampNanos)
    {
        return offer(linkType, packet, offset, capturedLength, originalLength, timestampNanos, timestampNanos);
    }

    /** @param clockNanos the source's packet clock (see {@link #CLOCK_OFFSET}). */
    public boolean offer(
        final int linkType,
        final DirectBuffer packet,
        final int offset,
        final int capturedLength,
        final int originalLength,
        final long timestampNanos,
        final long clockNanos)
    {
        final int copied = Math.min(capturedLength, copyLimit);
        final int index = ring.tryClaim(PACKET_MESSAGE, HEADER_LENGTH + copied);
        if (index <= 0)
        {
            return false;
        }
        buffer.putInt(index + LINK_TYPE_OFFSET, linkType);
        buffer.putInt(index + ORIGINAL_LENGTH_OFFSET, originalLength);
        buffer.putLong(index + TIMESTAMP_OFFSET, timestampNanos);
        buffer.putLong(index + CLOCK_OFFSET, clockNanos);
        buffer.putBytes(index + HEADER_LENGTH, packet, offset, copied);
        ring.commit(index);
        return true;
    }

    /** @return false when the ring is full. */
    public boolean offerEnd()
    {
        final int index = ring.tryClaim(END_MESSAGE, 8);
        if (index <= 0)
        {
            return false;
        }
        ring.commit(index);
        return true;
    }

    public int read(final MessageHandler handler, final int limit)
    {
        return ring.read(handler, limit);
    }
}

package io.flowpic.flowtable.capture;

import org.agrona.DirectBuffer;

/**
 * Receives packets from a {@link CaptureFileReader}.
 */
@FunctionalInterface
public interface PacketHandler
{
    /**
     * @param linkType       LINKTYPE_/DLT number of the interface the packet was captured on, see {@link LinkType}.
     * @param buffer         view of the capture; only valid during the call (the window may be remapped afterwards).
     * @param offset         index of the first captured byte in {@code buffer}.
     * @param capturedLength number of bytes present in {@code buffer}.
     * @param originalLength length of the packet on the wire (never less than {@code capturedLength}).
     * @param timestampNanos epoch nanoseconds, as recorded (may go backwards).
     */
    void onPacket(int linkType, DirectBuffer buffer, int offset, int capturedLength, int originalLength, long timestampNanos);
}

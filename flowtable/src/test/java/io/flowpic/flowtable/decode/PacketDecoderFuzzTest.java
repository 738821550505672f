package io.flowpic.flowtable.decode;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.flowpic.flowtable.capture.LinkType;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Any bytes, any supported link type: {@link PacketDecoder#decode} must return a result, never throw, and an
 * {@link DecodeResult#OK} packet must be a consistent TCP/UDP flow.
 * <p>
 * Input layout: byte 0 picks the link type, byte 1 the frame's offset in the buffer (bits 0-2), whether the
 * stated captured length overshoots the buffer (bit 3) and whether the frame data is repeated up to the largest
 * captured length a capture file may hold (bit 4: deep nesting in a 256 KiB frame), byte 2 where a second frame
 * starts (0 = only one frame; two frames through one decoder exercise the fragment table), the rest is frame data.
 * Regression inputs: {@code src/test/resources/io/flowpic/flowtable/decode/PacketDecoderFuzzTestInputs/decode/}.
 */
class PacketDecoderFuzzTest
{
    /** Every {@link LinkType} constant, plus one the decoder does not support. */
    static final int[] LINK_TYPES = {
        LinkType.NULL, LinkType.ETHERNET, LinkType.PPP, LinkType.RAW_BSD, LinkType.RAW_OPENBSD, LinkType.PPP_HDLC,
        LinkType.RAW, LinkType.C_HDLC, LinkType.IEEE802_11, LinkType.LOOP, LinkType.LINUX_SLL,
        LinkType.IEEE802_11_RADIOTAP, LinkType.IPV4, LinkType.IPV6, LinkType.LINUX_SLL2, 147};

    /** The largest captured length the capture-file reader delivers (CaptureFileReader.MAX_CAPTURED_LENGTH). */
    private static final int MAX_FRAME = 256 * 1024;

    @FuzzTest(maxDuration = "40s")
    void decode(final byte[] data)
    {
        if (data.length < 3)
        {
            return;
        }
        final int linkType = LINK_TYPES[(data[0] & 0xFF) % LINK_TYPES.length];
        final int padding = data[1] & 0x07;
        final boolean overshoot = (data[1] & 0x08) != 0;
        final int split = data[2] & 0xFF;
        final byte[] body = (data[1] & 0x10) != 0 && data.length > 3 ?
            tile(Arrays.copyOfRange(data, 3, data.length), MAX_FRAME) : Arrays.copyOfRange(data, 3, data.length);

        final PacketDecoder decoder = new PacketDecoder(16);
        final DecodedPacket out = new DecodedPacket();
        if (split == 0 || split >= body.length)
        {
            decodeOne(decoder, linkType, body, padding, overshoot, out);
        }
        else
        {
            decodeOne(decoder, linkType, Arrays.copyOfRange(body, 0, split), padding, overshoot, out);
            decodeOne(decoder, linkType, Arrays.copyOfRange(body, split, body.length), padding, overshoot, out);
        }
    }

    private static byte[] tile(final byte[] unit, final int length)
    {
        final byte[] out = new byte[length];
        for (int i = 0; i < length; i += unit.length)
        {
            System.arraycopy(unit, 0, out, i, Math.min(unit.length, length - i));
        }
        return out;
    }

    private static void decodeOne(
        final PacketDecoder decoder, final int linkType, final byte[] frame, final int padding, final boolean overshoot,
        final DecodedPacket out)
    {
        final byte[] bytes = new byte[padding + frame.length];
        System.arraycopy(frame, 0, bytes, padding, frame.length);
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        final int capturedLength = overshoot ? frame.length + 64 : frame.length;

        final DecodeResult result = decoder.decode(linkType, buffer, padding, capturedLength, out);

        assertNotNull(result, "decode returned null");
        if (frame.length == 0)
        {
            assertNotEquals(DecodeResult.OK, result, "empty frame decoded OK");
        }
        if (result != DecodeResult.OK)
        {
            return;
        }
        assertTrue(out.ipVersion == 4 || out.ipVersion == 6, () -> "ipVersion: " + out);
        assertTrue(out.protocol == 6 || out.protocol == 17, () -> "protocol: " + out);
        assertTrue(out.srcPort >= 0 && out.srcPort <= 65535, () -> "srcPort: " + out);
        assertTrue(out.dstPort >= 0 && out.dstPort <= 65535, () -> "dstPort: " + out);
        // A stated length of 0 (TSO/BIG TCP, jumbogram) reports the packet's length as the caller gives it (the
        // wire length; here the captured length, which may claim more than the frame holds), possibly over 65535.
        assertTrue(out.ipLength >= 20 && out.ipLength <= Math.max(65535 + 40, capturedLength),
            () -> "ipLength: " + out);
        assertTrue(out.tunnelDepth >= 0 && out.tunnelDepth <= PacketDecoder.MAX_TUNNEL_DEPTH, () -> "tunnelDepth: " + out);
        if (out.ipVersion == 4)
        {
            assertEquals(0, out.srcHi, () -> "IPv4 srcHi: " + out);
            assertEquals(0, out.dstHi, () -> "IPv4 dstHi: " + out);
            assertTrue(out.srcLo >= 0 && out.srcLo <= 0xFFFF_FFFFL, () -> "IPv4 srcLo: " + out);
            assertTrue(out.dstLo >= 0 && out.dstLo <= 0xFFFF_FFFFL, () -> "IPv4 dstLo: " + out);
        }
        if (!out.attributedFragment)
        {
            // Ports are read from the frame itself, so an unfragmented flow needs at least an IP and 4 port bytes.
            assertTrue(frame.length >= 24, () -> "OK from " + frame.length + " bytes: " + out);
        }
    }
}

package io.flowpic.sensor.pipeline;

import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.flowtable.decode.DecodedPacket;
import io.flowpic.flowtable.decode.PacketDecoder;
import org.agrona.DirectBuffer;

/**
 * The packet source's side of sharded flow agents: one ring per flow agent, and the choice of ring by a hash of
 * the packet's unidirectional 5-tuple, so every packet of a flow reaches the one agent whose table holds it.
 * Single threaded (the capture thread or the file reader). With one agent there is nothing to choose and no
 * packet is looked at; with more, the headers are decoded here once more (a decoder of its own, fragments
 * included), and a packet that does not decode as TCP/UDP goes to the first agent, which counts it.
 */
public final class FlowDispatch
{
    private final PacketRing[] rings;
    private final PacketDecoder decoder;
    private final DecodedPacket packet = new DecodedPacket();

    public FlowDispatch(final PacketRing... rings)
    {
        if (rings.length == 0)
        {
            throw new IllegalArgumentException("no ring");
        }
        this.rings = rings.clone();
        decoder = rings.length > 1 ? new PacketDecoder(4096) : null;
    }

    public int ringCount()
    {
        return rings.length;
    }

    public PacketRing ring(final int index)
    {
        return rings[index];
    }

    /** The ring of the flow agent that owns this packet's flow. */
    public PacketRing ringFor(final int linkType, final DirectBuffer buffer, final int offset,
        final int capturedLength, final int originalLength)
    {
        if (decoder == null)
        {
            return rings[0];
        }
        if (decoder.decode(linkType, buffer, offset, capturedLength, originalLength, packet) != DecodeResult.OK)
        {
            return rings[0];
        }
        return rings[shard(packet, rings.length)];
    }

    /**
     * The agent of a flow among {@code agents}: a mix of the unidirectional 5-tuple (other constants than the
     * flow table's own hash, so a shard's flows still spread over its table), reduced by multiply-shift.
     */
    static int shard(final DecodedPacket p, final int agents)
    {
        long h = (p.srcHi ^ Long.rotateLeft(p.dstHi, 17)) * 0xD6E8FEB86659FD93L;
        h = (h ^ p.srcLo) * 0xA0761D6478BD642FL;
        h = (h ^ p.dstLo) * 0xE7037ED1A0B428DBL;
        h = (h ^ (((long)p.srcPort << 24) | ((long)p.dstPort << 8) | p.protocol)) * 0x8EBC6AF09C88C6E3L;
        h ^= h >>> 29;
        return (int)(((h >>> 32) * agents) >>> 32);
    }
}

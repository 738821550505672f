package io.flowpic.sensor.testing;

import io.flowpic.flowtable.capture.CaptureWriter;
import io.flowpic.flowtable.capture.LinkType;
import io.flowpic.flowtable.decode.Packets;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small pcap files written by the flow table's own test writer, for tests that replay or send them. */
public final class TestCaptures
{
    /** 198.18.0.2, the far end of a {@link VethPair}. */
    public static final int PEER = 0xC6120002;
    /** 198.18.0.1, the host end of a {@link VethPair}. */
    public static final int HOST = 0xC6120001;

    private TestCaptures()
    {
    }

    /** Ethernet frames of one UDP flow PEER → HOST: {@code packets} of growing size, 1 ms apart. */
    public static Path udpFlow(final Path file, final int srcPort, final int dstPort, final int packets)
        throws IOException
    {
        final CaptureWriter pcap = CaptureWriter.pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET);
        for (int i = 0; i < packets; i++)
        {
            final byte[] ip = Packets.ipv4(PEER, HOST, 17, i, 0, new byte[0], Packets.udp(srcPort, dstPort, 72 + i));
            pcap.record(1_700_000_000L, i * 1000L, Packets.ethernet(0x0800, ip));
        }
        Files.write(file, pcap.bytes());
        return file;
    }

    /**
     * Ethernet frames of {@code flows} UDP flows PEER → HOST (source ports {@code firstSrcPort} on), interleaved 1 ms
     * apart; flow {@code f} has {@code packets + f % 7} packets, so each flow's count tells it apart.
     */
    public static Path udpFlows(final Path file, final int firstSrcPort, final int dstPort, final int flows,
        final int packets) throws IOException
    {
        final CaptureWriter pcap = CaptureWriter.pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET);
        long micros = 0;
        for (int i = 0; i < packets + 6; i++)
        {
            for (int f = 0; f < flows; f++)
            {
                if (i < packets + f % 7)
                {
                    final byte[] ip = Packets.ipv4(PEER, HOST, 17, i, 0, new byte[0],
                        Packets.udp(firstSrcPort + f, dstPort, 72 + i));
                    pcap.record(1_700_000_000L + micros / 1_000_000, micros % 1_000_000, Packets.ethernet(0x0800, ip));
                    micros += 1000;
                }
            }
        }
        Files.write(file, pcap.bytes());
        return file;
    }
}

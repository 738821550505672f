package io.flowpic.flowtable.decode;

import io.flowpic.flowtable.capture.LinkType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static io.flowpic.flowtable.decode.Packets.*;
import static org.junit.jupiter.api.Assertions.*;

class PacketDecoderTest
{
    private final PacketDecoder decoder = new PacketDecoder(1024);
    private final DecodedPacket out = new DecodedPacket();

    private DecodeResult decode(final int linkType, final byte[] frame)
    {
        // Place the frame at a non-zero offset in a direct buffer, as the capture reader does.
        final ByteBuffer direct = ByteBuffer.allocateDirect(frame.length + 16);
        final UnsafeBuffer buffer = new UnsafeBuffer(direct);
        buffer.putBytes(7, frame);
        return decoder.decode(linkType, buffer, 7, frame.length, out);
    }

    private static byte[] v4Tcp()
    {
        return ipv4(6, tcp(40000, 443, 100));
    }

    private static byte[] v6Udp()
    {
        return ipv6(17, udp(5353, 53, 30));
    }

    private void assertV4Tcp(final int ipLength)
    {
        assertEquals(4, out.ipVersion);
        assertEquals(6, out.protocol);
        assertEquals(0, out.srcHi);
        assertEquals(V4_SRC & 0xFFFF_FFFFL, out.srcLo);
        assertEquals(0, out.dstHi);
        assertEquals(V4_DST & 0xFFFF_FFFFL, out.dstLo);
        assertEquals(40000, out.srcPort);
        assertEquals(443, out.dstPort);
        assertEquals(ipLength, out.ipLength);
    }

    private void assertV6Udp()
    {
        assertEquals(6, out.ipVersion);
        assertEquals(17, out.protocol);
        assertEquals(V6_SRC_HI, out.srcHi);
        assertEquals(V6_SRC_LO, out.srcLo);
        assertEquals(V6_DST_HI, out.dstHi);
        assertEquals(V6_DST_LO, out.dstLo);
        assertEquals(5353, out.srcPort);
        assertEquals(53, out.dstPort);
    }

    @Test
    void ethernetIpv4Tcp()
    {
        assertEquals(DecodeResult.OK, decode(LinkType.ETHERNET, ethernet(0x0800, v4Tcp())));
        assertV4Tcp(140);
        assertEquals(0, out.tunnelDepth);
    }

    @Test
    void ethernetIpv6Udp()
    {
        assertEquals(DecodeResult.OK, decode(LinkType.ETHERNET, ethernet(0x86DD, v6Udp())));
        assertV6Udp();
        assertEquals(40 + 38, out.ipLength);
    }

    @Test
    void highAddressesAndPortsAreUnsigned()
    {
        final byte[] p = ipv4(0xFFFFFFFE, 0x80000001, 17, 0, 0, new byte[0], udp(65535, 32768, 0));
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, p));
        assertEquals(0xFFFFFFFEL, out.srcLo);
        assertEquals(0x80000001L, out.dstLo);
        assertEquals(65535, out.srcPort);
        assertEquals(32768, out.dstPort);
    }

    @Test
    void ciscoFabricPathCarriesTheOriginalFrame()
    {
        // As in nDPI's ajp.pcap: outer header with EtherType 0x8903, FTag/TTL, then the host's frame.
        final byte[] inner = ethernet(0x8100, cat(u16(7), u16(0x0800), v4Tcp()));
        assertEquals(DecodeResult.OK, decode(LinkType.ETHERNET, ethernet(0x8903, cat(u16(0x4020), inner))));
        assertV4Tcp(140);
        assertEquals(DecodeResult.TRUNCATED_LINK_HEADER, decode(LinkType.ETHERNET, ethernet(0x8903, u8(0x40))));
    }

    @Test
    void nestedLinkEncapsulationsAreBoundedNotRecursedToStackOverflow()
    {
        // Found while adding the fuzz tests: 256 KiB of repeated FabricPath headers (16 bytes a level) or Ethernet pseudowires in
        // MPLS (22 bytes a level) recursed until StackOverflowError escaped the decoder.
        final byte[] fabricPath = new byte[256 * 1024];
        for (int p = 0; p + 16 <= fabricPath.length; p += 16)
        {
            fabricPath[p + 12] = (byte)0x89;
            fabricPath[p + 13] = 0x03;
        }
        assertEquals(DecodeResult.TOO_MANY_ENCAPSULATIONS, decode(LinkType.ETHERNET, fabricPath));
        final byte[] pseudowires = new byte[256 * 1024];
        for (int p = 0; p + 22 <= pseudowires.length; p += 22)
        {
            pseudowires[p + 12] = (byte)0x88;
            pseudowires[p + 13] = 0x47;
            pseudowires[p + 16] = 1;
        }
        assertEquals(DecodeResult.TOO_MANY_ENCAPSULATIONS, decode(LinkType.ETHERNET, pseudowires));
    }

    @Test
    void ipv4OptionsAreSkippedUsingIhl()
    {
        final byte[] p = ipv4(V4_SRC, V4_DST, 6, 1, 0, u8(0x94, 4, 0, 0, 1, 1, 1, 0), tcp(40000, 443, 100));
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, p));
        assertV4Tcp(148);
    }

    @Test
    void vlanStacks()
    {
        assertEquals(DecodeResult.OK, decode(LinkType.ETHERNET, cat(ethernet(0x8100, u16(10)), u16(0x0800), v4Tcp())));
        assertV4Tcp(140);
        for (final int outer : new int[]{0x88A8, 0x9100, 0x8100})
        {
            final byte[] frame = cat(ethernet(outer, u16(100)), u16(0x8100), u16(200), u16(0x86DD), v6Udp());
            assertEquals(DecodeResult.OK, decode(LinkType.ETHERNET, frame));
            assertV6Udp();
        }
        byte[] deep = cat(u16(0x8100), u16(1), u16(0x0800), v4Tcp());
        for (int i = 0; i < 9; i++)
        {
            deep = cat(u16(0x8100), u16(1), deep);
        }
        assertEquals(DecodeResult.TOO_MANY_LINK_HEADERS, decode(LinkType.ETHERNET, cat(zeros(12), deep)));
        assertEquals(DecodeResult.TRUNCATED_LINK_HEADER, decode(LinkType.ETHERNET, cat(ethernet(0x8100, u16(1)))));
    }

    @Test
    void mplsAndPppoe()
    {
        final byte[] mpls = cat(ethernet(0x8847, u8(0, 1, 0, 64)), u8(0, 2, 1, 64), v4Tcp());
        assertEquals(DecodeResult.OK, decode(LinkType.ETHERNET, mpls));
        assertV4Tcp(140);
        final byte[] eompls = cat(ethernet(0x8847, u8(0, 1, 1, 64)), zeros(4), ethernet(0x86DD, v6Udp()));
        assertEquals(DecodeResult.OK, decode(LinkType.ETHERNET, eompls));
        assertV6Udp();
        final byte[] pppoe = ethernet(0x8864, cat(u8(0x11, 0), u16(0x1234), u16(v4Tcp().length + 2), u16(0x0021), v4Tcp()));
        assertEquals(DecodeResult.OK, decode(LinkType.ETHERNET, pppoe));
        assertV4Tcp(140);
    }

    @Test
    void nonIpEthernet()
    {
        assertEquals(DecodeResult.NON_IP, decode(LinkType.ETHERNET, ethernet(0x0806, zeros(28))));
        assertEquals(DecodeResult.NON_IP, decode(LinkType.ETHERNET, ethernet(0x0026, zeros(38)))); // 802.3 + LLC
        assertEquals(DecodeResult.NON_IP, decode(LinkType.ETHERNET, ethernet(0x88CC, zeros(30)))); // LLDP
    }

    @Test
    void linuxCookedV1AndV2()
    {
        final byte[] sll = cat(u16(0), u16(1), u16(6), zeros(8), u16(0x0800), v4Tcp());
        assertEquals(DecodeResult.OK, decode(LinkType.LINUX_SLL, sll));
        assertV4Tcp(140);
        final byte[] sll2 = cat(u16(0x86DD), u16(0), u32(2), u16(1), u8(0, 6), zeros(8), v6Udp());
        assertEquals(DecodeResult.OK, decode(LinkType.LINUX_SLL2, sll2));
        assertV6Udp();
        assertEquals(DecodeResult.TRUNCATED_LINK_HEADER, decode(LinkType.LINUX_SLL, zeros(15)));
        assertEquals(DecodeResult.TRUNCATED_LINK_HEADER, decode(LinkType.LINUX_SLL2, zeros(19)));
    }

    @Test
    void bsdLoopbackBothByteOrders()
    {
        assertEquals(DecodeResult.OK, decode(LinkType.NULL, cat(u8(2, 0, 0, 0), v4Tcp())));
        assertV4Tcp(140);
        assertEquals(DecodeResult.OK, decode(LinkType.NULL, cat(u8(0, 0, 0, 2), v4Tcp())));
        assertV4Tcp(140);
        for (final int family : new int[]{24, 28, 30})
        {
            assertEquals(DecodeResult.OK, decode(LinkType.NULL, cat(u8(family, 0, 0, 0), v6Udp())));
            assertV6Udp();
            assertEquals(DecodeResult.OK, decode(LinkType.LOOP, cat(u32(family), v6Udp())));
            assertV6Udp();
        }
        assertEquals(DecodeResult.OK, decode(LinkType.LOOP, cat(u32(2), v4Tcp())));
        assertEquals(DecodeResult.NON_IP, decode(LinkType.NULL, cat(u8(7, 0, 0, 0), v4Tcp())));
        assertEquals(DecodeResult.TRUNCATED_LINK_HEADER, decode(LinkType.LOOP, u8(0, 0)));
    }

    @Test
    void rawIpAllLinkTypeNumbers()
    {
        for (final int linkType : new int[]{LinkType.RAW, LinkType.RAW_BSD, LinkType.RAW_OPENBSD, LinkType.IPV4, LinkType.IPV6})
        {
            assertEquals(DecodeResult.OK, decode(linkType, v4Tcp()));
            assertV4Tcp(140);
            assertEquals(DecodeResult.OK, decode(linkType, v6Udp()));
            assertV6Udp();
            assertEquals(DecodeResult.BAD_IP_VERSION, decode(linkType, cat(u8(0x55), zeros(40))));
        }
    }

    @Test
    void pppVariants()
    {
        for (final int linkType : new int[]{LinkType.PPP, LinkType.PPP_HDLC})
        {
            assertEquals(DecodeResult.OK, decode(linkType, cat(u8(0xFF, 0x03), u16(0x0021), v4Tcp())));
            assertV4Tcp(140);
            assertEquals(DecodeResult.OK, decode(linkType, cat(u16(0x0057), v6Udp())));
            assertV6Udp();
            assertEquals(DecodeResult.OK, decode(linkType, cat(u8(0x21), v4Tcp()))); // protocol-field compression
            assertV4Tcp(140);
            assertEquals(DecodeResult.NON_IP, decode(linkType, cat(u8(0xFF, 0x03), u16(0xC021), zeros(10)))); // LCP
        }
        assertEquals(DecodeResult.OK, decode(LinkType.PPP_HDLC, cat(u8(0x0F, 0x00), u16(0x0800), v4Tcp())));
        assertEquals(DecodeResult.OK, decode(LinkType.C_HDLC, cat(u8(0x0F, 0x00), u16(0x86DD), v6Udp())));
        assertV6Udp();
    }

    @Test
    void unsupportedLinkType()
    {
        assertEquals(DecodeResult.UNSUPPORTED_LINK_TYPE, decode(LinkType.IEEE802_11, v4Tcp()));
        assertEquals(DecodeResult.UNSUPPORTED_LINK_TYPE, decode(147, v4Tcp()));
        assertTrue(DecodeResult.UNSUPPORTED_LINK_TYPE.isSkipped());
    }

    @Test
    void ipv6ExtensionHeadersAreWalked()
    {
        final byte[] payload = cat(extension(43, 0), extension(60, 1), extension(51, 0), u8(135, 2), zeros(14),
            extension(140, 0), extension(139, 0), extension(17, 0), udp(5353, 53, 30));
        // AH declares 2 -> (2 + 2) * 4 = 16 bytes, unlike the 8-byte units of the others.
        final byte[] packet = ipv6(0, payload);
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, packet));
        assertV6Udp();
        assertEquals(40 + payload.length, out.ipLength);

        assertEquals(DecodeResult.OTHER_IP_PROTOCOL, decode(LinkType.RAW, ipv6(59, zeros(8))));
        assertEquals(DecodeResult.OTHER_IP_PROTOCOL, decode(LinkType.RAW, ipv6(58, zeros(8)))); // ICMPv6
        assertEquals(DecodeResult.TRUNCATED_EXTENSION_HEADER, decode(LinkType.RAW, ipv6(0, u8(17))));
        assertEquals(DecodeResult.TRUNCATED_EXTENSION_HEADER, decode(LinkType.RAW, ipv6(0, u8(17, 1, 0, 0))));
        byte[] many = udp(1, 2, 0);
        for (int i = 0; i < 17; i++)
        {
            many = cat(extension(i == 0 ? 17 : 60, 0), many);
        }
        assertEquals(DecodeResult.TOO_MANY_EXTENSION_HEADERS, decode(LinkType.RAW, ipv6(60, many)));
    }

    @Test
    void otherProtocolsAreSkipped()
    {
        assertEquals(DecodeResult.OTHER_IP_PROTOCOL, decode(LinkType.RAW, ipv4(1, zeros(8))));   // ICMP
        assertEquals(DecodeResult.OTHER_IP_PROTOCOL, decode(LinkType.RAW, ipv4(50, zeros(40)))); // ESP
        assertEquals(DecodeResult.OTHER_IP_PROTOCOL, decode(LinkType.RAW, ipv6(50, zeros(40))));
        assertEquals(DecodeResult.OTHER_IP_PROTOCOL, decode(LinkType.RAW, ipv4(132, zeros(40)))); // SCTP
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, ipv4(17, udp(51820, 51820, 148))));  // WireGuard: plain UDP
        assertEquals(0, out.tunnelDepth);
    }

    @Test
    void ipInIpFamilies()
    {
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, ipv4(4, v4Tcp())));
        assertV4Tcp(140);
        assertEquals(1, out.tunnelDepth);
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, ipv4(41, v6Udp())));
        assertV6Udp();
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, ipv6(41, v6Udp())));
        assertV6Udp();
        assertEquals(1, out.tunnelDepth);
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, ipv6(4, v4Tcp())));
        assertV4Tcp(140);
        assertEquals(DecodeResult.BAD_IP_VERSION, decode(LinkType.RAW, ipv4(4, v6Udp())));
    }

    @Test
    void tooDeepNestingIsMalformed()
    {
        byte[] p = v4Tcp();
        for (int i = 0; i < PacketDecoder.MAX_TUNNEL_DEPTH; i++)
        {
            p = ipv4(4, p);
        }
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, p));
        assertEquals(PacketDecoder.MAX_TUNNEL_DEPTH, out.tunnelDepth);
        assertEquals(DecodeResult.TOO_MANY_ENCAPSULATIONS, decode(LinkType.RAW, ipv4(4, p)));
        assertTrue(DecodeResult.TOO_MANY_ENCAPSULATIONS.isMalformed());
    }

    @Test
    void greVariants()
    {
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, ipv4(47, gre(0, 0x0800, new byte[0], v4Tcp()))));
        assertV4Tcp(140);
        assertEquals(1, out.tunnelDepth);
        // Checksum, key and sequence present.
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, ipv4(47, gre(0xB000, 0x86DD, zeros(12), v6Udp()))));
        assertV6Udp();
        // Transparent Ethernet bridging with a VLAN tag inside.
        final byte[] bridged = cat(ethernet(0x8100, u16(5)), u16(0x0800), v4Tcp());
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, ipv6(47, gre(0x2000, 0x6558, zeros(4), bridged))));
        assertV4Tcp(140);
        // PPTP enhanced GRE: key (payload length + call id) and sequence, then PPP.
        final byte[] ppp = cat(u8(0xFF, 0x03), u16(0x0021), v4Tcp());
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, ipv4(47, gre(0x3001, 0x880B, zeros(8), ppp))));
        assertV4Tcp(140);
        // PPTP acknowledgement only.
        assertEquals(DecodeResult.OTHER_IP_PROTOCOL, decode(LinkType.RAW, ipv4(47, gre(0x2081, 0x880B, zeros(8), new byte[0]))));
        // ERSPAN type II.
        assertEquals(DecodeResult.OK, decode(LinkType.RAW,
            ipv4(47, gre(0x1000, 0x88BE, zeros(4), cat(zeros(8), ethernet(0x0800, v4Tcp()))))));
        assertV4Tcp(140);
        assertEquals(DecodeResult.OTHER_IP_PROTOCOL, decode(LinkType.RAW, ipv4(47, gre(0, 0x1234, new byte[0], zeros(20)))));
        assertEquals(DecodeResult.TRUNCATED_TUNNEL_HEADER, decode(LinkType.RAW,
            truncate(ipv4(47, gre(0xB000, 0x0800, zeros(12), v4Tcp())), 20 + 10)));
        assertEquals(DecodeResult.BAD_TUNNEL_HEADER, decode(LinkType.RAW, ipv4(47, gre(0x3001, 0x0800, zeros(8), v4Tcp()))));
    }

    @Test
    void vxlan()
    {
        final byte[] inner = cat(ethernet(0x0800, v4Tcp()));
        assertEquals(DecodeResult.OK, decode(LinkType.ETHERNET,
            ethernet(0x0800, ipv4(17, udp(33333, 4789, Packets.vxlan(inner))))));
        assertV4Tcp(140);
        assertEquals(1, out.tunnelDepth);
        // Not VXLAN after all (I flag clear): stays the outer UDP flow.
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, ipv4(17, udp(33333, 4789, cat(zeros(8), inner)))));
        assertEquals(17, out.protocol);
        assertEquals(4789, out.dstPort);
        // Too short to be VXLAN: outer UDP flow.
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, ipv4(17, udp(33333, 4789, 4))));
        assertEquals(4789, out.dstPort);
        // Cut by the snap length inside the VXLAN header.
        assertEquals(DecodeResult.TRUNCATED_TUNNEL_HEADER, decode(LinkType.RAW,
            truncate(ipv4(17, udp(33333, 4789, Packets.vxlan(inner))), 20 + 8 + 4)));
    }

    @Test
    void gtpUTunnels()
    {
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, ipv4(17, udp(2152, 2152, gtpU(v4Tcp())))));
        assertV4Tcp(140);
        assertEquals(1, out.tunnelDepth);
        // With sequence number and a PDU session container extension header.
        final byte[] withExtension = cat(u8(0x34, 0xFF), u16(0), u32(1), u16(7), u8(0, 0x85), u8(1, 0x10, 5, 0), v6Udp());
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, ipv6(17, udp(2152, 2152, withExtension))));
        assertV6Udp();
        // Echo request: signalling, the outer flow.
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, ipv4(17, udp(2152, 2152, cat(u8(0x32, 0x01), u16(4), u32(0), zeros(4))))));
        assertEquals(2152, out.dstPort);
        assertEquals(0, out.tunnelDepth);
        final byte[] zeroLengthExtension = cat(u8(0x34, 0xFF), u16(0), u32(1), u16(7), u8(0, 0x85), u8(0, 0, 0, 0), v4Tcp());
        assertEquals(DecodeResult.BAD_TUNNEL_HEADER, decode(LinkType.RAW, ipv4(17, udp(2152, 2152, zeroLengthExtension))));
        assertEquals(DecodeResult.TRUNCATED_TUNNEL_HEADER, decode(LinkType.RAW,
            truncate(ipv4(17, udp(2152, 2152, gtpU(v4Tcp()))), 20 + 8 + 5)));
    }

    @Test
    void ipv4FragmentsAreAttributedToTheFirstFragmentsFlow()
    {
        final byte[] first = ipv4(V4_SRC, V4_DST, 17, 777, 0x2000, new byte[0], udp(1111, 53, 1000));
        final byte[] later = ipv4(V4_SRC, V4_DST, 17, 777, 126, new byte[0], zeros(500));
        final byte[] orphan = ipv4(V4_SRC, V4_DST, 17, 778, 126, new byte[0], zeros(500));
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, first));
        assertFalse(out.attributedFragment);
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, later));
        assertTrue(out.attributedFragment);
        assertEquals(1111, out.srcPort);
        assertEquals(53, out.dstPort);
        assertEquals(17, out.protocol);
        assertEquals(520, out.ipLength);
        assertEquals(DecodeResult.UNATTRIBUTED_FRAGMENT, decode(LinkType.RAW, orphan));
        assertEquals(DecodeResult.OTHER_IP_PROTOCOL, decode(LinkType.RAW,
            ipv4(V4_SRC, V4_DST, 1, 5, 100, new byte[0], zeros(100)))); // ICMP fragment
    }

    @Test
    void fragmentsOfATunnelAreAttributedToTheInnerFlow()
    {
        final byte[] first = ipv4(V4_SRC, V4_DST, 4, 9, 0x2000, new byte[0], v4Tcp());
        final byte[] later = ipv4(V4_SRC, V4_DST, 4, 9, 20, new byte[0], zeros(64));
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, first));
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, later));
        assertV4Tcp(84);
        assertEquals(1, out.tunnelDepth);
        // A non-first fragment is never decapsulated.
        assertEquals(DecodeResult.UNATTRIBUTED_FRAGMENT, decode(LinkType.RAW,
            ipv4(V4_SRC, V4_DST, 4, 10, 20, new byte[0], v4Tcp())));
    }

    @Test
    void ipv6Fragments()
    {
        final byte[] first = ipv6(44, cat(ipv6Fragment(17, 0, true, 0xCAFE), udp(5353, 53, 1200)));
        final byte[] later = ipv6(60, cat(extension(44, 0), ipv6Fragment(17, 151, false, 0xCAFE), zeros(300)));
        final byte[] orphan = ipv6(44, cat(ipv6Fragment(17, 151, false, 0xBEEF), zeros(300)));
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, first));
        assertV6Udp();
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, later));
        assertV6Udp();
        assertTrue(out.attributedFragment);
        assertEquals(40 + 16 + 300, out.ipLength);
        assertEquals(DecodeResult.UNATTRIBUTED_FRAGMENT, decode(LinkType.RAW, orphan));
        // Atomic fragment (offset 0, no more fragments) is just a packet.
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, ipv6(44, cat(ipv6Fragment(17, 0, false, 1), udp(5353, 53, 10)))));
    }

    @Test
    void fragmentTableOverwritesInsteadOfGrowing()
    {
        final PacketDecoder small = new PacketDecoder(4);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[2048]);
        for (int id = 0; id < 100; id++)
        {
            final byte[] first = ipv4(V4_SRC, V4_DST, 17, id, 0x2000, new byte[0], udp(1000 + id, 53, 100));
            buffer.putBytes(0, first);
            assertEquals(DecodeResult.OK, small.decode(LinkType.RAW, buffer, 0, first.length, out));
        }
        final byte[] recent = ipv4(V4_SRC, V4_DST, 17, 99, 20, new byte[0], zeros(10));
        buffer.putBytes(0, recent);
        assertEquals(DecodeResult.OK, small.decode(LinkType.RAW, buffer, 0, recent.length, out));
        assertEquals(1099, out.srcPort);
        final byte[] old = ipv4(V4_SRC, V4_DST, 17, 0, 20, new byte[0], zeros(10));
        buffer.putBytes(0, old);
        assertEquals(DecodeResult.UNATTRIBUTED_FRAGMENT, small.decode(LinkType.RAW, buffer, 0, old.length, out));
    }

    @Test
    void smallSnapLengthStillDecodesWithTheHeaderLength()
    {
        final byte[] frame = ethernet(0x0800, ipv4(6, tcp(40000, 443, 1400)));
        assertEquals(DecodeResult.OK, decode(LinkType.ETHERNET, truncate(frame, 14 + 20 + 4)));
        assertV4Tcp(1440);
        final byte[] v6 = ipv6(17, udp(5353, 53, 1000));
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, truncate(v6, 44)));
        assertEquals(1048, out.ipLength);
    }

    @Test
    void ipv6JumboPayloadLengthUsesCapturedLength()
    {
        final byte[] p = ipv6(17, udp(5353, 53, 100));
        p[4] = 0;
        p[5] = 0;
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, p));
        assertEquals(p.length, out.ipLength);
    }

    @Test
    void ipv4ZeroTotalLengthFromSegmentationOffloadUsesCapturedLength()
    {
        final byte[] p = ipv4(6, tcp(40000, 443, 3000));
        p[2] = 0;
        p[3] = 0;
        assertEquals(DecodeResult.OK, decode(LinkType.RAW, p));
        assertV4Tcp(p.length);
    }

    @Test
    void aZeroIpLengthCutByTheSnapLengthUsesTheWireLength()
    {
        // BIG TCP / TSO: no length in the IP header, 9,000 bytes on the wire, 96 captured.
        final byte[] v4 = ethernet(0x0800, ipv4(6, tcp(40000, 443, 9000 - 40)));
        v4[14 + 2] = 0;
        v4[14 + 3] = 0;
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[v4.length + 7]);
        buffer.putBytes(7, v4);
        assertEquals(DecodeResult.OK, decoder.decode(LinkType.ETHERNET, buffer, 7, 96, v4.length, out));
        assertV4Tcp(9000);
        final byte[] v6 = ipv6(17, udp(5353, 53, 9000 - 48));
        v6[4] = 0;
        v6[5] = 0;
        assertEquals(DecodeResult.OK, decoder.decode(LinkType.RAW, new UnsafeBuffer(v6), 0, 128, v6.length, out));
        assertEquals(v6.length, out.ipLength);
        // A stated length wins over the wire length (Ethernet padding, trailers).
        final byte[] padded = ethernet(0x0800, ipv4(6, tcp(40000, 443, 100)));
        assertEquals(DecodeResult.OK, decoder.decode(LinkType.ETHERNET, new UnsafeBuffer(padded), 0, 60,
            padded.length + 4, out));
        assertV4Tcp(140);
    }

    @Test
    void malformedReasons()
    {
        assertEquals(DecodeResult.TRUNCATED_LINK_HEADER, decode(LinkType.ETHERNET, zeros(13)));
        assertEquals(DecodeResult.TRUNCATED_LINK_HEADER, decode(LinkType.PPP, u8(0xFF, 0x03, 0x00)));
        assertEquals(DecodeResult.TRUNCATED_IP_HEADER, decode(LinkType.ETHERNET, ethernet(0x0800, truncate(v4Tcp(), 19))));
        assertEquals(DecodeResult.TRUNCATED_IP_HEADER, decode(LinkType.ETHERNET, ethernet(0x0800, new byte[0])));
        assertEquals(DecodeResult.TRUNCATED_IP_HEADER, decode(LinkType.RAW, truncate(v6Udp(), 39)));
        assertEquals(DecodeResult.TRUNCATED_IP_HEADER, decode(LinkType.RAW,
            truncate(ipv4(V4_SRC, V4_DST, 6, 1, 0, zeros(8), tcp(1, 2, 0)), 24)));
        assertEquals(DecodeResult.BAD_IP_VERSION, decode(LinkType.ETHERNET, ethernet(0x0800, v6Udp())));
        assertEquals(DecodeResult.BAD_IP_VERSION, decode(LinkType.ETHERNET, ethernet(0x86DD, v4Tcp())));
        final byte[] badIhl = v4Tcp();
        badIhl[0] = 0x44;
        assertEquals(DecodeResult.BAD_IP_HEADER_LENGTH, decode(LinkType.RAW, badIhl));
        final byte[] badTotal = v4Tcp();
        badTotal[2] = 0;
        badTotal[3] = 19;
        assertEquals(DecodeResult.BAD_IP_TOTAL_LENGTH, decode(LinkType.RAW, badTotal));
        assertEquals(DecodeResult.TRUNCATED_TRANSPORT_HEADER, decode(LinkType.RAW, truncate(v4Tcp(), 23)));
        assertEquals(DecodeResult.TRUNCATED_TRANSPORT_HEADER, decode(LinkType.RAW, truncate(v6Udp(), 43)));
        assertEquals(DecodeResult.TRUNCATED_LINK_HEADER, decoder.decode(LinkType.RAW, new UnsafeBuffer(new byte[4]), 0, 0, out));
        assertEquals(DecodeResult.TRUNCATED_LINK_HEADER, decoder.decode(LinkType.RAW, new UnsafeBuffer(new byte[4]), 9, 4, out));
        assertEquals(DecodeResult.TRUNCATED_IP_HEADER, decoder.decode(LinkType.RAW, new UnsafeBuffer(u8(0x45, 0, 0, 0)), 0, 4000, out));
    }

    @Test
    void labelsAndKinds()
    {
        assertEquals("truncated_ip_header", DecodeResult.TRUNCATED_IP_HEADER.label());
        assertEquals("ok", DecodeResult.OK.label());
        for (final DecodeResult r : DecodeResult.values())
        {
            assertFalse(r.isMalformed() && r.isSkipped(), r.name());
            assertEquals(r == DecodeResult.OK, !r.isMalformed() && !r.isSkipped(), r.name());
        }
    }
}

package io.flowpic.flowtable.decode;

import io.flowpic.flowtable.capture.LinkType;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

import static io.flowpic.flowtable.decode.DecodeResult.*;

/**
 * Extracts the 5-tuple and IP length of the flow a captured frame belongs to, looking through
 * VLAN/MPLS/PPPoE and unencrypted tunnels (IP-in-IP, GRE, VXLAN, GTP-U) to the innermost TCP/UDP packet,
 * as tshark and nDPI do.
 * <p>
 * Only the bytes up to the transport ports are required, so captures with a small snap length decode fine;
 * the packet size reported is the IP header's own length field, not the captured length.
 * Every read is bounds-checked against the captured length first, so arbitrary input never throws,
 * and nothing is allocated per packet. Not thread safe: one decoder per thread.
 * <p>
 * An IPv4 total length or IPv6 payload length of 0 (segmentation-offloaded packet captured on the sender,
 * or an IPv6 jumbogram) is reported with the captured length as its size rather than rejected, as the real
 * size is not in the header; any other IPv4 total length below the header length is malformed.
 */
public final class PacketDecoder
{
    /** Tunnels within tunnels beyond this are far more likely to be crafted than real. */
    static final int MAX_TUNNEL_DEPTH = 4;
    private static final int MAX_LINK_TAGS = 8;
    private static final int MAX_EXTENSION_HEADERS = 16;
    private static final int MAX_GTP_EXTENSIONS = 8;

    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int IPIP = 4;
    private static final int IPV6_IN_IP = 41;
    private static final int GRE = 47;

    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86DD;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int ETHERTYPE_QINQ = 0x88A8;
    private static final int ETHERTYPE_QINQ_OLD = 0x9100;
    private static final int ETHERTYPE_QINQ_OLD2 = 0x9200;
    private static final int ETHERTYPE_MPLS = 0x8847;
    private static final int ETHERTYPE_MPLS_MULTICAST = 0x8848;
    private static final int ETHERTYPE_PPPOE_SESSION = 0x8864;
    private static final int ETHERTYPE_TRANSPARENT_BRIDGING = 0x6558;
    private static final int ETHERTYPE_PPP = 0x880B;
    private static final int ETHERTYPE_ERSPAN_2 = 0x88BE;
    private static final int ETHERTYPE_ERSPAN_3 = 0x22EB;
    /** Cisco FabricPath: 2 bytes of FTag/TTL, then the original Ethernet frame. */
    private static final int ETHERTYPE_FABRICPATH = 0x8903;

    private static final int PPP_IPV4 = 0x0021;
    private static final int PPP_IPV6 = 0x0057;

    private static final int VXLAN_PORT = 4789;
    private static final int GTP_U_PORT = 2152;

    private final FragmentTable fragments;
    private DirectBuffer buffer;
    private DecodedPacket out;
    private long wireEnd;

    /** @param fragmentTableCapacity datagrams whose first fragment is remembered (rounded up to a power of two). */
    public PacketDecoder(final int fragmentTableCapacity)
    {
        fragments = new FragmentTable(fragmentTableCapacity);
    }

    /**
     * Decodes one captured frame. Never throws on any input bytes and allocates nothing.
     *
     * @return {@link DecodeResult#OK} when {@code out} holds the flow of the packet, otherwise why not.
     */
    public DecodeResult decode(
        final int linkType, final DirectBuffer buffer, final int offset, final int capturedLength, final DecodedPacket out)
    {
        return decode(linkType, buffer, offset, capturedLength, capturedLength, out);
    }

    /**
     * Decodes one captured frame whose wire length ({@code originalLength}, the capture header's) may exceed what
     * was captured. Never throws on any input bytes and allocates nothing.
     *
     * @return {@link DecodeResult#OK} when {@code out} holds the flow of the packet, otherwise why not.
     */
    public DecodeResult decode(
        final int linkType, final DirectBuffer buffer, final int offset, final int capturedLength,
        final int originalLength, final DecodedPacket out)
    {
        out.reset();
        // Where the frame ended on the wire: an IP header stating no length (TSO, BIG TCP) is sized from here,
        // not from the snap-length cut.
        wireEnd = (long)offset + Math.max(capturedLength, originalLength);
        if (buffer == null || offset < 0 || capturedLength <= 0 || offset >= buffer.capacity())
        {
            return TRUNCATED_LINK_HEADER;
        }
        final int end = (int)Math.min((long)offset + capturedLength, buffer.capacity());
        this.buffer = buffer;
        this.out = out;
        try
        {
            return link(linkType, offset, end);
        }
        finally
        {
            // Do not pin a capture window that may be unmapped after the call.
            this.buffer = null;
            this.out = null;
        }
    }

    /** Bytes from {@code pos} to the end of the frame on the wire. */
    private int wireLength(final int pos)
    {
        return (int)Math.min(Integer.MAX_VALUE, wireEnd - pos);
    }

    private DecodeResult link(final int linkType, final int pos, final int end)
    {
        switch (linkType)
        {
            case LinkType.ETHERNET:
                return ethernet(pos, end, 0);

            case LinkType.RAW:
            case LinkType.RAW_BSD:
            case LinkType.RAW_OPENBSD:
            case LinkType.IPV4:
            case LinkType.IPV6:
                return ipByVersion(pos, end, 0);

            case LinkType.LINUX_SLL:
                if (end - pos < 16)
                {
                    return TRUNCATED_LINK_HEADER;
                }
                return etherType(u16(pos + 14), pos + 16, end, 0);

            case LinkType.LINUX_SLL2:
                if (end - pos < 20)
                {
                    return TRUNCATED_LINK_HEADER;
                }
                return etherType(u16(pos), pos + 20, end, 0);

            case LinkType.NULL:
            {
                if (end - pos < 4)
                {
                    return TRUNCATED_LINK_HEADER;
                }
                // Written in the capturing host's byte order, which the file does not record; families are < 65536.
                final int family = (u8(pos) == 0 && u8(pos + 1) == 0) ? u16(pos + 2) : u8(pos) | (u8(pos + 1) << 8);
                return loopbackFamily(family, pos + 4, end);
            }

            case LinkType.LOOP:
                if (end - pos < 4)
                {
                    return TRUNCATED_LINK_HEADER;
                }
                return loopbackFamily(buffer.getInt(pos, ByteOrder.BIG_ENDIAN), pos + 4, end);

            case LinkType.PPP:
            case LinkType.PPP_HDLC:
                return ppp(pos, end, 0);

            case LinkType.C_HDLC:
                if (end - pos < 4)
                {
                    return TRUNCATED_LINK_HEADER;
                }
                return etherType(u16(pos + 2), pos + 4, end, 0);

            default:
                return UNSUPPORTED_LINK_TYPE;
        }
    }

    private DecodeResult loopbackFamily(final int family, final int pos, final int end)
    {
        switch (family)
        {
            case 2:
                return ipv4(pos, end, 0);
            case 24: // NetBSD, OpenBSD
            case 28: // FreeBSD
            case 30: // Darwin
                return ipv6(pos, end, 0);
            default:
                return NON_IP;
        }
    }

    private DecodeResult ethernet(final int pos, final int end, final int depth)
    {
        if (end - pos < 14)
        {
            return TRUNCATED_LINK_HEADER;
        }
        final int type = u16(pos + 12);
        // Values below 0x0600 are 802.3 lengths: LLC frames (STP, CDP, NetBIOS), never IP in practice.
        if (type < 0x0600)
        {
            return NON_IP;
        }
        return etherType(type, pos + 14, end, depth);
    }

    private DecodeResult etherType(final int etherType, final int start, final int end, final int depth)
    {
        int type = etherType;
        int pos = start;
        int tags = 0;
        while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD || type == ETHERTYPE_QINQ_OLD2)
        {
            if (++tags > MAX_LINK_TAGS)
            {
                return TOO_MANY_LINK_HEADERS;
            }
            if (end - pos < 4)
            {
                return TRUNCATED_LINK_HEADER;
            }
            type = u16(pos + 2);
            pos += 4;
        }

        switch (type)
        {
            case ETHERTYPE_IPV4:
                return ipv4(pos, end, depth);
            case ETHERTYPE_IPV6:
                return ipv6(pos, end, depth);
            case ETHERTYPE_MPLS:
            case ETHERTYPE_MPLS_MULTICAST:
                return mpls(pos, end, depth);
            case ETHERTYPE_PPPOE_SESSION:
                if (end - pos < 6)
                {
                    return TRUNCATED_LINK_HEADER;
                }
                return pppProtocol(pos + 6, end, depth);
            case ETHERTYPE_FABRICPATH:
                if (end - pos < 2)
                {
                    return TRUNCATED_LINK_HEADER;
                }
                // Bounded like every encapsulation: 16 bytes a level would otherwise recurse until the stack
                // overflows on a large frame (found while adding the fuzz tests).
                return depth >= MAX_TUNNEL_DEPTH ? TOO_MANY_ENCAPSULATIONS : ethernet(pos + 2, end, depth + 1);
            default:
                return NON_IP;
        }
    }

    private DecodeResult mpls(final int start, final int end, final int depth)
    {
        int pos = start;
        int labels = 0;
        boolean bottom = false;
        while (!bottom)
        {
            if (++labels > MAX_LINK_TAGS)
            {
                return TOO_MANY_LINK_HEADERS;
            }
            if (end - pos < 4)
            {
                return TRUNCATED_LINK_HEADER;
            }
            bottom = (u8(pos + 2) & 1) != 0;
            pos += 4;
        }
        if (pos >= end)
        {
            return TRUNCATED_LINK_HEADER;
        }
        // MPLS does not say what it carries; the first nibble is the conventional guess (RFC 4385 control word = 0).
        switch (u8(pos) >>> 4)
        {
            case 4:
                return ipv4(pos, end, depth);
            case 6:
                return ipv6(pos, end, depth);
            case 0:
                // Ethernet pseudowire: an encapsulated frame, counted and bounded like any tunnel (unbounded, a large
                // frame of nested pseudowires overflowed the stack).
                return depth >= MAX_TUNNEL_DEPTH ? TOO_MANY_ENCAPSULATIONS : ethernet(pos + 4, end, depth + 1);
            default:
                return NON_IP;
        }
    }

    private DecodeResult ppp(final int start, final int end, final int depth)
    {
        int pos = start;
        if (end - pos >= 2)
        {
            final int address = u8(pos);
            final int control = u8(pos + 1);
            if (address == 0xFF && control == 0x03)
            {
                pos += 2;
            }
            else if ((address == 0x0F || address == 0x8F) && control == 0x00)
            {
                // Cisco HDLC framing also turns up under the PPP_HDLC link type.
                if (end - pos < 4)
                {
                    return TRUNCATED_LINK_HEADER;
                }
                return etherType(u16(pos + 2), pos + 4, end, depth);
            }
        }
        return pppProtocol(pos, end, depth);
    }

    private DecodeResult pppProtocol(final int start, final int end, final int depth)
    {
        if (start >= end)
        {
            return TRUNCATED_LINK_HEADER;
        }
        final int protocol;
        int pos = start;
        // Protocol-field compression: an odd first byte is the whole (one-byte) protocol.
        if ((u8(pos) & 1) != 0)
        {
            protocol = u8(pos);
            pos += 1;
        }
        else
        {
            if (end - pos < 2)
            {
                return TRUNCATED_LINK_HEADER;
            }
            protocol = u16(pos);
            pos += 2;
        }
        switch (protocol)
        {
            case PPP_IPV4:
                return ipv4(pos, end, depth);
            case PPP_IPV6:
                return ipv6(pos, end, depth);
            default:
                return NON_IP;
        }
    }

    private DecodeResult ipByVersion(final int pos, final int end, final int depth)
    {
        if (pos >= end)
        {
            return TRUNCATED_IP_HEADER;
        }
        switch (u8(pos) >>> 4)
        {
            case 4:
                return ipv4(pos, end, depth);
            case 6:
                return ipv6(pos, end, depth);
            default:
                return BAD_IP_VERSION;
        }
    }

    private DecodeResult ipv4(final int pos, final int end, final int depth)
    {
        if (pos >= end)
        {
            return TRUNCATED_IP_HEADER;
        }
        final int versionAndLength = u8(pos);
        if (versionAndLength >>> 4 != 4)
        {
            return BAD_IP_VERSION;
        }
        if (end - pos < 20)
        {
            return TRUNCATED_IP_HEADER;
        }
        final int headerLength = (versionAndLength & 0x0F) << 2;
        if (headerLength < 20)
        {
            return BAD_IP_HEADER_LENGTH;
        }
        final int statedLength = u16(pos + 2);
        // 0 is what a sender-side capture of a segmentation-offloaded (TSO) or BIG TCP packet shows; like
        // Wireshark, take the frame's size rather than drop real data of a live flow: its wire size, since the
        // captured bytes stop at the snap length.
        final int totalLength = statedLength == 0 ? wireLength(pos) : statedLength;
        if (totalLength < headerLength)
        {
            return BAD_IP_TOTAL_LENGTH;
        }
        if (end - pos < headerLength)
        {
            return TRUNCATED_IP_HEADER;
        }
        final int id = u16(pos + 4);
        final int flagsAndOffset = u16(pos + 6);
        final int protocol = u8(pos + 9);
        final long src = buffer.getInt(pos + 12, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
        final long dst = buffer.getInt(pos + 16, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;

        out.ipVersion = 4;
        out.protocol = protocol;
        out.srcHi = 0;
        out.srcLo = src;
        out.dstHi = 0;
        out.dstLo = dst;
        out.srcPort = 0;
        out.dstPort = 0;
        out.ipLength = totalLength;
        out.tunnelDepth = depth;

        final int versionProtocol = (4 << 8) | protocol;
        if ((flagsAndOffset & 0x1FFF) != 0)
        {
            return laterFragment(versionProtocol, 0, src, 0, dst, id, totalLength);
        }
        final DecodeResult result = transport(protocol, pos + headerLength, end, depth, totalLength - headerLength);
        if (result == OK && (flagsAndOffset & 0x2000) != 0)
        {
            fragments.put(versionProtocol, 0, src, 0, dst, id, out);
        }
        return result;
    }

    private DecodeResult ipv6(final int pos, final int end, final int depth)
    {
        if (pos >= end)
        {
            return TRUNCATED_IP_HEADER;
        }
        if (u8(pos) >>> 4 != 6)
        {
            return BAD_IP_VERSION;
        }
        if (end - pos < 40)
        {
            return TRUNCATED_IP_HEADER;
        }
        final int payloadLength = u16(pos + 4);
        final long srcHi = buffer.getLong(pos + 8, ByteOrder.BIG_ENDIAN);
        final long srcLo = buffer.getLong(pos + 16, ByteOrder.BIG_ENDIAN);
        final long dstHi = buffer.getLong(pos + 24, ByteOrder.BIG_ENDIAN);
        final long dstLo = buffer.getLong(pos + 32, ByteOrder.BIG_ENDIAN);
        // 0: a jumbogram (BIG TCP) or an offloaded packet; its wire size, as for IPv4.
        final int ipLength = payloadLength == 0 ? wireLength(pos) : payloadLength + 40;

        out.ipVersion = 6;
        out.srcHi = srcHi;
        out.srcLo = srcLo;
        out.dstHi = dstHi;
        out.dstLo = dstLo;
        out.srcPort = 0;
        out.dstPort = 0;
        out.ipLength = ipLength;
        out.tunnelDepth = depth;

        int nextHeader = u8(pos + 6);
        int p = pos + 40;
        int extensions = 0;
        boolean firstFragment = false;
        int fragmentId = 0;
        while (true)
        {
            final int length;
            switch (nextHeader)
            {
                case 0:   // hop-by-hop
                case 43:  // routing
                case 60:  // destination options
                case 135: // mobility
                case 139: // HIP
                case 140: // shim6
                    if (end - p < 2)
                    {
                        return TRUNCATED_EXTENSION_HEADER;
                    }
                    length = (u8(p + 1) + 1) << 3;
                    break;
                case 51:  // AH counts 4-byte units, minus 2
                    if (end - p < 2)
                    {
                        return TRUNCATED_EXTENSION_HEADER;
                    }
                    length = (u8(p + 1) + 2) << 2;
                    break;
                case 44:  // fragment
                {
                    if (end - p < 8)
                    {
                        return TRUNCATED_EXTENSION_HEADER;
                    }
                    final int offsetAndFlags = u16(p + 2);
                    fragmentId = buffer.getInt(p + 4, ByteOrder.BIG_ENDIAN);
                    final int fragmentNext = u8(p);
                    if ((offsetAndFlags & 0xFFF8) != 0)
                    {
                        out.protocol = fragmentNext;
                        return laterFragment((6 << 8) | fragmentNext, srcHi, srcLo, dstHi, dstLo, fragmentId, ipLength);
                    }
                    firstFragment = (offsetAndFlags & 1) != 0;
                    length = 8;
                    break;
                }
                default:
                {
                    out.protocol = nextHeader;
                    final DecodeResult result = transport(nextHeader, p, end, depth, ipLength - (p - pos));
                    if (result == OK && firstFragment)
                    {
                        fragments.put((6 << 8) | nextHeader, srcHi, srcLo, dstHi, dstLo, fragmentId, out);
                    }
                    return result;
                }
            }
            if (++extensions > MAX_EXTENSION_HEADERS)
            {
                return TOO_MANY_EXTENSION_HEADERS;
            }
            if (end - p < length)
            {
                return TRUNCATED_EXTENSION_HEADER;
            }
            nextHeader = u8(p);
            p += length;
        }
    }

    private DecodeResult laterFragment(
        final int versionProtocol, final long srcHi, final long srcLo, final long dstHi, final long dstLo, final int id,
        final int ipLength)
    {
        if (fragments.get(versionProtocol, srcHi, srcLo, dstHi, dstLo, id, out))
        {
            out.ipLength = ipLength;
            out.attributedFragment = true;
            return OK;
        }
        final int protocol = versionProtocol & 0xFF;
        final boolean couldBeClassified = protocol == TCP || protocol == UDP || protocol == IPIP ||
            protocol == IPV6_IN_IP || protocol == GRE;
        return couldBeClassified ? UNATTRIBUTED_FRAGMENT : OTHER_IP_PROTOCOL;
    }

    /**
     * @param l4Length bytes from {@code pos} to the end of the IP packet as its header states (not as captured).
     */
    private DecodeResult transport(final int protocol, final int pos, final int end, final int depth, final int l4Length)
    {
        switch (protocol)
        {
            case TCP:
            case UDP:
            {
                if (end - pos < 4)
                {
                    return TRUNCATED_TRANSPORT_HEADER;
                }
                final int srcPort = u16(pos);
                final int dstPort = u16(pos + 2);
                out.protocol = protocol;
                out.srcPort = srcPort;
                out.dstPort = dstPort;
                if (protocol == UDP)
                {
                    if (dstPort == VXLAN_PORT)
                    {
                        return vxlan(pos + 8, end, depth, l4Length - 8);
                    }
                    if (dstPort == GTP_U_PORT || srcPort == GTP_U_PORT)
                    {
                        return gtpU(pos + 8, end, depth, l4Length - 8);
                    }
                }
                return OK;
            }
            case IPIP:
                return depth >= MAX_TUNNEL_DEPTH ? TOO_MANY_ENCAPSULATIONS : ipv4(pos, end, depth + 1);
            case IPV6_IN_IP:
                return depth >= MAX_TUNNEL_DEPTH ? TOO_MANY_ENCAPSULATIONS : ipv6(pos, end, depth + 1);
            case GRE:
                return gre(pos, end, depth, l4Length);
            default:
                // Includes ESP (50): encrypted, nothing to look into.
                return OTHER_IP_PROTOCOL;
        }
    }

    /**
     * A UDP payload too short to hold the tunnel header, or without the expected header bits, is ordinary traffic
     * on that port and stays classified as the outer UDP flow; a header cut off by the snap length is not.
     */
    private DecodeResult vxlan(final int pos, final int end, final int depth, final int payloadLength)
    {
        if (payloadLength < 8 + 14)
        {
            return OK;
        }
        if (end - pos < 8)
        {
            return TRUNCATED_TUNNEL_HEADER;
        }
        if ((u8(pos) & 0x08) == 0)
        {
            return OK;
        }
        return depth >= MAX_TUNNEL_DEPTH ? TOO_MANY_ENCAPSULATIONS : ethernet(pos + 8, end, depth + 1);
    }

    private DecodeResult gtpU(final int start, final int end, final int depth, final int payloadLength)
    {
        if (payloadLength < 8)
        {
            return OK;
        }
        if (end - start < 8)
        {
            return TRUNCATED_TUNNEL_HEADER;
        }
        final int flags = u8(start);
        // Version 1, protocol type GTP (not GTP'), message G-PDU; echo and other signalling stay the outer flow.
        if ((flags >>> 5) != 1 || (flags & 0x10) == 0 || u8(start + 1) != 0xFF)
        {
            return OK;
        }
        int pos = start + 8;
        if ((flags & 0x07) != 0)
        {
            if (end - pos < 4)
            {
                return TRUNCATED_TUNNEL_HEADER;
            }
            int nextExtension = (flags & 0x04) != 0 ? u8(pos + 3) : 0;
            pos += 4;
            int extensions = 0;
            while (nextExtension != 0)
            {
                if (++extensions > MAX_GTP_EXTENSIONS)
                {
                    return BAD_TUNNEL_HEADER;
                }
                if (pos >= end)
                {
                    return TRUNCATED_TUNNEL_HEADER;
                }
                final int length = u8(pos) << 2;
                if (length == 0)
                {
                    return BAD_TUNNEL_HEADER;
                }
                if (end - pos < length)
                {
                    return TRUNCATED_TUNNEL_HEADER;
                }
                nextExtension = u8(pos + length - 1);
                pos += length;
            }
        }
        if (depth >= MAX_TUNNEL_DEPTH)
        {
            return TOO_MANY_ENCAPSULATIONS;
        }
        return ipByVersion(pos, end, depth + 1);
    }

    private DecodeResult gre(final int start, final int end, final int depth, final int greLength)
    {
        if (end - start < 4)
        {
            return TRUNCATED_TUNNEL_HEADER;
        }
        final int flags = u16(start);
        final int protocolType = u16(start + 2);
        int pos = start + 4;
        switch (flags & 0x07)
        {
            case 0:
                if ((flags & 0x4000) != 0)
                {
                    // Source routing (RFC 1701) is obsolete; not worth decoding the SRE list.
                    return OTHER_IP_PROTOCOL;
                }
                if ((flags & 0x8000) != 0)
                {
                    pos += 4;
                }
                if ((flags & 0x2000) != 0)
                {
                    pos += 4;
                }
                if ((flags & 0x1000) != 0)
                {
                    pos += 4;
                }
                break;
            case 1:
                // Enhanced GRE (PPTP, RFC 2637): key always present, then optional sequence and ack numbers.
                if (protocolType != ETHERTYPE_PPP)
                {
                    return BAD_TUNNEL_HEADER;
                }
                pos += 4;
                if ((flags & 0x1000) != 0)
                {
                    pos += 4;
                }
                if ((flags & 0x0080) != 0)
                {
                    pos += 4;
                }
                break;
            default:
                return OTHER_IP_PROTOCOL;
        }
        if (pos - start >= greLength)
        {
            // Nothing encapsulated, e.g. a PPTP acknowledgement or a keepalive.
            return OTHER_IP_PROTOCOL;
        }
        if (pos > end)
        {
            return TRUNCATED_TUNNEL_HEADER;
        }
        if (depth >= MAX_TUNNEL_DEPTH)
        {
            return TOO_MANY_ENCAPSULATIONS;
        }
        switch (protocolType)
        {
            case ETHERTYPE_IPV4:
                return ipv4(pos, end, depth + 1);
            case ETHERTYPE_IPV6:
                return ipv6(pos, end, depth + 1);
            case ETHERTYPE_MPLS:
            case ETHERTYPE_MPLS_MULTICAST:
                return mpls(pos, end, depth + 1);
            case ETHERTYPE_TRANSPARENT_BRIDGING:
                return ethernet(pos, end, depth + 1);
            case ETHERTYPE_PPP:
                return ppp(pos, end, depth + 1);
            case ETHERTYPE_ERSPAN_2:
                // Type II needs the sequence number; without it the payload is type I, Ethernet directly.
                return ethernet((flags & 0x1000) != 0 ? pos + 8 : pos, end, depth + 1);
            case ETHERTYPE_ERSPAN_3:
            {
                if (end - pos < 12)
                {
                    return TRUNCATED_TUNNEL_HEADER;
                }
                final boolean platformSubheader = (u8(pos + 11) & 0x01) != 0;
                return ethernet(pos + (platformSubheader ? 20 : 12), end, depth + 1);
            }
            default:
                return OTHER_IP_PROTOCOL;
        }
    }

    private int u8(final int index)
    {
        return buffer.getByte(index) & 0xFF;
    }

    private int u16(final int index)
    {
        return buffer.getShort(index, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }
}

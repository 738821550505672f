package io.flowpic.flowtable.capture;

/**
 * LINKTYPE_ numbers (as stored in pcap/pcapng headers) that the decoder understands.
 * Where a DLT_ value differs between operating systems the on-disk LINKTYPE_ value is listed,
 * plus the historical aliases that still appear in old files.
 */
public final class LinkType
{
    /** BSD loopback, 4-byte address family in the capturing host's byte order. */
    public static final int NULL = 0;
    public static final int ETHERNET = 1;
    public static final int PPP = 9;
    /** DLT_RAW on most BSDs as written by old libpcap. */
    public static final int RAW_BSD = 12;
    /** DLT_RAW on OpenBSD. */
    public static final int RAW_OPENBSD = 14;
    public static final int PPP_HDLC = 50;
    public static final int RAW = 101;
    /** Cisco HDLC, 4-byte header ending in an Ethertype. */
    public static final int C_HDLC = 104;
    public static final int IEEE802_11 = 105;
    /** OpenBSD loopback, family in network byte order. */
    public static final int LOOP = 108;
    public static final int LINUX_SLL = 113;
    public static final int IEEE802_11_RADIOTAP = 127;
    public static final int IPV4 = 228;
    public static final int IPV6 = 229;
    public static final int LINUX_SLL2 = 276;

    private LinkType()
    {
    }

    public static String name(final int linkType)
    {
        return switch (linkType)
        {
            case NULL -> "NULL";
            case ETHERNET -> "ETHERNET";
            case PPP -> "PPP";
            case RAW_BSD, RAW_OPENBSD, RAW -> "RAW";
            case PPP_HDLC -> "PPP_HDLC";
            case C_HDLC -> "C_HDLC";
            case IEEE802_11 -> "IEEE802_11";
            case LOOP -> "LOOP";
            case LINUX_SLL -> "LINUX_SLL";
            case IEEE802_11_RADIOTAP -> "IEEE802_11_RADIOTAP";
            case IPV4 -> "IPV4";
            case IPV6 -> "IPV6";
            case LINUX_SLL2 -> "LINUX_SLL2";
            default -> "LINKTYPE_" + linkType;
        };
    }
}

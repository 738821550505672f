package io.flowpic.flowtable.decode;

import java.util.Locale;

/**
 * Outcome of decoding one packet: {@link #OK}, a skip (well-formed but nothing to classify) or malformed.
 */
public enum DecodeResult
{
    OK(Kind.OK),

    /** Link layer carries something other than IPv4/IPv6 (ARP, LLDP, STP, ...). */
    NON_IP(Kind.SKIPPED),
    /** IP, but neither TCP nor UDP (ICMP, ESP, OSPF, unknown GRE payloads, ...). */
    OTHER_IP_PROTOCOL(Kind.SKIPPED),
    UNSUPPORTED_LINK_TYPE(Kind.SKIPPED),
    /** Non-first fragment whose first fragment was not seen (or was evicted from the fragment table). */
    UNATTRIBUTED_FRAGMENT(Kind.SKIPPED),

    TRUNCATED_LINK_HEADER(Kind.MALFORMED),
    /** More VLAN tags or MPLS labels than any sane network stacks. */
    TOO_MANY_LINK_HEADERS(Kind.MALFORMED),
    TRUNCATED_IP_HEADER(Kind.MALFORMED),
    BAD_IP_VERSION(Kind.MALFORMED),
    BAD_IP_HEADER_LENGTH(Kind.MALFORMED),
    BAD_IP_TOTAL_LENGTH(Kind.MALFORMED),
    TRUNCATED_EXTENSION_HEADER(Kind.MALFORMED),
    TOO_MANY_EXTENSION_HEADERS(Kind.MALFORMED),
    TRUNCATED_TRANSPORT_HEADER(Kind.MALFORMED),
    TRUNCATED_TUNNEL_HEADER(Kind.MALFORMED),
    BAD_TUNNEL_HEADER(Kind.MALFORMED),
    TOO_MANY_ENCAPSULATIONS(Kind.MALFORMED);

    private enum Kind
    {
        OK, SKIPPED, MALFORMED
    }

    private final Kind kind;
    private final String label;

    DecodeResult(final Kind kind)
    {
        this.kind = kind;
        this.label = name().toLowerCase(Locale.ROOT);
    }

    public boolean isMalformed()
    {
        return kind == Kind.MALFORMED;
    }

    public boolean isSkipped()
    {
        return kind == Kind.SKIPPED;
    }

    /** snake_case name, stable for metrics and logs. */
    public String label()
    {
        return label;
    }
}

package io.flowpic.sensor.export.ipfix;

import java.util.concurrent.TimeUnit;

/**
 * Settings of one IPFIX exporter ({@code ipfix:udp://HOST:PORT} or {@code ipfix:tcp://HOST:PORT}).
 *
 * @param host                 collector host name or address.
 * @param port                 collector port (IPFIX's registered port is 4739).
 * @param tcp                  true: TCP (RFC 7011 §10.4); false: UDP (§10.3).
 * @param enterpriseNumber     IANA Private Enterprise Number of the FlowPic-specific elements (confidence, model
 *                             id, class scores). The default, 32473, is the documentation PEN of RFC 5612:
 *                             operators should set their own organisation's PEN so collectors can tell these
 *                             elements apart from anyone else's.
 * @param observationDomain    observation domain id of every message (default 0).
 * @param maxMessageBytes      largest message; over UDP one message is one datagram, so keep it within the path
 *                             MTU (default 1400). At least 512, at most 65535.
 * @param templateResendNanos  UDP: templates go out again this long after the last time (default 60 s).
 * @param templateResendMessages UDP: and also after this many messages (default 100; 0 = time only).
 * @param lingerNanos          a message that is not full yet is sent this long after its first record (default
 *                             100 ms).
 * @param backoffMinNanos      first reconnect (TCP) or retry (UDP send failure) delay (default 100 ms), doubled
 *                             on every further failure ...
 * @param backoffMaxNanos      ... up to this (default 30 s).
 */
public record IpfixOptions(
    String host,
    int port,
    boolean tcp,
    long enterpriseNumber,
    long observationDomain,
    int maxMessageBytes,
    long templateResendNanos,
    int templateResendMessages,
    long lingerNanos,
    long backoffMinNanos,
    long backoffMaxNanos)
{
    /** The documentation PEN of RFC 5612: a placeholder, not an organisation's number. */
    public static final long DOCUMENTATION_PEN = 32473;
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1400;
    /** Room for the header, both templates and one record with its strings shortened. */
    public static final int MIN_MAX_MESSAGE_BYTES = 512;

    public IpfixOptions
    {
        if (host == null || host.isBlank())
        {
            throw new IllegalArgumentException("IPFIX collector host is missing");
        }
        if (port < 1 || port > 65535)
        {
            throw new IllegalArgumentException("IPFIX collector port " + port + " is not in 1..65535");
        }
        if (enterpriseNumber < 1 || enterpriseNumber > 0xFFFF_FFFFL)
        {
            throw new IllegalArgumentException("IPFIX enterprise number " + enterpriseNumber +
                " is not in 1..4294967295");
        }
        if (observationDomain < 0 || observationDomain > 0xFFFF_FFFFL)
        {
            throw new IllegalArgumentException("IPFIX observation domain " + observationDomain +
                " is not in 0..4294967295");
        }
        if (maxMessageBytes < MIN_MAX_MESSAGE_BYTES || maxMessageBytes > 65535)
        {
            throw new IllegalArgumentException("IPFIX max message size " + maxMessageBytes + " is not in " +
                MIN_MAX_MESSAGE_BYTES + "..65535 bytes");
        }
        if (templateResendNanos <= 0)
        {
            throw new IllegalArgumentException("IPFIX template resend interval must be positive, was " +
                templateResendNanos + " ns");
        }
        if (templateResendMessages < 0)
        {
            throw new IllegalArgumentException("IPFIX template resend message count must be 0 (off) or positive, was " +
                templateResendMessages);
        }
        if (lingerNanos < 0)
        {
            throw new IllegalArgumentException("IPFIX linger must not be negative, was " + lingerNanos + " ns");
        }
        if (backoffMinNanos <= 0 || backoffMaxNanos < backoffMinNanos)
        {
            throw new IllegalArgumentException("IPFIX backoff needs 0 < min <= max, was min " + backoffMinNanos +
                " ns, max " + backoffMaxNanos + " ns");
        }
    }

    /** The defaults for one collector. */
    public static IpfixOptions of(final String host, final int port, final boolean tcp)
    {
        return new IpfixOptions(host, port, tcp, DOCUMENTATION_PEN, 0, DEFAULT_MAX_MESSAGE_BYTES,
            TimeUnit.SECONDS.toNanos(60), 100, TimeUnit.MILLISECONDS.toNanos(100),
            TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.SECONDS.toNanos(30));
    }

    /**
     * The defaults for {@code ipfix:udp://HOST:PORT} or {@code ipfix:tcp://HOST:PORT} (IPv6 hosts in brackets).
     */
    public static IpfixOptions fromUri(final String uri)
    {
        final java.net.URI parsed;
        try
        {
            parsed = new java.net.URI(uri.startsWith("ipfix:") ? uri.substring("ipfix:".length()) : uri);
        }
        catch (final java.net.URISyntaxException ex)
        {
            throw new IllegalArgumentException("IPFIX destination " + uri + " is not a URI: " + ex.getMessage(), ex);
        }
        final String scheme = parsed.getScheme();
        if (!"udp".equals(scheme) && !"tcp".equals(scheme))
        {
            throw new IllegalArgumentException("IPFIX destination " + uri +
                " must look like ipfix:udp://HOST:PORT or ipfix:tcp://HOST:PORT");
        }
        String host = parsed.getHost();
        if (host != null && host.startsWith("["))
        {
            host = host.substring(1, host.length() - 1);
        }
        if (parsed.getPort() < 0)
        {
            throw new IllegalArgumentException("IPFIX destination " + uri + " has no port (IPFIX's is 4739)");
        }
        return of(host, parsed.getPort(), "tcp".equals(scheme));
    }

    public IpfixOptions withEnterpriseNumber(final long pen)
    {
        return new IpfixOptions(host, port, tcp, pen, observationDomain, maxMessageBytes, templateResendNanos,
            templateResendMessages, lingerNanos, backoffMinNanos, backoffMaxNanos);
    }

    public IpfixOptions withObservationDomain(final long domain)
    {
        return new IpfixOptions(host, port, tcp, enterpriseNumber, domain, maxMessageBytes, templateResendNanos,
            templateResendMessages, lingerNanos, backoffMinNanos, backoffMaxNanos);
    }

    public IpfixOptions withMaxMessageBytes(final int bytes)
    {
        return new IpfixOptions(host, port, tcp, enterpriseNumber, observationDomain, bytes, templateResendNanos,
            templateResendMessages, lingerNanos, backoffMinNanos, backoffMaxNanos);
    }

    public IpfixOptions withTemplateResend(final long nanos, final int messages)
    {
        return new IpfixOptions(host, port, tcp, enterpriseNumber, observationDomain, maxMessageBytes, nanos,
            messages, lingerNanos, backoffMinNanos, backoffMaxNanos);
    }

    public IpfixOptions withLinger(final long nanos)
    {
        return new IpfixOptions(host, port, tcp, enterpriseNumber, observationDomain, maxMessageBytes,
            templateResendNanos, templateResendMessages, nanos, backoffMinNanos, backoffMaxNanos);
    }

    public IpfixOptions withBackoff(final long minNanos, final long maxNanos)
    {
        return new IpfixOptions(host, port, tcp, enterpriseNumber, observationDomain, maxMessageBytes,
            templateResendNanos, templateResendMessages, lingerNanos, minNanos, maxNanos);
    }

    /** The destination as a URI, for logs and metric labels. */
    public String uri()
    {
        final String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        return "ipfix:" + (tcp ? "tcp" : "udp") + "://" + h + ":" + port;
    }
}

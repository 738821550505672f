package io.flowpic.sensor.export;

import java.util.Locale;

/**
 * A destination as the operator writes it: {@code json:PATH} ({@code json:-} = standard output),
 * {@code ipfix:udp://HOST:PORT}, {@code ipfix:tcp://HOST:PORT}, {@code kafka://HOST:PORT[,HOST:PORT]/TOPIC}.
 * Parsing is strict and every refusal says what the form should be.
 */
public record ExportUri(String text, Scheme scheme, String path, String host, int port, String bootstrap,
    String topic)
{
    public enum Scheme
    {
        JSON, IPFIX_UDP, IPFIX_TCP, KAFKA
    }

    public static final String FORMS = "json:PATH, json:-, ipfix:udp://HOST:PORT, ipfix:tcp://HOST:PORT or " +
        "kafka://HOST:PORT[,HOST:PORT]/TOPIC";

    public static ExportUri parse(final String text)
    {
        if (text == null || text.isBlank())
        {
            throw new IllegalArgumentException("empty destination (expected " + FORMS + ")");
        }
        final String lower = text.toLowerCase(Locale.ROOT);
        if (lower.startsWith("json:"))
        {
            final String path = text.substring("json:".length());
            if (path.isEmpty())
            {
                throw new IllegalArgumentException("'" + text + "': json: needs a file path, or - for standard output");
            }
            return new ExportUri(text, Scheme.JSON, path, null, 0, null, null);
        }
        if (lower.startsWith("ipfix:udp://") || lower.startsWith("ipfix:tcp://"))
        {
            final boolean tcp = lower.startsWith("ipfix:tcp://");
            final String authority = text.substring("ipfix:udp://".length());
            final String[] hostPort = hostPort(text, authority);
            return new ExportUri(text, tcp ? Scheme.IPFIX_TCP : Scheme.IPFIX_UDP, null, hostPort[0],
                Integer.parseInt(hostPort[1]), null, null);
        }
        if (lower.startsWith("ipfix:"))
        {
            throw new IllegalArgumentException("'" + text + "': IPFIX needs a transport: ipfix:udp://HOST:PORT or " +
                "ipfix:tcp://HOST:PORT (collectors listen on 4739 by default)");
        }
        if (lower.startsWith("kafka://"))
        {
            final String rest = text.substring("kafka://".length());
            final int slash = rest.indexOf('/');
            if (slash < 0 || slash == rest.length() - 1)
            {
                throw new IllegalArgumentException("'" + text + "': kafka:// needs a topic: kafka://HOST:PORT/TOPIC");
            }
            final String topic = rest.substring(slash + 1);
            if (!topic.matches("[A-Za-z0-9._-]{1,249}"))
            {
                throw new IllegalArgumentException("'" + text + "': '" + topic + "' is not a Kafka topic name " +
                    "(letters, digits, '.', '_', '-', at most 249)");
            }
            final String servers = rest.substring(0, slash);
            for (final String server : servers.split(",", -1))
            {
                hostPort(text, server);
            }
            return new ExportUri(text, Scheme.KAFKA, null, null, 0, servers, topic);
        }
        throw new IllegalArgumentException("'" + text + "': unknown destination (expected " + FORMS + ")");
    }

    /** The persisted position's default name: the destination with every character unsafe in a file name replaced. */
    public String defaultName()
    {
        final String name = text.replaceAll("[^A-Za-z0-9._-]+", "_").replaceAll("^[._]+|_+$", "");
        return name.length() > 120 ? name.substring(0, 120) : name;
    }

    private static String[] hostPort(final String text, final String authority)
    {
        final int colon = authority.lastIndexOf(':');
        final String host = colon < 0 ? "" : authority.substring(0, colon);
        final String port = colon < 0 ? "" : authority.substring(colon + 1);
        final String bareHost = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (bareHost.isEmpty() || port.isEmpty() || authority.contains("/"))
        {
            throw new IllegalArgumentException("'" + text + "': '" + authority + "' is not HOST:PORT");
        }
        final int number;
        try
        {
            number = Integer.parseInt(port);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("'" + text + "': port '" + port + "' is not a number");
        }
        if (number < 1 || number > 65535)
        {
            throw new IllegalArgumentException("'" + text + "': port " + number + " is not in 1..65535");
        }
        return new String[] {bareHost, port};
    }
}

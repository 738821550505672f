package io.flowpic.sensor.export.kafka;

import org.apache.kafka.clients.producer.ProducerConfig;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where and how the Kafka exporter sends: {@code kafka://HOST:PORT[,HOST:PORT...]/TOPIC} plus producer settings.
 * <p>
 * The producer settings the sink relies on for at-least-once, in-order delivery cannot be overridden into
 * something weaker: {@code acks} must stay {@code all} (or {@code -1}), {@code enable.idempotence} must stay
 * {@code true}, {@code max.in.flight.requests.per.connection} must stay within 1..5 (the idempotent producer's
 * ordering limit), and the serializers, {@code bootstrap.servers} (the URI's) and {@code transactional.id}
 * belong to the sink. Every other key must be a known producer setting ({@link ProducerConfig#configNames()}),
 * so a typo fails at start-up instead of being ignored with a log line.
 *
 * @param bootstrapServers  comma-separated {@code host:port} list, as Kafka's {@code bootstrap.servers}.
 * @param topic             the topic every record goes to.
 * @param producerOverrides extra or changed producer settings (never null; unmodifiable).
 * @param window            most records offered but not yet acknowledged; {@code offer} refuses more.
 */
public record KafkaOptions(String bootstrapServers, String topic, Map<String, String> producerOverrides, int window)
{
    /** URI scheme of this exporter. */
    public static final String SCHEME = "kafka";
    /** Default in-flight window: ~10 MB of ECS documents, well inside the producer's 32 MB buffer. */
    public static final int DEFAULT_WINDOW = 10_000;

    /** Kafka's legal topic names (Topic.validate): 1..249 of these characters, not "." or "..". */
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final Set<String> OWNED_BY_SINK = Set.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
        ProducerConfig.TRANSACTIONAL_ID_CONFIG);

    public KafkaOptions
    {
        if (bootstrapServers == null || bootstrapServers.isBlank())
        {
            throw new IllegalArgumentException("kafka exporter: no bootstrap servers");
        }
        validateTopic(topic);
        producerOverrides = validateOverrides(producerOverrides);
        if (window < 1)
        {
            throw new IllegalArgumentException("kafka exporter: window must be at least 1: " + window);
        }
    }

    public KafkaOptions(final String bootstrapServers, final String topic, final Map<String, String> producerOverrides)
    {
        this(bootstrapServers, topic, producerOverrides, DEFAULT_WINDOW);
    }

    /**
     * @param uri       {@code kafka://HOST:PORT[,HOST:PORT...]/TOPIC}; IPv6 hosts in brackets.
     * @param overrides producer settings (may be null).
     * @throws IllegalArgumentException with the reason, naming the URI.
     */
    public static KafkaOptions parse(final String uri, final Map<String, String> overrides)
    {
        if (uri == null)
        {
            throw new IllegalArgumentException("kafka exporter: no URI");
        }
        final String prefix = SCHEME + "://";
        if (!uri.regionMatches(true, 0, prefix, 0, prefix.length()))
        {
            throw new IllegalArgumentException("kafka exporter URI must start with kafka://: " + uri);
        }
        if (uri.indexOf('?') >= 0 || uri.indexOf('#') >= 0)
        {
            throw new IllegalArgumentException("kafka exporter URI takes no query or fragment (producer settings "
                + "go in the exporter's options): " + uri);
        }
        final String rest = uri.substring(prefix.length());
        final int slash = rest.indexOf('/');
        if (slash < 0 || slash == rest.length() - 1)
        {
            throw new IllegalArgumentException("kafka exporter URI names no topic (kafka://HOST:PORT/TOPIC): " + uri);
        }
        final String authority = rest.substring(0, slash);
        final String topic = rest.substring(slash + 1);
        if (topic.indexOf('/') >= 0)
        {
            throw new IllegalArgumentException("kafka exporter URI: the topic cannot contain '/': " + uri);
        }
        if (authority.indexOf('@') >= 0)
        {
            throw new IllegalArgumentException("kafka exporter URI takes no user or password (SASL settings go in "
                + "the exporter's options): " + uri);
        }
        if (authority.isEmpty())
        {
            throw new IllegalArgumentException("kafka exporter URI names no broker (kafka://HOST:PORT/TOPIC): " + uri);
        }
        final List<String> servers = new ArrayList<>();
        for (final String server : authority.split(",", -1))
        {
            servers.add(validateServer(server, uri));
        }
        try
        {
            return new KafkaOptions(String.join(",", servers), topic, overrides);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(ex.getMessage() + " (in " + uri + ")", ex);
        }
    }

    /** The destination as a URI, for logs and metric labels. */
    public String uri()
    {
        return SCHEME + "://" + bootstrapServers + "/" + topic;
    }

    private static String validateServer(final String server, final String uri)
    {
        final int colon = server.lastIndexOf(':');
        if (colon <= 0 || colon == server.length() - 1)
        {
            throw new IllegalArgumentException("kafka exporter URI: broker '" + server + "' needs HOST:PORT: " + uri);
        }
        final String host = server.substring(0, colon);
        if (host.indexOf(':') >= 0 && !(host.startsWith("[") && host.endsWith("]") && host.length() > 2))
        {
            throw new IllegalArgumentException("kafka exporter URI: IPv6 broker '" + server
                + "' must be written [ADDRESS]:PORT: " + uri);
        }
        final int port;
        try
        {
            port = Integer.parseInt(server.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("kafka exporter URI: broker '" + server + "' has no numeric port: "
                + uri, ex);
        }
        if (port < 1 || port > 65535)
        {
            throw new IllegalArgumentException("kafka exporter URI: broker '" + server + "' port must be in 1..65535: "
                + uri);
        }
        return server;
    }

    private static void validateTopic(final String topic)
    {
        if (topic == null || !TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals(".."))
        {
            throw new IllegalArgumentException("kafka exporter: illegal topic '" + topic
                + "' (1..249 of a-z A-Z 0-9 . _ -, not . or ..)");
        }
    }

    private static Map<String, String> validateOverrides(final Map<String, String> overrides)
    {
        if (overrides == null || overrides.isEmpty())
        {
            return Map.of();
        }
        final Set<String> known = ProducerConfig.configNames();
        final Map<String, String> copy = new LinkedHashMap<>();
        for (final Map.Entry<String, String> entry : overrides.entrySet())
        {
            final String key = entry.getKey();
            final String value = entry.getValue() == null ? "" : entry.getValue().trim();
            if (OWNED_BY_SINK.contains(key))
            {
                throw new IllegalArgumentException("kafka exporter: producer setting " + key
                    + " is set by the exporter and cannot be overridden");
            }
            if (!known.contains(key))
            {
                throw new IllegalArgumentException("kafka exporter: unknown producer setting " + key);
            }
            switch (key)
            {
                case ProducerConfig.ACKS_CONFIG ->
                {
                    if (!value.equalsIgnoreCase("all") && !value.equals("-1"))
                    {
                        throw new IllegalArgumentException("kafka exporter: acks must be all (a record counts as "
                            + "sent only once every in-sync replica has it): " + value);
                    }
                }
                case ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG ->
                {
                    if (!value.toLowerCase(Locale.ROOT).equals("true"))
                    {
                        throw new IllegalArgumentException("kafka exporter: enable.idempotence must be true "
                            + "(retries must not duplicate or reorder a conversation's records): " + value);
                    }
                }
                case ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION ->
                {
                    final int inFlight = parseInt(key, value);
                    if (inFlight < 1 || inFlight > 5)
                    {
                        throw new IllegalArgumentException("kafka exporter: " + key
                            + " must be in 1..5 (the idempotent producer keeps order only up to 5): " + value);
                    }
                }
                default ->
                {
                }
            }
            copy.put(key, value);
        }
        return Collections.unmodifiableMap(copy);
    }

    private static int parseInt(final String key, final String value)
    {
        try
        {
            return Integer.parseInt(value);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("kafka exporter: " + key + " must be a whole number: " + value, ex);
        }
    }
}

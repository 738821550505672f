package io.flowpic.sensor.export.kafka;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaOptionsTest
{
    @Test
    void parsesBrokersAndTopic()
    {
        final KafkaOptions options = KafkaOptions.parse("kafka://k1:9092,[::1]:9093/flowpic.labels",
            Map.of("compression.type", "lz4", "acks", "all"));
        assertEquals("k1:9092,[::1]:9093", options.bootstrapServers());
        assertEquals("flowpic.labels", options.topic());
        assertEquals(Map.of("compression.type", "lz4", "acks", "all"), options.producerOverrides());
        assertEquals(KafkaOptions.DEFAULT_WINDOW, options.window());
        assertEquals("kafka://k1:9092,[::1]:9093/flowpic.labels", options.uri());
        assertEquals(Map.of(), KafkaOptions.parse("KAFKA://h:1/t", null).producerOverrides());
    }

    @Test
    void rejectsMalformedUris()
    {
        assertMessage("must start with kafka://", "http://h:9092/t");
        assertMessage("names no topic", "kafka://h:9092");
        assertMessage("names no topic", "kafka://h:9092/");
        assertMessage("names no broker", "kafka:///t");
        assertMessage("needs HOST:PORT", "kafka://h/t");
        assertMessage("needs HOST:PORT", "kafka://h:9092,/t");
        assertMessage("no numeric port", "kafka://h:x/t");
        assertMessage("1..65535", "kafka://h:70000/t");
        assertMessage("[ADDRESS]:PORT", "kafka://::1:9092/t");
        assertMessage("cannot contain '/'", "kafka://h:9092/a/b");
        assertMessage("illegal topic", "kafka://h:9092/bad topic");
        assertMessage("illegal topic", "kafka://h:9092/..");
        assertMessage("no query", "kafka://h:9092/t?acks=1");
        assertMessage("no user", "kafka://u:p@h:9092/t");
    }

    @Test
    void overridesCannotWeakenTheGuarantees()
    {
        assertOverride("acks must be all", Map.of("acks", "1"));
        assertOverride("enable.idempotence must be true", Map.of("enable.idempotence", "false"));
        assertOverride("must be in 1..5", Map.of("max.in.flight.requests.per.connection", "6"));
        assertOverride("whole number", Map.of("max.in.flight.requests.per.connection", "many"));
        assertOverride("set by the exporter", Map.of("bootstrap.servers", "other:9092"));
        assertOverride("set by the exporter", Map.of("transactional.id", "x"));
        assertOverride("set by the exporter", Map.of("value.serializer", "x"));
        assertOverride("unknown producer setting lingr.ms", Map.of("lingr.ms", "5"));
        KafkaOptions.parse("kafka://h:1/t", Map.of("acks", "-1", "enable.idempotence", "TRUE",
            "max.in.flight.requests.per.connection", "1"));
    }

    @Test
    void pinnedSettingsWinOverDefaults()
    {
        final Map<String, Object> config = KafkaExportSink.producerConfig(
            KafkaOptions.parse("kafka://h:1/t", Map.of("linger.ms", "50", "acks", "-1")));
        assertEquals("all", config.get("acks"));
        assertEquals("true", config.get("enable.idempotence"));
        assertEquals("5", config.get("max.in.flight.requests.per.connection"));
        assertEquals("50", config.get("linger.ms"));
        assertEquals("h:1", config.get("bootstrap.servers"));
    }

    @Test
    void badProducerSettingFailsAtConstruction()
    {
        // Kafka's own check: delivery.timeout.ms >= linger.ms + request.timeout.ms.
        final KafkaOptions options = KafkaOptions.parse("kafka://127.0.0.1:1/t",
            Map.of("delivery.timeout.ms", "1000", "request.timeout.ms", "5000"));
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> new KafkaExportSink(options, KafkaTestRecords.document(), KafkaTestRecords.counters()).close());
        assertTrue(ex.getMessage().contains("delivery.timeout.ms"), ex.getMessage());
    }

    private static void assertMessage(final String expected, final String uri)
    {
        final IllegalArgumentException ex =
            assertThrows(IllegalArgumentException.class, () -> KafkaOptions.parse(uri, Map.of()), uri);
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
    }

    private static void assertOverride(final String expected, final Map<String, String> overrides)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> KafkaOptions.parse("kafka://h:9092/t", overrides), overrides.toString());
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
    }
}

package io.flowpic.sensor.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The config's export list: every mistake stops the load naming the file and export[i].key. */
class ExportConfigTest
{
    @TempDir
    Path dir;

    @Test
    void aListOfDestinationsWithTheirOptionsLoads() throws Exception
    {
        final SensorConfig config = load("""
            export:
              - to: json:/var/log/flowpic/labels.ndjson
                max-files: 3
              - to: ipfix:udp://127.0.0.1:4739
                enterprise-number: 99999
              - to: kafka://127.0.0.1:9092/flowpic
                name: siem
                producer: {linger.ms: "20"}
            """);
        assertEquals(3, config.export().size());
        assertEquals(3, config.export().get(0).maxFilesOrDefault());
        assertEquals(100, config.export().get(0).maxSizeMbOrDefault());
        assertEquals(99999, config.export().get(1).enterpriseNumberOrDefault());
        assertEquals(1400, config.export().get(1).maxMessageBytesOrDefault());
        assertEquals("siem", config.export().get(2).name());
        assertEquals("20", config.export().get(2).producerOrEmpty().get("linger.ms"));
        assertNull(config.export().get(0).name());
        assertTrue(new ConfigLoader().loadDefaults().export().isEmpty(), "nothing is exported by default");
    }

    @Test
    void mistakesNameTheFileAndTheKey() throws Exception
    {
        fails("export:\n  - to: syslog://127.0.0.1:514\n", "'export[0].to': 'syslog://127.0.0.1:514': unknown destination");
        fails("export:\n  - to: ipfix://127.0.0.1:4739\n", "'export[0].to'", "IPFIX needs a transport");
        fails("export:\n  - to: json:-\n  - to: ipfix:udp://127.0.0.1:4739\n    max-files: 3\n",
            "'export[1].max-files' applies only to json: destinations");
        fails("export:\n  - to: json:/a\n    name: x\n  - to: json:/b\n    name: x\n", "'export[1].name' = x is used by another");
        fails("export:\n  - to: kafka://127.0.0.1:9092/t\n    producer: {acks: \"1\"}\n", "'export[0].producer'", "acks");
        fails("export:\n  - to: json:/a\n    max-file: 3\n", "export[0].max-file");
        fails("export:\n  - to: ipfix:udp://127.0.0.1:70000\n", "'export[0].to'", "not in 1..65535");
        fails("export:\n  - to: json:/a\n    community-id-seed: 70000\n", "'export[0].community-id-seed' = 70000");
        fails("export: json:/a\n", "'export' must be a list");
    }

    /** Jackson's Java types and advice about its own settings never reach the operator. */
    @Test
    void wrongTypesAreSaidInTheConfigsTerms() throws Exception
    {
        for (final String[] c : new String[][] {
            {"metrics:\n  port: abc\n", "bad value for 'metrics.port': expected a whole number, got 'abc'"},
            {"capture:\n  snap-length: null\n", "bad value for 'capture.snap-length': must be set to a whole number"},
            {"flow-table:\n  max-flows: 1.5\n", "bad value for 'flow-table.max-flows': expected a whole number, got '1.5'"},
            {"metrics:\n  enabled: maybe\n", "bad value for 'metrics.enabled': expected true or false, got 'maybe'"},
            {"export:\n  - to: json:/a\n    max-files: many\n", "bad value for 'export[0].max-files': expected a whole number"},
        })
        {
            fails(c[0], c[1]);
            final Path file = dir.resolve("bad.yaml");
            final String message = assertThrows(ConfigException.class, () -> new ConfigLoader().load(file)).getMessage();
            for (final String leak : new String[] {"DeserializationConfig", "CoercionConfig", "`", "java.", "Cannot"})
            {
                assertTrue(!message.contains(leak), "'" + leak + "' in: " + message);
            }
        }
    }

    private void fails(final String yaml, final String... expected) throws Exception
    {
        final Path file = dir.resolve("bad.yaml");
        Files.writeString(file, yaml);
        final ConfigException ex = assertThrows(ConfigException.class, () -> new ConfigLoader().load(file), yaml);
        assertTrue(ex.getMessage().startsWith(file.toString()), ex.getMessage());
        for (final String text : expected)
        {
            assertTrue(ex.getMessage().contains(text), "'" + text + "' not in: " + ex.getMessage());
        }
    }

    private SensorConfig load(final String yaml) throws Exception
    {
        final Path file = dir.resolve("flowpic.yaml");
        Files.writeString(file, yaml);
        return new ConfigLoader().load(file);
    }
}

package io.flowpic.sensor.export.ipfix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowpic.sensor.journal.LabelRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real collectors receive what the UDP sink sends; the configurations are the ones the top-level COLLECTORS.md gives
 * operators.
 */
class IpfixCollectorTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter NFDUMP_TIME =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    @TempDir
    Path dir;

    /** nfcapd stores the flow fields; nfdump 1.7 has no field for applicationName, so the label is not kept. */
    @Test
    void nfcapdKeepsEveryRecordsFlowFields() throws Exception
    {
        final String nfcapd = IpfixTools.require("nfcapd", "nfdump");
        final String nfdump = IpfixTools.require("nfdump", "nfdump");
        final int port = IpfixTools.freeUdpPort();
        final Path flows = Files.createDirectories(dir.resolve("flows"));
        final Process collector = IpfixTools.start(dir, dir.resolve("nfcapd.log"), nfcapd, "-b", IpfixTools.LOOPBACK,
            "-p", Integer.toString(port), "-w", flows.toString(), "-t", "3600");
        final List<LabelRecord> records = IpfixTestData.records(30);
        try
        {
            awaitUdpBound(port, collector, dir.resolve("nfcapd.log"));
            send(port, records);
            Thread.sleep(500);
        }
        finally
        {
            IpfixTools.stop(collector);
        }
        final Path file;
        try (Stream<Path> files = Files.list(flows))
        {
            file = files.filter(p -> p.getFileName().toString().matches("nfcapd\\.\\d{12}")).findFirst()
                .orElseThrow(() -> new AssertionError("nfcapd wrote no file: " + log("nfcapd.log")));
        }
        assertTrue(IpfixTools.run(dir, 60, nfdump, "-I", "-r", file.toString()).contains("Sequence failures: 0"),
            "nfcapd checks the sequence numbers");
        final JsonNode flowsJson = JSON.readTree(IpfixTools.run(dir, 60, nfdump, "-r", file.toString(), "-o", "json"));
        final Map<Integer, JsonNode> byPort = new HashMap<>();
        flowsJson.forEach(f -> byPort.put(f.get("src_port").asInt(), f));
        assertEquals(records.size(), byPort.size(), flowsJson.toString());
        for (final LabelRecord r : records)
        {
            final JsonNode f = byPort.get(r.srcPort);
            assertNotNull(f, "record from port " + r.srcPort);
            final String v = r.ipVersion == 6 ? "6" : "4";
            assertSameAddress(r.srcAddress, r.ipVersion, f.get("src" + v + "_addr").asText());
            assertSameAddress(r.dstAddress, r.ipVersion, f.get("dst" + v + "_addr").asText());
            assertEquals(r.dstPort, f.get("dst_port").asInt());
            assertEquals(r.protocol, f.get("proto").asInt());
            assertEquals(NFDUMP_TIME.format(Instant.ofEpochMilli(IpfixTestData.startMillis(r))), f.get("first").asText());
            assertEquals(NFDUMP_TIME.format(Instant.ofEpochMilli(IpfixTestData.endMillis(r))), f.get("last").asText());
            assertEquals(r.packets, f.get("in_packets").asLong());
            assertEquals(r.bytes, f.get("in_bytes").asLong());
        }
    }

    /** nfacctd's print plugin with the custom primitives of COLLECTORS.md: flow fields and all FlowPic fields. */
    @Test
    void nfacctdPrintsEveryRecordWithLabelModelConfidenceAndScores() throws Exception
    {
        final String nfacctd = IpfixTools.require("nfacctd", "pmacct");
        final int port = IpfixTools.freeUdpPort();
        final Path primitives = dir.resolve("flowpic.lst");
        Files.writeString(primitives, """
            name=flowpic_label	field_type=32473:4	len=vlen	semantics=str
            name=flowpic_model	field_type=32473:2	len=vlen	semantics=str
            name=flowpic_scores	field_type=32473:3	len=vlen	semantics=str
            name=flowpic_confidence	field_type=32473:1	len=4	semantics=hex
            """);
        final Path output = dir.resolve("flows.json");
        final Path config = dir.resolve("nfacctd.conf");
        Files.writeString(config, """
            daemonize: false
            nfacctd_ip: 127.0.0.1
            nfacctd_port: %d
            aggregate_primitives: %s
            plugins: print[flowpic]
            aggregate[flowpic]: src_host, dst_host, src_port, dst_port, proto, timestamp_start, timestamp_end, flowpic_label, flowpic_model, flowpic_scores, flowpic_confidence
            print_output[flowpic]: json
            print_output_file[flowpic]: %s
            print_output_file_append[flowpic]: true
            print_refresh_time[flowpic]: 1
            timestamps_since_epoch: true
            """.formatted(port, primitives, output));
        final Path log = dir.resolve("nfacctd.log");
        final Process collector = IpfixTools.start(dir, log, nfacctd, "-f", config.toString());
        final List<LabelRecord> records = IpfixTestData.records(30);
        final Map<Integer, JsonNode> byPort = new HashMap<>();
        try
        {
            IpfixTools.awaitLog(log, "waiting for NetFlow/IPFIX data", 20_000, collector);
            // Records that reach the core before its print plugin runs are lost: wait for the plugin's first purge.
            IpfixTools.awaitLog(log, "Purging cache - END", 20_000, collector);
            send(port, records);
            // The print plugin writes its cache every print_refresh_time seconds.
            final long deadline = System.nanoTime() + 15_000_000_000L;
            while (byPort.size() < records.size() && System.nanoTime() - deadline < 0)
            {
                Thread.sleep(200);
                if (Files.exists(output))
                {
                    for (final String line : Files.readAllLines(output, StandardCharsets.UTF_8))
                    {
                        if (!line.isBlank())
                        {
                            final JsonNode f = JSON.readTree(line);
                            byPort.put(f.get("port_src").asInt(), f);
                        }
                    }
                }
            }
        }
        finally
        {
            IpfixTools.interrupt(collector);
        }
        assertEquals(records.size(), byPort.size(), "records printed by nfacctd; log:\n" + log("nfacctd.log"));
        for (final LabelRecord r : records)
        {
            final JsonNode f = byPort.get(r.srcPort);
            assertSameAddress(r.srcAddress, r.ipVersion, f.get("ip_src").asText());
            assertSameAddress(r.dstAddress, r.ipVersion, f.get("ip_dst").asText());
            assertEquals(r.dstPort, f.get("port_dst").asInt());
            assertEquals(r.protocol == 6 ? "tcp" : "udp", f.get("ip_proto").asText());
            assertEquals(String.format(java.util.Locale.ROOT, "%d.%06d", IpfixTestData.startMillis(r) / 1000, IpfixTestData.startMillis(r) % 1000 * 1000),
                f.get("timestamp_start").asText());
            assertEquals(String.format(java.util.Locale.ROOT, "%d.%06d", IpfixTestData.endMillis(r) / 1000, IpfixTestData.endMillis(r) % 1000 * 1000),
                f.get("timestamp_end").asText());
            assertEquals(r.packets, f.get("packets").asLong());
            assertEquals(r.bytes, f.get("bytes").asLong());
            assertEquals(r.label, f.get("flowpic_label").asText());
            assertEquals(r.modelId, f.get("flowpic_model").asText());
            assertEquals(IpfixEncoderTest.expectedScores(r), f.get("flowpic_scores").asText());
            assertEquals(r.confidence, Float.intBitsToFloat(Integer.parseUnsignedInt(f.get("flowpic_confidence").asText(), 16)));
        }
    }

    private void send(final int port, final List<LabelRecord> records)
    {
        try (IpfixSink sink = new IpfixSink(IpfixOptions.of(IpfixTools.LOOPBACK, port, false), IpfixTools.counters()))
        {
            IpfixTools.sendAll(sink, records, 0);
        }
    }

    /** The collector has bound the port once binding it fails here (bounded wait). */
    private static void awaitUdpBound(final int port, final Process collector, final Path log) throws Exception
    {
        for (int i = 0; i < 200 && collector.isAlive(); i++)
        {
            try (DatagramSocket probe = new DatagramSocket(null))
            {
                probe.bind(new InetSocketAddress(InetAddress.getByName(IpfixTools.LOOPBACK), port));
            }
            catch (final BindException ex)
            {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("collector did not bind UDP port " + port + ":\n" + Files.readString(log));
    }

    private static void assertSameAddress(final byte[] expected, final int ipVersion, final String actual)
        throws IOException
    {
        assertEquals(IpfixEncoderTest.address(expected, ipVersion), InetAddress.getByName(actual).getHostAddress());
    }

    private String log(final String name)
    {
        try
        {
            return Files.readString(dir.resolve(name), StandardCharsets.ISO_8859_1);
        }
        catch (final IOException ex)
        {
            return "(no " + name + ")";
        }
    }
}

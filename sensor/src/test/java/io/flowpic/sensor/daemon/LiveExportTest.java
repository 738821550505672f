package io.flowpic.sensor.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowpic.sensor.config.ConfigLoader;
import io.flowpic.sensor.journal.LabelRecord;
import io.flowpic.sensor.testing.TestModels;
import io.flowpic.sensor.testing.VethPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code flowpic run} with an {@code export:} list: labels of live traffic (from a namespace on a veth pair
 * the test made) leave as ECS JSON while the sensor runs, /metrics counts them per exporter, and a reload
 * adds a destination that starts from the beginning of the journal.
 */
class LiveExportTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void liveLabelsAreExportedWhileRunningAndAReloadAddsADestination() throws Exception
    {
        try (VethPair pair = VethPair.create())
        {
            final Path model = TestModels.write(dir.resolve("model"), 32, 15, "export-fixed");
            final Path first = dir.resolve("first.ndjson");
            final Path second = dir.resolve("second.ndjson");
            final Path config = writeConfig(pair, model, "  - to: json:" + first + "\n    name: first\n");
            final StringWriter log = new StringWriter();
            try (LiveSensor sensor = LiveSensor.start(new ConfigLoader().load(config), config, new PrintWriter(log)))
            {
                pair.replayFromNamespace(LiveSensorVethTest.udpFlowCapture(dir.resolve("a.pcap"), 42000, 7000, 20), 500);
                pair.replayFromNamespace(LiveSensorVethTest.udpFlowCapture(dir.resolve("b.pcap"), 42001, 7001, 12), 500);
                // The flows go idle; the sweep finishes their blocks and the exporter sends them, while the sensor runs.
                final List<JsonNode> exported = awaitLines(first, 2, sensor);
                assertEquals(List.of("198.18.0.2:42000=20", "198.18.0.2:42001=12"), keys(exported));

                final String metrics = get(sensor.metricsPort(), "/metrics");
                assertTrue(metrics.contains("flowpic_export_records_sent_total{exporter=\"first\"} 2"), metrics);
                assertTrue(metrics.contains("flowpic_export_errors_total{exporter=\"first\"} 0"), metrics);
                assertTrue(get(sensor.metricsPort(), "/healthz").startsWith("200\nok"));

                // SIGHUP's work: the config now lists a second destination; it starts from the journal's start.
                writeConfig(pair, model, "  - to: json:" + first + "\n    name: first\n  - to: json:" + second +
                    "\n    name: second\n");
                sensor.reload();
                final List<JsonNode> again = awaitLines(second, 2, sensor);
                assertEquals(keys(exported), keys(again));
                assertTrue(get(sensor.metricsPort(), "/metrics")
                    .contains("flowpic_export_records_sent_total{exporter=\"second\"} 2"));
                assertEquals(2, Files.readAllLines(first).size(), "the first exporter sent nothing twice");
            }
            final List<LabelRecord> journal = LiveSensorVethTest.journal(dir.resolve("journal"));
            assertEquals(2, journal.size());
            assertTrue(log.toString().contains("exporting to json:" + second), log.toString());
        }
    }

    /**
     * A collector that is down makes its exporter fall behind, not the sensor unhealthy: /healthz stays 200 and
     * says so, errors are counted; once the collector listens, the backlog leaves and the note goes.
     */
    @Test
    void aDownCollectorIsReportedBehindAndCaughtUpWhenItComesBack() throws Exception
    {
        try (VethPair pair = VethPair.create())
        {
            final int port = freePortOutsideEphemeralRange();
            final Path model = TestModels.write(dir.resolve("model"), 32, 15, "behind-fixed");
            final Path config = writeConfig(pair, model, "  - to: ipfix:tcp://127.0.0.1:" + port + "\n    name: collector\n");
            try (LiveSensor sensor = LiveSensor.start(new ConfigLoader().load(config), config,
                new PrintWriter(new StringWriter())))
            {
                pair.replayFromNamespace(LiveSensorVethTest.udpFlowCapture(dir.resolve("c.pcap"), 43000, 7100, 15), 500);
                String health = "";
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!health.contains("records behind") && System.nanoTime() < deadline)
                {
                    sensor.tick();
                    Thread.sleep(200);
                    health = get(sensor.metricsPort(), "/healthz");
                }
                assertTrue(health.startsWith("200\nok; exporter collector is 1 records behind"), health);
                assertTrue(health.contains("last error"), health);
                final String metrics = get(sensor.metricsPort(), "/metrics");
                assertTrue(metrics.contains("flowpic_export_lag_records{exporter=\"collector\"} 1"), metrics);
                assertTrue(!metrics.contains("flowpic_export_errors_total{exporter=\"collector\"} 0"), metrics);

                final List<byte[]> received = new ArrayList<>();
                try (java.net.ServerSocket collector = new java.net.ServerSocket(port, 1,
                    java.net.InetAddress.getByName("127.0.0.1")))
                {
                    collector.setSoTimeout(40_000);
                    try (java.net.Socket socket = collector.accept())
                    {
                        socket.setSoTimeout(10_000);
                        final java.io.DataInputStream in = new java.io.DataInputStream(socket.getInputStream());
                        // IPFIX messages: version 10, then the message length; read until a data set arrives.
                        boolean data = false;
                        while (!data)
                        {
                            final int version;
                            try
                            {
                                version = in.readUnsignedShort();
                            }
                            catch (final java.net.SocketTimeoutException ex)
                            {
                                throw new AssertionError("nothing from the exporter on port " + port + " (accepted " +
                                    socket.getRemoteSocketAddress() + "); " + io.flowpic.sensor.testing.Shell.run(10, "ss", "-tna") +
                                    get(sensor.metricsPort(), "/healthz") + get(sensor.metricsPort(), "/metrics")
                                    .lines().filter(l -> l.startsWith("flowpic_export")).toList(), ex);
                            }
                            final int length = in.readUnsignedShort();
                            assertEquals(10, version);
                            final byte[] rest = new byte[length - 4];
                            in.readFully(rest);
                            received.add(rest);
                            // Sets follow the rest of the 16-byte header; templates (set 2) may share a message with data.
                            for (int at = 12; at + 4 <= rest.length; )
                            {
                                final int setId = ((rest[at] & 0xFF) << 8) | (rest[at + 1] & 0xFF);
                                final int setLength = ((rest[at + 2] & 0xFF) << 8) | (rest[at + 3] & 0xFF);
                                data |= setId >= 256;
                                at += Math.max(setLength, 4);
                            }
                        }
                        final long caughtUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                        while (!get(sensor.metricsPort(), "/healthz").equals("200\nok\n") &&
                            System.nanoTime() < caughtUp)
                        {
                            Thread.sleep(100);
                        }
                        assertEquals("200\nok\n", get(sensor.metricsPort(), "/healthz"));
                    }
                }
                assertTrue(get(sensor.metricsPort(), "/metrics")
                    .contains("flowpic_export_records_sent_total{exporter=\"collector\"} 1"));
            }
        }
    }

    /**
     * A free loopback port below Linux's ephemeral range: connecting to a closed port inside that range can
     * pick that very port as the source and connect the socket to itself (TCP self-connect), which then
     * "accepts" what it sends.
     */
    private static int freePortOutsideEphemeralRange() throws Exception
    {
        for (int port = 20_000 + (int)(ProcessHandle.current().pid() % 5000), tries = 0; tries < 200; port++, tries++)
        {
            try (java.net.ServerSocket socket = new java.net.ServerSocket(port, 1,
                java.net.InetAddress.getByName("127.0.0.1")))
            {
                return socket.getLocalPort();
            }
            catch (final java.io.IOException inUse)
            {
                // try the next one
            }
        }
        throw new AssertionError("no free port in 20000..25199");
    }

    /** Flows idle for a second are closed, so their blocks end (and leave) while the sensor runs. */
    private Path writeConfig(final VethPair pair, final Path model, final String exportList) throws Exception
    {
        return LiveSensorVethTest.writeConfig(dir, pair, model, 1,
            "metrics:\n  bind: 127.0.0.1\n  port: 0\nexport:\n" + exportList);
    }

    private static List<String> keys(final List<JsonNode> docs)
    {
        final List<String> keys = new ArrayList<>();
        docs.forEach(d -> keys.add(d.at("/source/ip").asText() + ":" + d.at("/source/port").asInt() + "=" +
            d.at("/source/packets").asInt()));
        keys.sort(null);
        return keys;
    }

    private static List<JsonNode> awaitLines(final Path file, final int count, final LiveSensor sensor)
        throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<String> lines = List.of();
        while (System.nanoTime() < deadline)
        {
            sensor.tick();
            lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
            if (lines.size() >= count)
            {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals(count, lines.size(), file + " within 30 s: " + lines);
        final List<JsonNode> docs = new ArrayList<>();
        for (final String line : lines)
        {
            docs.add(JSON.readTree(line));
        }
        return docs;
    }

    private static String get(final int port, final String path) throws Exception
    {
        final HttpResponse<String> response = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + "\n" + response.body();
    }
}

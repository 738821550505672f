package io.flowpic.sensor.daemon;

import io.flowpic.sensor.config.ConfigLoader;
import io.flowpic.sensor.config.SensorConfig;
import io.flowpic.sensor.journal.JournalReader;
import io.flowpic.sensor.journal.LabelRecord;
import io.flowpic.sensor.testing.TestCaptures;
import io.flowpic.sensor.testing.TestModels;
import io.flowpic.sensor.testing.VethPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The live sensor on the host end of a veth pair, fed from a network namespace the test created:
 * tcpreplay of known frames and a real TCP transfer. Only 198.18.0.0/24 addresses inside that pair.
 */
class LiveSensorVethTest
{
    static final int PEER = TestCaptures.PEER;
    static final int HOST = TestCaptures.HOST;

    @TempDir
    Path dir;

    static Path writeConfig(final Path dir, final VethPair pair, final Path model, final String extra)
        throws Exception
    {
        return writeConfig(dir, pair, model, 60, extra);
    }

    /** The live tests' config: the pair's host end, a small ring and table, then {@code extra} sections. */
    static Path writeConfig(final Path dir, final VethPair pair, final Path model, final int idleTimeoutSeconds,
        final String extra) throws Exception
    {
        final Path file = dir.resolve("live.yaml");
        Files.writeString(file, String.join("\n",
            "capture:",
            "  interface: " + pair.hostEnd,
            "  ring-buffer-mb: 4",
            "flow-table:",
            "  max-flows: 65536",
            "  max-open-packets: 1000000",
            "  idle-timeout-seconds: " + idleTimeoutSeconds,
            "model:",
            "  path: " + model,
            "journal:",
            "  path: " + dir.resolve("journal"),
            extra,
            ""));
        return file;
    }

    private SensorConfig config(final VethPair pair, final Path model) throws Exception
    {
        return new ConfigLoader().load(writeConfig(dir, pair, model, "metrics:\n  enabled: false"));
    }

    /** UDP frames from the namespace to the host: {@code packets} of one flow. */
    static Path udpFlowCapture(final Path file, final int srcPort, final int dstPort, final int packets)
        throws Exception
    {
        return TestCaptures.udpFlow(file, srcPort, dstPort, packets);
    }

    static List<LabelRecord> journal(final Path dir) throws Exception
    {
        if (!Files.exists(dir.resolve("metadata.cq4t")))
        {
            return List.of();
        }
        try (JournalReader reader = new JournalReader(dir))
        {
            return reader.readAll();
        }
    }

    static String tuple(final LabelRecord r)
    {
        return r.srcIp() + ":" + r.srcPort + ">" + r.dstIp() + ":" + r.dstPort + "/" + r.protocolName();
    }

    private static String get(final int port, final String path) throws Exception
    {
        final HttpResponse<String> response = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + "\n" + response.body();
    }

    private static long metric(final String body, final String name)
    {
        for (final String line : body.split("\n"))
        {
            if (line.startsWith(name + " "))
            {
                return (long)Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        throw new AssertionError("no " + name + " in\n" + body);
    }

    @Test
    void capturedFlowsAreJournaledWithTheirTuplesAndCountsAtShutdown() throws Exception
    {
        try (VethPair pair = VethPair.create())
        {
            final Path model = TestModels.write(dir.resolve("model"), 32, 15, "live-fixed");
            final StringWriter log = new StringWriter();
            final LiveSensor sensor = LiveSensor.start(new ConfigLoader().load(writeConfig(dir, pair, model,
                "metrics:\n  bind: 127.0.0.1\n  port: 0")), null, new PrintWriter(log));
            final int metricsPort = sensor.metricsPort();
            final int tcpPort;
            try (ServerSocket server = new ServerSocket())
            {
                server.bind(new InetSocketAddress(InetAddress.getByName(VethPair.HOST_ADDRESS), 0));
                tcpPort = server.getLocalPort();
                final Thread sink = new Thread(() ->
                {
                    try (Socket socket = server.accept(); InputStream in = socket.getInputStream())
                    {
                        in.transferTo(OutputStream.nullOutputStream());
                    }
                    catch (final Exception ex)
                    {
                        // the assertion on the journal reports a failed transfer
                    }
                });
                sink.start();
                pair.replayFromNamespace(udpFlowCapture(dir.resolve("a.pcap"), 40000, 5000, 30), 500);
                pair.replayFromNamespace(udpFlowCapture(dir.resolve("b.pcap"), 40001, 5001, 12), 500);
                pair.inNamespace(30, "bash", "-c", "exec 3<>/dev/tcp/" + VethPair.HOST_ADDRESS + "/" + tcpPort +
                    " && head -c 200000 /dev/zero >&3 && exec 3>&-");
                sink.join(10_000);
            }
            Thread.sleep(300); // let the last frames pass the capture thread
            sensor.tick();
            assertTrue(get(metricsPort, "/healthz").startsWith("200"));
            final String metrics = get(metricsPort, "/metrics");
            assertTrue(metrics.startsWith("200"), metrics);
            final long capturedBeforeStop = metric(metrics, "flowpic_packets_captured_total");
            assertTrue(capturedBeforeStop >= 42 + 10, "42 UDP packets and a TCP transfer were sent: " + metrics);
            assertTrue(metric(metrics, "flowpic_packets_decoded_total") >= 42 + 10);
            assertTrue(metric(metrics, "flowpic_flows_active") >= 4, "2 UDP flows and TCP both ways");
            assertEquals(0, metric(metrics, "flowpic_ring_dropped_total"));
            assertTrue(metrics.contains("flowpic_model_info{model=\"live-fixed\"} 1"), metrics);

            // `flowpic stat` reads the same counters from the counters file, without HTTP, under the same names.
            final StringWriter stat = new StringWriter();
            assertEquals(0, io.flowpic.sensor.cli.Main.run(new PrintWriter(stat), new PrintWriter(new StringWriter()),
                "stat", "--journal", dir.resolve("journal").toString()));
            assertTrue(stat.toString().contains("pid " + ProcessHandle.current().pid() + " (running)"), stat.toString());
            final java.util.regex.Matcher statReceived = java.util.regex.Pattern
                .compile("flowpic_packets_captured_total\\s+([0-9]+)").matcher(stat.toString());
            assertTrue(statReceived.find(), stat.toString());
            assertTrue(Long.parseLong(statReceived.group(1).replace(",", "")) >= capturedBeforeStop);
            sensor.stop();
            sensor.tick();
            final long received = sensor.counters().packetsReceived.get();
            final long ringDrops = sensor.counters().packetsRingDropped.get();
            sensor.close();
            assertTrue(log.toString().contains("capturing on " + pair.hostEnd), log.toString());

            final List<LabelRecord> records = journal(dir.resolve("journal"));
            final List<String> tuples = new ArrayList<>();
            records.forEach(r -> tuples.add(tuple(r) + "=" + r.packets));
            assertTrue(tuples.contains("198.18.0.2:40000>198.18.0.1:5000/UDP=30"), tuples.toString());
            assertTrue(tuples.contains("198.18.0.2:40001>198.18.0.1:5001/UDP=12"), tuples.toString());
            final LabelRecord tcp = records.stream()
                .filter(r -> r.protocol == 6 && r.dstPort == tcpPort && "198.18.0.2".equals(r.srcIp()))
                .findFirst().orElseThrow(() -> new AssertionError("no TCP record in " + tuples));
            assertTrue(tcp.packets >= 10, "a 200 kB transfer takes well over 10 packets: " + tcp.packets);
            assertTrue(tcp.bytes >= 200_000, "payload plus headers: " + tcp.bytes);
            assertEquals(0, ringDrops);
            assertTrue(received >= 42 + tcp.packets, "captured " + received);
            assertTrue(received >= capturedBeforeStop);
            for (final LabelRecord r : records)
            {
                assertEquals("live-fixed", r.modelId);
            }
        }
    }

    @Test
    void aFlowThatStopsSendingIsJournaledByTheWallClockSweep() throws Exception
    {
        try (VethPair pair = VethPair.create())
        {
            final Path model = TestModels.write(dir.resolve("model"), 32, 15, "sweep-fixed");
            try (LiveSensor sensor = LiveSensor.start(config(pair, model), null, new PrintWriter(new StringWriter())))
            {
                pair.replayFromNamespace(udpFlowCapture(dir.resolve("quiet.pcap"), 41000, 6000, 15), 500);
                // No further packet arrives; the 15 s block must still be finished by the sweep.
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                List<LabelRecord> records = List.of();
                while (System.nanoTime() < deadline)
                {
                    sensor.tick();
                    records = journal(dir.resolve("journal"));
                    if (!records.isEmpty())
                    {
                        break;
                    }
                    Thread.sleep(250);
                }
                assertEquals(1, records.size(), "block not journaled within 30 s of a 15 s window");
                assertEquals(15, records.get(0).packets);
                assertEquals(41000, records.get(0).srcPort);
                assertTrue(sensor.healthy());
            }
        }
    }

    @Test
    void healthzSaysWhenTheJournalRefusesRecordsForWantOfDisk() throws Exception
    {
        try (VethPair pair = VethPair.create())
        {
            final Path model = TestModels.write(dir.resolve("model"), 32, 15, "disk-fixed");
            // 1 TiB free is more than this file system has: every record would be refused.
            try (LiveSensor sensor = LiveSensor.start(new ConfigLoader().load(writeConfig(dir, pair, model,
                "  min-free-mb: 1048576\nmetrics:\n  bind: 127.0.0.1\n  port: 0")), null,
                new PrintWriter(new StringWriter())))
            {
                final String health = get(sensor.metricsPort(), "/healthz");
                assertTrue(health.startsWith("503\nunhealthy: journal refusing records"), health);
                assertTrue(health.contains("journal.min-free-mb (1048576 MiB)"), health);
                assertTrue(sensor.healthProblem().startsWith("journal refusing records"));
            }
        }
    }
}

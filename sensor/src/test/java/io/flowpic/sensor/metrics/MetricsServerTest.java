package io.flowpic.sensor.metrics;

import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.sensor.pipeline.SensorCounters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

public class MetricsServerTest
{
    /** One sample line of the text exposition format 0.0.4 (metric name, optional labels, value). */
    private static final Pattern SAMPLE = Pattern.compile(
        "([a-zA-Z_:][a-zA-Z0-9_:]*)" +
        "(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"(?:,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\")*,?)?\\})?" +
        " (-?[0-9]+(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|NaN|[+-]Inf)( -?[0-9]+)?");
    private static final Pattern HELP = Pattern.compile("# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (?:[^\\\\\\n]|\\\\[\\\\n])*");
    private static final Pattern TYPE = Pattern.compile(
        "# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)");

    private final SensorCounters counters = SensorCounters.standalone();
    private final AtomicReference<String> modelId = new AtomicReference<>("mini-32x15-\"v1\"");
    private final java.util.concurrent.atomic.AtomicReference<String> problem = new java.util.concurrent.atomic.AtomicReference<>();
    private MetricsServer server;
    private HttpClient client;
    private String base;

    @BeforeEach
    void start() throws IOException
    {
        final PrometheusFormatter formatter =
            new PrometheusFormatter(counters.manager, modelId::get);
        server = MetricsServer.start("127.0.0.1", 0, formatter, problem::get);
        base = "http://127.0.0.1:" + server.boundPort();
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop()
    {
        server.close();
    }

    @Test
    void metricsFollowTheExpositionGrammarAndTheCounters() throws Exception
    {
        HttpResponse<String> response = get("/metrics");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"),
            response.headers().toString());
        Map<String, Double> samples = parse(response.body());
        assertEquals(0.0, samples.get("flowpic_packets_captured_total"));
        assertEquals(1.0, samples.get("flowpic_model_info{model=\"mini-32x15-\\\"v1\\\"\"}"));
        for (final String name : new String[] {
            "flowpic_kernel_received_total", "flowpic_kernel_dropped_total", "flowpic_ring_dropped_total",
            "flowpic_packets_decoded_total", "flowpic_flows_active", "flowpic_flows_created_total",
            "flowpic_packets_flow_table_full_total", "flowpic_flows_closed_idle_total", "flowpic_cells_dropped_total",
            "flowpic_blocks_classified_total", "flowpic_blocks_too_small_total", "flowpic_blocks_dropped_total",
            "flowpic_inference_batches_total", "flowpic_journal_records_total", "flowpic_journal_errors_total",
            "flowpic_model_reloads_total{result=\"ok\"}", "flowpic_model_reloads_total{result=\"failed\"}",
            "flowpic_packets_malformed_total{reason=\"truncated_ip_header\"}",
            "flowpic_packets_skipped_total{reason=\"non_ip\"}",
            "flowpic_block_latency_seconds_bucket{le=\"0.001\"}", "flowpic_block_latency_seconds_bucket{le=\"10\"}",
            "flowpic_block_latency_seconds_bucket{le=\"+Inf\"}", "flowpic_block_latency_seconds_sum",
            "flowpic_block_latency_seconds_count"})
        {
            assertEquals(0.0, samples.get(name), name + " in\n" + response.body());
        }

        counters.packetsReceived.increment();
        counters.packetsReceived.increment();
        counters.kernelReceived.set(1000);
        counters.kernelDropped.set(7);
        counters.packetsRingDropped.increment();
        counters.packetsDecoded.increment();
        counters.decodeResults[DecodeResult.BAD_IP_VERSION.ordinal()].increment();
        counters.decodeResults[DecodeResult.OTHER_IP_PROTOCOL.ordinal()].getAndAdd(3);
        counters.flowTable.flowsActive.set(42);
        counters.flowTable.flowsCreated.set(50);
        counters.flowTable.packetsRejectedTableFull.increment();
        counters.flowTable.flowsClosedIdle.set(8);
        counters.flowTable.cellsDroppedPoolFull.set(9);
        counters.blocksClassified.set(11);
        counters.blocksTooSmall.set(12);
        counters.blocksDropped.set(13);
        counters.inferenceBatches.set(2);
        counters.journalRecords.set(11);
        counters.journalErrors.set(1);
        counters.clockJumps.set(4);
        counters.modelReloadsOk.increment();
        counters.modelReloadsFailed.set(2);
        counters.blockLatency.record(500_000L);          // 0.5 ms
        counters.blockLatency.record(30_000_000L);       // 30 ms
        counters.blockLatency.record(20_000_000_000L);   // 20 s: only +Inf
        modelId.set("full-64x60");

        response = get("/metrics");
        samples = parse(response.body());
        final Map<String, Double> expected = new LinkedHashMap<>();
        expected.put("flowpic_packets_captured_total", 2.0);
        expected.put("flowpic_kernel_received_total", 1000.0);
        expected.put("flowpic_kernel_dropped_total", 7.0);
        expected.put("flowpic_ring_dropped_total", 1.0);
        expected.put("flowpic_packets_decoded_total", 1.0);
        expected.put("flowpic_packets_malformed_total{reason=\"bad_ip_version\"}", 1.0);
        expected.put("flowpic_packets_malformed_total{reason=\"truncated_ip_header\"}", 0.0);
        expected.put("flowpic_packets_skipped_total{reason=\"other_ip_protocol\"}", 3.0);
        expected.put("flowpic_flows_active", 42.0);
        expected.put("flowpic_flows_created_total", 50.0);
        expected.put("flowpic_packets_flow_table_full_total", 1.0);
        expected.put("flowpic_flows_closed_idle_total", 8.0);
        expected.put("flowpic_cells_dropped_total", 9.0);
        expected.put("flowpic_blocks_classified_total", 11.0);
        expected.put("flowpic_blocks_too_small_total", 12.0);
        expected.put("flowpic_blocks_dropped_total", 13.0);
        expected.put("flowpic_inference_batches_total", 2.0);
        expected.put("flowpic_journal_records_total", 11.0);
        expected.put("flowpic_journal_errors_total", 1.0);
        expected.put("flowpic_clock_jumps_total", 4.0);
        expected.put("flowpic_model_reloads_total{result=\"ok\"}", 1.0);
        expected.put("flowpic_model_reloads_total{result=\"failed\"}", 2.0);
        expected.put("flowpic_model_info{model=\"full-64x60\"}", 1.0);
        expected.put("flowpic_block_latency_seconds_bucket{le=\"0.001\"}", 1.0);
        expected.put("flowpic_block_latency_seconds_bucket{le=\"0.025\"}", 1.0);
        expected.put("flowpic_block_latency_seconds_bucket{le=\"0.05\"}", 2.0);
        expected.put("flowpic_block_latency_seconds_bucket{le=\"10\"}", 2.0);
        expected.put("flowpic_block_latency_seconds_bucket{le=\"+Inf\"}", 3.0);
        expected.put("flowpic_block_latency_seconds_count", 3.0);
        expected.put("flowpic_block_latency_seconds_sum", 20.0305);
        for (final Map.Entry<String, Double> e : expected.entrySet())
        {
            assertEquals(e.getValue(), samples.get(e.getKey()), 1e-9, e.getKey() + " in\n" + response.body());
        }
        assertTrue(!samples.containsKey("flowpic_model_info{model=\"mini-32x15-\\\"v1\\\"\"}"), "old model id gone");
    }

    @Test
    void healthFollowsTheSupplier() throws Exception
    {
        HttpResponse<String> response = get("/healthz");
        assertEquals(200, response.statusCode());
        assertEquals("ok", response.body().trim());
        problem.set("journal refusing records");
        response = get("/healthz");
        assertEquals(503, response.statusCode());
        assertEquals("unhealthy: journal refusing records", response.body().trim(), "the body says why");
        problem.set(null);
        assertEquals(200, get("/healthz").statusCode());
    }

    @Test
    void onlyGetAndHeadOnTheTwoPaths() throws Exception
    {
        final HttpResponse<String> post = client.send(
            HttpRequest.newBuilder(URI.create(base + "/metrics")).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertTrue(post.headers().firstValue("allow").orElse("").contains("GET"));
        final HttpResponse<String> delete = client.send(
            HttpRequest.newBuilder(URI.create(base + "/healthz")).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, delete.statusCode());
        assertEquals(404, get("/other").statusCode());
        assertEquals(404, get("/").statusCode());
        assertEquals(404, get("/metrics/x").statusCode());
        assertEquals(200, get("/metrics?name=x").statusCode());
        final HttpResponse<String> head = client.send(
            HttpRequest.newBuilder(URI.create(base + "/metrics")).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
    }

    @Test
    void oversizedRequestsAreRefusedAndTheServerGoesOn() throws Exception
    {
        // Declared body over the 8 KiB bound: 413 straight from the headers, then the connection closes.
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.boundPort()))
        {
            socket.setSoTimeout(5000);
            final OutputStream out = socket.getOutputStream();
            out.write(("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final String reply = readAll(socket.getInputStream());
            assertTrue(reply.startsWith("HTTP/1.1 413"), reply);
        }
        // A real oversized body through HttpClient: 413, or the connection closed while it was still sending.
        try
        {
            final HttpResponse<String> big = client.send(
                HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .method("GET", HttpRequest.BodyPublishers.ofByteArray(new byte[1 << 20])).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(413, big.statusCode());
        }
        catch (final IOException closed)
        {
            // accepted: the server closed the connection
        }
        // Headers over 8 KiB: refused (431) and closed.
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.boundPort()))
        {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) +
                "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            final String reply = readAll(socket.getInputStream());
            assertTrue(reply.isEmpty() || reply.startsWith("HTTP/1.1 4"), reply);
        }
        catch (final IOException closed)
        {
            // accepted: reset while writing
        }
        assertEquals(200, get("/metrics").statusCode());
        assertEquals(200, get("/healthz").statusCode());
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneConnection() throws Exception
    {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.boundPort()))
        {
            socket.setSoTimeout(5000);
            final OutputStream out = socket.getOutputStream();
            out.write(("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final String reply = readAll(socket.getInputStream());
            assertEquals(2, reply.split("HTTP/1.1 200 OK", -1).length - 1, reply);
        }
    }

    @Test
    void bindFailureNamesTheAddress() throws Exception
    {
        try (ServerSocket taken = new ServerSocket())
        {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            final int port = taken.getLocalPort();
            final PrometheusFormatter formatter = new PrometheusFormatter(counters.manager, () -> "m");
            final IOException ex = assertThrows(IOException.class,
                () -> MetricsServer.start("127.0.0.1", port, formatter, () -> null));
            assertTrue(ex.getMessage().contains("127.0.0.1:" + port), ex.getMessage());
        }
        final IOException unresolved = assertThrows(IOException.class, () -> MetricsServer.start(
            "no-such-host.invalid", 9464, new PrometheusFormatter(counters.manager, () -> "m"), () -> null));
        assertTrue(unresolved.getMessage().contains("no-such-host.invalid:9464"), unresolved.getMessage());
    }

    @Test
    void closeIsIdempotentAndFreesThePort() throws Exception
    {
        final int port = server.boundPort();
        server.close();
        server.close();
        try (ServerSocket again = new ServerSocket())
        {
            again.setReuseAddress(true);
            again.bind(new InetSocketAddress("127.0.0.1", port));
        }
    }

    private HttpResponse<String> get(final String path) throws Exception
    {
        return client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static String readAll(final InputStream in) throws IOException
    {
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    /**
     * Checks the whole body against the exposition format and returns sample (name + labels) → value.
     * Every family has HELP then TYPE before its samples, counters end in _total, gauges do not,
     * histogram samples are _bucket (with le) / _sum / _count.
     */
    public static Map<String, Double> parse(final String body)
    {
        assertTrue(body.endsWith("\n"), "ends with a newline");
        final Map<String, Double> samples = new HashMap<>();
        final Map<String, String> types = new HashMap<>();
        final Set<String> helped = new HashSet<>();
        String family = null;
        for (final String line : body.split("\n"))
        {
            if (line.startsWith("# HELP "))
            {
                final Matcher m = HELP.matcher(line);
                assertTrue(m.matches(), "HELP line: " + line);
                assertTrue(helped.add(m.group(1)), "one HELP per family: " + line);
                assertTrue(m.group(1).startsWith("flowpic_"), line);
                family = m.group(1);
                continue;
            }
            if (line.startsWith("# TYPE "))
            {
                final Matcher m = TYPE.matcher(line);
                assertTrue(m.matches(), "TYPE line: " + line);
                assertEquals(family, m.group(1), "TYPE right after its HELP: " + line);
                assertTrue(types.put(m.group(1), m.group(2)) == null, "one TYPE per family: " + line);
                final String name = m.group(1);
                switch (m.group(2))
                {
                    case "counter" -> assertTrue(name.endsWith("_total"), "counter ends in _total: " + name);
                    case "gauge" -> assertTrue(!name.endsWith("_total"), "gauge does not end in _total: " + name);
                    default -> { }
                }
                continue;
            }
            if (line.startsWith("#") || line.isEmpty())
            {
                fail("unexpected line: '" + line + "'");
            }
            final Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "sample line: " + line);
            final String name = m.group(1);
            final String type = types.get(family);
            assertTrue(type != null, "sample after its TYPE: " + line);
            if ("histogram".equals(type))
            {
                assertTrue(name.equals(family + "_bucket") && m.group(2).contains("le=\"") ||
                    name.equals(family + "_sum") || name.equals(family + "_count"), line);
            }
            else
            {
                assertEquals(family, name, "sample belongs to the family above it: " + line);
            }
            final double value = Double.parseDouble(m.group(3).replace("Inf", "Infinity"));
            final String key = name + (m.group(2) == null ? "" : m.group(2));
            assertTrue(samples.put(key, value) == null, "duplicate sample " + key);
        }
        for (final String name : types.keySet())
        {
            assertTrue(helped.contains(name), "HELP for " + name);
        }
        return samples;
    }
}

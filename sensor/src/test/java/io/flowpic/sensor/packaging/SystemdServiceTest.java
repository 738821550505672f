package io.flowpic.sensor.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowpic.flowtable.capture.CaptureWriter;
import io.flowpic.flowtable.capture.LinkType;
import io.flowpic.flowtable.decode.Packets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The built .deb's {@code flowpic.service} under a real systemd (PID 1 of its own namespaces, on an overlay root:
 * {@link SystemdRoot}), capturing on a veth pair inside that root's network namespace: installed with dpkg, it
 * starts as user flowpic with only CAP_NET_RAW and CAP_NET_ADMIN, journals labels of the frames tcpreplay sends,
 * {@code systemctl reload} swaps the model without missing a packet, {@code systemctl stop} finishes within the
 * unit's stop timeout with every qualifying block journaled, and {@code apt-get purge} deletes the sensor's data.
 * Root only; run by {@code mvn -B verify -Pdeb} after packaging (failsafe), skipped with a message elsewhere.
 */
class SystemdServiceTest
{
    private static final Path TARGET = Commands.repository().resolve("sensor/target");
    private static final String CONFIG = "/etc/flowpic/flowpic.yaml";
    private static final String CAPTURE_IF = "fpsd0";
    private static final String SEND_IF = "fpsd1";
    private static final String RELOAD_MODEL_DIR = "/srv/flowpic-reload-model";
    private static final String RELOAD_MODEL_ID = "systemd-reload-test";
    /** CAP_NET_ADMIN (12) and CAP_NET_RAW (13). */
    private static final String NET_CAPS = "0000000000003000";
    private static final int STOP_TIMEOUT_SECONDS = 30;
    private static final int QUEUE_SIZE = 64;
    private static final String METRICS = "http://127.0.0.1:9464";

    /** The three traffic phases: distinct source port ranges, so each record tells which phase it came from. */
    private static final Traffic LABELS = new Traffic(30_000, 20, 20, 2_000);
    private static final Traffic RELOAD = new Traffic(31_000, 40, 125, 500);
    private static final Traffic STOP = new Traffic(32_000, 1_000, 10, 5_000);
    private static final Traffic STOP_TOO_SMALL = new Traffic(34_000, 100, 5, 5_000);

    private record Traffic(int firstPort, int flows, int packetsPerFlow, int packetsPerSecond)
    {
        int packets()
        {
            return flows * packetsPerFlow;
        }

        boolean owns(final int port)
        {
            return port >= firstPort && port < firstPort + flows;
        }
    }

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void serviceRunsReloadsStopsAndPurgesUnderRealSystemd() throws Exception
    {
        final Path deb = preconditions();
        final Path cgroup = SystemdRoot.writableCgroup().orElse(null);
        assumeTrue(cgroup != null, "SystemdServiceTest: no writable cgroup2 hierarchy for systemd: skipped");
        // systemd-tmpfiles empties /tmp at boot: the root must have its own, so this host file must survive.
        final Path marker = Files.createTempFile(Path.of("/tmp"), "flowpic-host-marker-", "");
        try (SystemdRoot root = SystemdRoot.boot(dir, cgroup))
        {
            try
            {
                network(root);
                install(root, deb);
                writeConfig(root, "default");
                copyReloadModel(root);
                final long mainPid = startService(root);
                final String defaultModel = modelInfo(metrics(root));
                journalsLabels(root, defaultModel);
                reloadSwapsTheModelWithoutCaptureGap(root, mainPid);
                stopJournalsEveryQualifyingBlock(root);
                filesHaveTheDocumentedOwnersAndModes(root);
                purgeRemovesTheData(root);
            }
            catch (final AssertionError | Exception ex)
            {
                printServiceLog(root);
                throw ex;
            }
        }
        finally
        {
            final boolean kept = Files.exists(marker);
            Files.deleteIfExists(marker);
            assertTrue(kept, "the host's /tmp was touched by the systemd under test: " + marker + " is gone");
        }
    }

    /** What the service said, for a failed run (the failure itself is reported, whatever happens here). */
    private static void printServiceLog(final SystemdRoot root)
    {
        String log;
        try
        {
            log = root.exec(20, "journalctl", "-u", "flowpic", "--no-pager", "-o", "short-monotonic").output();
        }
        catch (final IOException | InterruptedException ex)
        {
            log = "(journalctl failed: " + ex + ")";
        }
        System.err.println("SystemdServiceTest failed; flowpic.service log:\n" + log + "\nboot log:\n" + root.bootLog());
    }

    private static Path preconditions() throws IOException
    {
        assumeTrue(Boolean.getBoolean("flowpic.deb.built"),
            "SystemdServiceTest: runs after packaging, in mvn -B verify -Pdeb (failsafe): skipped");
        assumeTrue("root".equals(System.getProperty("user.name")), "SystemdServiceTest: needs root: skipped");
        assumeTrue(Files.isExecutable(Path.of("/lib/systemd/systemd")), "SystemdServiceTest: no systemd: skipped");
        for (final String tool : List.of("unshare", "nsenter", "setpriv", "timeout", "ip", "tcpreplay", "curl"))
        {
            assumeTrue(Commands.onPath(tool), "SystemdServiceTest: " + tool + " not installed: skipped");
        }
        try (Stream<Path> files = Files.list(TARGET))
        {
            final Optional<Path> deb = files.filter(p -> p.getFileName().toString().matches("flowpic_.*_amd64\\.deb"))
                .findFirst();
            assumeTrue(deb.isPresent(), "SystemdServiceTest: no " + TARGET + "/flowpic_*_amd64.deb: skipped");
            return deb.get();
        }
    }

    /** A veth pair inside the root's network namespace: the sensor captures on one end, tcpreplay sends on the other. */
    private static void network(final SystemdRoot root) throws Exception
    {
        // IPv6 autoconfiguration would add stray packets to the counts.
        root.runInNetwork(10, "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1");
        root.runInNetwork(10, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
        root.run(10, "ip", "link", "add", CAPTURE_IF, "type", "veth", "peer", "name", SEND_IF);
        root.run(10, "ip", "link", "set", CAPTURE_IF, "up");
        root.run(10, "ip", "link", "set", SEND_IF, "up");
        root.run(10, "ip", "link", "set", "lo", "up");
    }

    private static void install(final SystemdRoot root, final Path deb) throws Exception
    {
        Files.copy(deb, root.path("/var/tmp/flowpic.deb"));
        root.run(180, "dpkg", "-i", "/var/tmp/flowpic.deb");
        assertEquals("inactive", root.exec(10, "systemctl", "is-active", "flowpic").output().strip(),
            "installing never starts the service");
    }

    /** The installed config file (mode and owner kept: it is rewritten in place). */
    private static void writeConfig(final SystemdRoot root, final String model) throws IOException
    {
        Files.writeString(root.path(CONFIG), String.join("\n",
            "capture:",
            "  interface: " + CAPTURE_IF,
            "  ring-buffer-mb: 4",
            "flow-table:",
            "  max-flows: 65536",
            "  max-open-packets: 1000000",
            "inference:",
            // Far fewer than the blocks open at stop: the final flush must wait for inference, not drop.
            "  queue-size: " + QUEUE_SIZE,
            "model:",
            "  path: " + model,
            ""));
    }

    /** The default model again under another id: a reload that swapped it shows in every later record. */
    private static void copyReloadModel(final SystemdRoot root) throws IOException
    {
        final Path source = Commands.repository().resolve("model/default");
        final Path target = root.path(RELOAD_MODEL_DIR);
        try (Stream<Path> files = Files.walk(source))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                final Path copy = target.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file))
                {
                    Files.createDirectories(copy);
                }
                else
                {
                    Files.copy(file, copy);
                }
            }
        }
        final ObjectMapper json = new ObjectMapper();
        final Path metadata = target.resolve("flowpic-model.json");
        final ObjectNode node = (ObjectNode)json.readTree(metadata.toFile());
        node.put("modelId", RELOAD_MODEL_ID);
        json.writeValue(metadata.toFile(), node);
    }

    /** Starts the unit as the README does, and checks who it runs as: user flowpic, only the two capture capabilities. */
    private static long startService(final SystemdRoot root) throws Exception
    {
        root.run(60, "systemctl", "enable", "--now", "flowpic");
        waitHealthy(root);
        final long mainPid = Long.parseLong(show(root, "MainPID"));
        final Map<String, String> status = procStatus(root, mainPid);
        final String uid = root.run(10, "id", "-u", "flowpic").strip();
        assertEquals(List.of(uid, uid, uid, uid), List.of(status.get("Uid").split("\\s+")), "runs as flowpic: " + status);
        assertEquals(NET_CAPS, status.get("CapEff"), "effective capabilities: " + status);
        assertEquals(NET_CAPS, status.get("CapPrm"), "permitted capabilities: " + status);
        assertEquals(NET_CAPS, status.get("CapBnd"), "bounding set: " + status);
        assertEquals(NET_CAPS, status.get("CapAmb"), "ambient capabilities: " + status);
        assertEquals("1", status.get("NoNewPrivs"), status.toString());
        assertTrue(root.run(10, "readlink", "/proc/" + mainPid + "/exe").strip().endsWith("/java"),
            "the main process is the JVM itself (the launcher execs it), so SIGHUP and SIGTERM reach it");
        return mainPid;
    }

    private static void waitHealthy(final SystemdRoot root) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        String health = "";
        while (System.nanoTime() < deadline)
        {
            health = root.exec(10, "curl", "-s", "-m", "5", METRICS + "/healthz").output();
            if (health.startsWith("ok"))
            {
                break;
            }
            assertEquals("active", root.exec(10, "systemctl", "is-active", "flowpic").output().strip(),
                "flowpic.service stopped while starting");
            Thread.sleep(500);
        }
        assertTrue(health.startsWith("ok"), "/healthz: " + health);
    }

    /** Frames replayed on the veth come out as journal records with the default model's labels. */
    private void journalsLabels(final SystemdRoot root, final String defaultModel) throws Exception
    {
        send(root, "labels", LABELS);
        // Blocks end 15 s after their flow's first packet; the sweep journals them then.
        final List<JsonNode> records = waitForRecords(root, LABELS, 40);
        assertEquals(LABELS.flows(), records.size(), records.toString());
        for (final JsonNode record : records)
        {
            assertEquals(LABELS.packetsPerFlow(), record.get("packets").asInt(), record.toString());
            assertEquals(defaultModel, record.get("model").asText(), record.toString());
            assertTrue(record.get("scores").has(record.get("label").asText()), record.toString());
        }
    }

    /**
     * {@code systemctl reload} while traffic flows: the model named by the edited config takes over in the same
     * process, and every frame sent before, during and after the reload reaches the flow table.
     */
    private void reloadSwapsTheModelWithoutCaptureGap(final SystemdRoot root, final long mainPid) throws Exception
    {
        final long decodedBefore = metric(metrics(root), "flowpic_packets_decoded_total");
        final Process sender = root.start(dir.resolve("reload-send.log"), tcpreplay(write(root, "reload", RELOAD), RELOAD));
        try
        {
            Thread.sleep(2_000);
            writeConfig(root, RELOAD_MODEL_DIR);
            final long capturedAtReload = metric(metrics(root), "flowpic_packets_captured_total");
            root.run(30, "systemctl", "reload", "flowpic");
            final List<Long> captured = new ArrayList<>(List.of(capturedAtReload));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            String body = metrics(root);
            while (metric(body, "flowpic_model_reloads_total{result=\"ok\"}") == 0 && System.nanoTime() < deadline)
            {
                assertEquals(0, metric(body, "flowpic_model_reloads_total{result=\"failed\"}"), body);
                captured.add(metric(body, "flowpic_packets_captured_total"));
                Thread.sleep(200);
                body = metrics(root);
            }
            captured.add(metric(body, "flowpic_packets_captured_total"));
            assertEquals(1, metric(body, "flowpic_model_reloads_total{result=\"ok\"}"), body);
            assertEquals(RELOAD_MODEL_ID, modelInfo(body), body);
            assertTrue(sender.isAlive(), "the reload must happen while traffic flows: sent too early");
            // Capture went on while the new model loaded (500 frames/s arrive the whole time).
            assertTrue(captured.get(captured.size() - 1) > captured.get(0), "captured during the reload: " + captured);
            assertTrue(sender.waitFor(60, TimeUnit.SECONDS), "tcpreplay did not finish");
            assertEquals(0, sender.exitValue(), Files.readString(dir.resolve("reload-send.log")));
        }
        finally
        {
            sender.destroyForcibly();
        }
        final String body = waitForDecoded(root, decodedBefore + RELOAD.packets());
        assertEquals(decodedBefore + RELOAD.packets(), metric(body, "flowpic_packets_decoded_total"),
            "every frame sent across the reload was captured and decoded: " + body);
        assertEquals(0, metric(body, "flowpic_kernel_dropped_total"), body);
        assertEquals(0, metric(body, "flowpic_ring_dropped_total"), body);
        assertEquals(String.valueOf(mainPid), show(root, "MainPID"), "a reload is not a restart");
        assertEquals("0", show(root, "NRestarts"));
        final String log = root.run(20, "journalctl", "-u", "flowpic", "--no-pager", "-o", "cat");
        assertTrue(log.contains("reload: model " + RELOAD_MODEL_ID + " loaded from " + RELOAD_MODEL_DIR), log);
    }

    /**
     * Many more blocks open than the hand-off queue holds when {@code systemctl stop} sends SIGTERM: the sensor exits
     * 0 within the unit's stop timeout, and every block is journaled or counted too small, none dropped. The
     * expected counts come from the traffic sent, not from the sensor.
     */
    private void stopJournalsEveryQualifyingBlock(final SystemdRoot root) throws Exception
    {
        final long decodedBefore = metric(metrics(root), "flowpic_packets_decoded_total");
        send(root, "stop", STOP);
        send(root, "stop-small", STOP_TOO_SMALL);
        final String before = waitForDecoded(root, decodedBefore + STOP.packets() + STOP_TOO_SMALL.packets());
        assertEquals(decodedBefore + STOP.packets() + STOP_TOO_SMALL.packets(),
            metric(before, "flowpic_packets_decoded_total"), before);
        assertTrue(metric(before, "flowpic_blocks_queued_total") <= LABELS.flows() + RELOAD.flows(),
            "the stop phase's blocks must still be open when the stop begins: " + before);

        assertEquals(STOP_TIMEOUT_SECONDS + "s", show(root, "TimeoutStopUSec"));
        final long start = System.nanoTime();
        root.run(STOP_TIMEOUT_SECONDS + 30, "systemctl", "stop", "flowpic");
        final double seconds = (System.nanoTime() - start) / 1e9;
        final long open = LABELS.flows() + RELOAD.flows() + STOP.flows() + STOP_TOO_SMALL.flows() -
            metric(before, "flowpic_blocks_queued_total") - metric(before, "flowpic_blocks_too_small_total");
        System.out.printf("SystemdServiceTest: systemctl stop with %d blocks open (queue size %d) took %.1f s%n",
            open, QUEUE_SIZE, seconds);
        assertTrue(seconds < STOP_TIMEOUT_SECONDS, "stop took " + seconds + " s");
        assertEquals("success", show(root, "Result"));
        assertEquals("0", show(root, "ExecMainStatus"), "flowpic run exits 0 on SIGTERM, not killed (143)");

        final Map<String, Long> counters = stat(root);
        final long qualifying = LABELS.flows() + RELOAD.flows() + STOP.flows();
        final String summary = counters.toString();
        assertEquals(0, counter(counters, "blocks_dropped"), summary);
        assertEquals(qualifying, counter(counters, "journal_records"), summary);
        assertEquals(STOP_TOO_SMALL.flows(), counter(counters, "blocks_too_small"), summary);

        final List<JsonNode> records = journal(root);
        assertEquals(qualifying, records.size(), "journal records");
        final Map<Integer, Integer> perPort = new HashMap<>();
        for (final JsonNode record : records)
        {
            final int port = record.get("src_port").asInt();
            perPort.merge(port, 1, Integer::sum);
            final Traffic phase = STOP.owns(port) ? STOP : RELOAD.owns(port) ? RELOAD : LABELS;
            assertTrue(phase.owns(port), record.toString());
            assertEquals(phase.packetsPerFlow(), record.get("packets").asInt(), record.toString());
            if (phase != LABELS)
            {
                assertEquals(RELOAD_MODEL_ID, record.get("model").asText(), "after the reload: " + record);
            }
        }
        assertEquals(records.size(), perPort.size(), "one record per flow, none twice: " + perPort);
    }

    /** The README's modes: state and logs 0750 flowpic, journal files 0640 (UMask), the config root:flowpic 0640. */
    private static void filesHaveTheDocumentedOwnersAndModes(final SystemdRoot root) throws Exception
    {
        final Map<String, String> expected = new java.util.LinkedHashMap<>();
        expected.put("/var/lib/flowpic", "flowpic:flowpic 750");
        expected.put("/var/lib/flowpic/journal", "flowpic:flowpic 750");
        expected.put("/var/lib/flowpic/cache", "flowpic:flowpic 750");
        expected.put("/var/log/flowpic", "flowpic:flowpic 750");
        expected.put("/etc/flowpic", "root:flowpic 750");
        expected.put(CONFIG, "root:flowpic 640");
        try (Stream<Path> files = Files.list(root.path("/var/lib/flowpic/journal")))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                expected.put("/var/lib/flowpic/journal/" + file.getFileName(), "flowpic:flowpic 640");
            }
        }
        assertTrue(expected.keySet().stream().anyMatch(p -> p.endsWith(".cq4")), "journal files: " + expected);
        final Map<String, String> actual = new java.util.LinkedHashMap<>();
        for (final String path : expected.keySet())
        {
            actual.put(path, root.run(10, "stat", "-c", "%U:%G %a", path).strip());
        }
        assertEquals(expected, actual);
    }

    /**
     * purge of a running sensor stops it (prerm) and deletes the journal, cache, config, logs and enablement, as the
     * README says; the system user stays.
     */
    private static void purgeRemovesTheData(final SystemdRoot root) throws Exception
    {
        assertTrue(Files.isSymbolicLink(root.path("/etc/systemd/system/multi-user.target.wants/flowpic.service")),
            "enabled");
        assertTrue(Files.isDirectory(root.path("/var/log/flowpic")), "LogsDirectory= made /var/log/flowpic");
        assertTrue(Files.isDirectory(root.path("/var/lib/flowpic/journal")));
        root.run(60, "systemctl", "start", "flowpic");
        waitHealthy(root);
        root.run(120, "apt-get", "purge", "-y", "flowpic");
        assertEquals(1, root.exec(10, "pgrep", "-u", "flowpic").exitCode(), "no process of user flowpic is left");
        for (final String path : List.of("/var/lib/flowpic", "/etc/flowpic", "/var/log/flowpic", "/usr/share/flowpic",
            "/usr/bin/flowpic", "/lib/systemd/system/flowpic.service",
            "/etc/systemd/system/multi-user.target.wants/flowpic.service"))
        {
            assertFalse(Files.exists(root.path(path)), path + " is left after apt-get purge");
        }
        assertEquals("not-found", show(root, "LoadState"), "systemd forgot the unit");
        assertTrue(root.exec(10, "getent", "passwd", "flowpic").output().startsWith("flowpic:"),
            "the system user stays (README)");
    }

    private static String show(final SystemdRoot root, final String property) throws Exception
    {
        return root.run(10, "systemctl", "show", "flowpic", "-p", property, "--value").strip();
    }

    private static Map<String, String> procStatus(final SystemdRoot root, final long pid) throws Exception
    {
        final Map<String, String> fields = new HashMap<>();
        for (final String line : root.run(10, "cat", "/proc/" + pid + "/status").split("\n"))
        {
            final int colon = line.indexOf(':');
            if (colon > 0)
            {
                fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return fields;
    }

    private Path write(final SystemdRoot root, final String name, final Traffic traffic) throws IOException
    {
        final CaptureWriter pcap = CaptureWriter.pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET);
        // Flows interleaved round by round, so all of a phase's flows are open at once.
        for (int round = 0; round < traffic.packetsPerFlow(); round++)
        {
            for (int flow = 0; flow < traffic.flows(); flow++)
            {
                final byte[] ip = Packets.ipv4(0xC6120002, 0xC6120001, 17, round, 0, new byte[0],
                    Packets.udp(traffic.firstPort() + flow, 5000, 72 + 8 * round));
                pcap.record(1_700_000_000L, round * 100_000L + flow, Packets.ethernet(0x0800, ip));
            }
        }
        final String inside = "/var/tmp/" + name + ".pcap";
        Files.write(root.path(inside), pcap.bytes());
        return Path.of(inside);
    }

    private static String[] tcpreplay(final Path capture, final Traffic traffic)
    {
        return new String[] {"tcpreplay", "-q", "--pps=" + traffic.packetsPerSecond(), "-i", SEND_IF, capture.toString()};
    }

    private void send(final SystemdRoot root, final String name, final Traffic traffic) throws Exception
    {
        root.run(60, tcpreplay(write(root, name, traffic), traffic));
    }

    private static String metrics(final SystemdRoot root) throws Exception
    {
        final Commands.Result body = root.exec(15, "curl", "-s", "-f", "-m", "10", METRICS + "/metrics");
        if (body.exitCode() != 0)
        {
            throw new AssertionError("no /metrics (curl exit " + body.exitCode() + "); flowpic.service is " +
                root.exec(10, "systemctl", "show", "flowpic", "-p", "ActiveState,SubState,NRestarts,ExecMainStatus")
                    .output());
        }
        return body.output();
    }

    private static String waitForDecoded(final SystemdRoot root, final long packets) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String body = metrics(root);
        while (metric(body, "flowpic_packets_decoded_total") < packets && System.nanoTime() < deadline)
        {
            Thread.sleep(200);
            body = metrics(root);
        }
        return body;
    }

    private static List<JsonNode> waitForRecords(final SystemdRoot root, final Traffic traffic, final int seconds)
        throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<JsonNode> mine = List.of();
        while (System.nanoTime() < deadline)
        {
            mine = journal(root).stream().filter(r -> traffic.owns(r.get("src_port").asInt())).toList();
            if (mine.size() >= traffic.flows())
            {
                break;
            }
            Thread.sleep(1_000);
        }
        return mine;
    }

    /** {@code flowpic journal tail} inside the root, as root, from the installed config. */
    private static List<JsonNode> journal(final SystemdRoot root) throws Exception
    {
        final Commands.Result tail = root.exec(60, "flowpic", "journal", "tail", "--config", CONFIG,
            "--format", "json");
        if (tail.exitCode() != 0 && tail.output().contains("no journal at"))
        {
            return List.of();
        }
        assertEquals(0, tail.exitCode(), tail.output());
        final ObjectMapper json = new ObjectMapper();
        final List<JsonNode> records = new ArrayList<>();
        for (final String line : tail.output().split("\n"))
        {
            if (line.startsWith("{"))
            {
                records.add(json.readTree(line));
            }
        }
        return records;
    }

    /** {@code flowpic stat} inside the root: the counters of the last run, from its counters file. */
    private static Map<String, Long> stat(final SystemdRoot root) throws Exception
    {
        final String out = root.run(60, "flowpic", "stat", "--config", CONFIG);
        assertTrue(out.contains("(not running)"), out);
        final Map<String, Long> counters = new HashMap<>();
        for (final String line : out.split("\n"))
        {
            final String[] fields = line.strip().split("\\s+");
            if (fields.length == 2 && fields[1].matches("[0-9,]+"))
            {
                counters.put(fields[0], Long.parseLong(fields[1].replace(",", "")));
            }
        }
        return counters;
    }

    /** A counter by its short name, whether stat prints it short or under its Prometheus name. */
    private static long counter(final Map<String, Long> counters, final String name)
    {
        final Long value = counters.getOrDefault(name, counters.get("flowpic_" + name + "_total"));
        assertTrue(value != null, "no counter " + name + " in " + counters);
        return value;
    }

    private static long metric(final String body, final String name)
    {
        for (final String line : body.split("\n"))
        {
            if (line.startsWith(name + " "))
            {
                return (long)Double.parseDouble(line.substring(name.length() + 1).strip());
            }
        }
        throw new AssertionError("no " + name + " in\n" + body);
    }

    private static String modelInfo(final String body)
    {
        for (final String line : body.split("\n"))
        {
            if (line.startsWith("flowpic_model_info{model=\""))
            {
                return line.substring("flowpic_model_info{model=\"".length(), line.indexOf("\"}"));
            }
        }
        throw new AssertionError("no flowpic_model_info in\n" + body);
    }
}

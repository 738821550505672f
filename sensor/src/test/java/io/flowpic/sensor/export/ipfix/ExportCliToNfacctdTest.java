package io.flowpic.sensor.export.ipfix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowpic.sensor.cli.Main;
import io.flowpic.sensor.journal.JournalReader;
import io.flowpic.sensor.journal.LabelRecord;
import io.flowpic.sensor.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole way, as an operator runs it: real captures replayed with the default model into a journal, then
 * {@code flowpic export --once} to a real IPFIX collector (nfacctd) and to ECS JSON at once. Every journal
 * record must reach both with its 5-tuple, times, counts and label.
 */
class ExportCliToNfacctdTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void replayedLabelsReachNfacctdAndJsonWhole() throws Exception
    {
        final Path captures = SharedData.ndpiCaptures();
        final String nfacctd = IpfixTools.require("nfacctd", "pmacct");
        final Path journal = dir.resolve("journal");
        // A confidence floor that leaves some blocks "unknown": that label must reach the collector like any other.
        final Path config = dir.resolve("flowpic.yaml");
        Files.writeString(config, "flowpic:\n  min-confidence: 0.5\n");
        final List<String> replay = new ArrayList<>(List.of("replay", "--config", config.toString(), "--model", "default",
            "--journal", journal.toString()));
        for (final String name : new String[] {"443-chrome.pcap", "443-firefox.pcap", "1kxun.pcap", "instagram.pcap",
            "KakaoTalk_talk.pcap", "http_ipv6.pcap"})
        {
            if (Files.exists(captures.resolve(name)))
            {
                replay.add(captures.resolve(name).toString());
            }
        }
        assertEquals(0, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()),
            replay.toArray(new String[0])));
        final List<LabelRecord> records;
        try (JournalReader reader = new JournalReader(journal))
        {
            records = reader.readAll();
        }
        assertTrue(records.size() >= 50, "the replay journaled " + records.size() + " records");
        assertTrue(records.stream().anyMatch(r -> "unknown".equals(r.label)) &&
            records.stream().anyMatch(r -> !"unknown".equals(r.label)), "some records unknown, some labelled");

        final int port = IpfixTools.freeUdpPort();
        final Path primitives = dir.resolve("flowpic.lst");
        Files.writeString(primitives, "name=flowpic_label\tfield_type=32473:4\tlen=vlen\tsemantics=str\n");
        final Path output = dir.resolve("flows.json");
        Files.writeString(dir.resolve("nfacctd.conf"), """
            daemonize: false
            nfacctd_ip: 127.0.0.1
            nfacctd_port: %d
            aggregate_primitives: %s
            plugins: print[flowpic]
            aggregate[flowpic]: src_host, dst_host, src_port, dst_port, proto, timestamp_start, timestamp_end, flowpic_label
            print_output[flowpic]: json
            print_output_file[flowpic]: %s
            print_output_file_append[flowpic]: true
            print_refresh_time[flowpic]: 1
            timestamps_since_epoch: true
            """.formatted(port, primitives, output));
        final Path log = dir.resolve("nfacctd.log");
        final Process collector = IpfixTools.start(dir, log, nfacctd, "-f", dir.resolve("nfacctd.conf").toString());
        final Path json = dir.resolve("labels.ndjson");
        final Map<String, long[]> received = new HashMap<>();
        try
        {
            IpfixTools.awaitLog(log, "Purging cache - END", 20_000, collector);
            final StringWriter err = new StringWriter();
            assertEquals(0, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "export",
                "--journal", journal.toString(), "--to", "ipfix:udp://127.0.0.1:" + port, "--to", "json:" + json,
                "--once"), err.toString());
            final long deadline = System.nanoTime() + 15_000_000_000L;
            while (total(received) < records.size() && System.nanoTime() - deadline < 0)
            {
                Thread.sleep(200);
                received.clear();
                if (Files.exists(output))
                {
                    for (final String line : Files.readAllLines(output, StandardCharsets.UTF_8))
                    {
                        if (!line.isBlank())
                        {
                            final JsonNode f = JSON.readTree(line);
                            final String key = ip(f.get("ip_src").asText()) + "|" + f.get("port_src").asInt() + "|" +
                                ip(f.get("ip_dst").asText()) + "|" + f.get("port_dst").asInt() + "|" +
                                f.get("ip_proto").asText() + "|" + f.get("timestamp_start").asText() + "|" +
                                f.get("timestamp_end").asText() + "|" + f.get("flowpic_label").asText();
                            // nfacctd aggregates equal keys: keep flows and packets summed, and the count of flows.
                            final long[] sums = received.computeIfAbsent(key, k -> new long[3]);
                            sums[0] += f.get("packets").asLong();
                            sums[1] += f.get("bytes").asLong();
                            sums[2] += f.has("flows") ? f.get("flows").asLong() : 1;
                        }
                    }
                }
            }
        }
        finally
        {
            IpfixTools.interrupt(collector);
        }
        final Map<String, long[]> expected = new HashMap<>();
        for (final LabelRecord r : records)
        {
            final long start = r.startNanos / 1_000_000;
            final long end = r.endNanos / 1_000_000;
            final String key = ip(r.srcIp()) + "|" + r.srcPort + "|" + ip(r.dstIp()) + "|" + r.dstPort + "|" +
                (r.protocol == 6 ? "tcp" : "udp") + "|" + String.format(java.util.Locale.ROOT, "%d.%06d", start / 1000,
                start % 1000 * 1000) + "|" + String.format(java.util.Locale.ROOT, "%d.%06d", end / 1000,
                end % 1000 * 1000) + "|" + r.label;
            final long[] sums = expected.computeIfAbsent(key, k -> new long[3]);
            sums[0] += r.packets;
            sums[1] += r.bytes;
            sums[2]++;
        }
        assertEquals(expected.keySet(), received.keySet(), "records at nfacctd; log:\n" + Files.readString(log));
        for (final Map.Entry<String, long[]> e : expected.entrySet())
        {
            assertEquals(e.getValue()[0], received.get(e.getKey())[0], "packets of " + e.getKey());
            assertEquals(e.getValue()[1], received.get(e.getKey())[1], "bytes of " + e.getKey());
        }
        assertEquals(records.size(), Files.readAllLines(json).size(), "ECS documents");
    }

    /** One text form per address: nfacctd writes IPv6 compressed, Java in full. */
    private static String ip(final String text) throws java.net.UnknownHostException
    {
        return java.net.InetAddress.getByName(text).getHostAddress();
    }

    private static long total(final Map<String, long[]> received)
    {
        return received.values().stream().mapToLong(v -> v[2]).sum();
    }
}

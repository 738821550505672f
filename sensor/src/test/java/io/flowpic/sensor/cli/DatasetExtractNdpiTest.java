package io.flowpic.sensor.cli;

import io.flowpic.inference.dataset.FlowCsvReader;
import io.flowpic.inference.dataset.FlowCsvWriter;
import io.flowpic.inference.dataset.FlowSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code dataset extract --label-with ndpi} on real captures with the real ndpiReader: the sessions in each class
 * file are exactly the sessions (of a plain extract) whose 5-tuple, in either direction, ndpiReader recognised by
 * DPI as a protocol the map gives that class. The expectation comes from ndpiReader's listing parsed here with a
 * regex of its own and a hand-written table of what the shipped map means for the names in these captures.
 */
class DatasetExtractNdpiTest
{
    /** KakaoTalk voice (RTP, KakaoTalk_Voice) and chat (TLS), 1kxun web (HTTP by DPI and by port), FTP, BitTorrent. */
    private static final List<String> CAPTURES = List.of("KakaoTalk_talk.pcap", "1kxun.pcap", "ftp.pcap", "bittorrent.pcap");
    private static final Pattern FLOW = Pattern.compile("^\\t\\d+\\t(TCP|UDP) (\\S+) <?-> (\\S+) \\[proto: (?:[^/\\]]*/)?" +
        "([^\\]]+)\\]\\[(?:ClearText|Encrypted)\\]\\[Confidence: ([^\\]]+)\\](?:\\[cat: ([^\\]]+)/\\d+\\])?");

    @TempDir
    static Path dir;
    static List<Path> captures;
    static String ndpiReader;
    /** Every nDPI flow of the captures as ndpiReader listed it. */
    static List<Flow> flows;

    record Flow(String pcap, String proto, String a, String b, String name, String confidence, String category)
    {
        Set<String> keys()
        {
            return Set.of(key(pcap, proto, a, b), key(pcap, proto, b, a));
        }
    }

    @BeforeAll
    static void runNdpiReader() throws Exception
    {
        final String property = System.getProperty("flowpic.shared");
        final Path shared = Path.of(property != null ? property : "../shared").resolve("data/pcap/ndpi");
        ndpiReader = onPath("ndpiReader");
        if (!Files.isDirectory(shared) || ndpiReader == null)
        {
            return; // the tests that need them skip, naming what is missing
        }
        captures = CAPTURES.stream().map(shared::resolve).toList();
        flows = new ArrayList<>();
        for (final Path capture : captures)
        {
            final Path listing = dir.resolve(capture.getFileName() + ".flows");
            final Process p = new ProcessBuilder(ndpiReader, "-q", "-I", "-t", "-v", "2", "-i", capture.toString(), "-w",
                listing.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("ndpi.out").toFile()).start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ndpiReader on " + capture);
            assertEquals(0, p.exitValue(), "ndpiReader on " + capture);
            for (final String line : Files.readAllLines(listing, StandardCharsets.ISO_8859_1))
            {
                final Matcher m = FLOW.matcher(line);
                if (m.find())
                {
                    flows.add(new Flow(capture.getFileName().toString(), m.group(1), endpoint(m.group(2)),
                        endpoint(m.group(3)), m.group(4), m.group(5), m.group(6) == null ? "" : m.group(6)));
                }
            }
        }
    }

    static void assumeToolsAndData()
    {
        assumeTrue(ndpiReader != null, "skipped: ndpiReader not installed (apt-get install libndpi-bin)");
        assumeTrue(captures != null, "skipped: shared captures not found (../shared/data/pcap/ndpi)");
    }

    /** What the shipped map means for the DPI verdicts in these captures, written out by hand. */
    static String expectedClass(final Flow f)
    {
        if (!f.confidence().equals("DPI"))
        {
            return null;
        }
        switch (f.name())
        {
            case "RTP", "KakaoTalk_Voice":
                return "voip";
            case "TLS.KakaoTalk":
                return "chat";
            case "FTP_DATA":
                return "file_transfer";
            default:
                break;
        }
        final boolean web = f.name().equals("HTTP") || f.name().startsWith("HTTP.") || f.name().equals("TLS") ||
            f.name().startsWith("TLS.");
        return web && !f.name().equals("HTTP.QQ") && f.category().equals("Web") ? "browsing" : null;
    }

    /** The names the table above was written for: a new one (another nDPI version) must be looked at first. */
    private static final Set<String> KNOWN_DPI_NAMES = Set.of("RTP", "KakaoTalk_Voice", "TLS.KakaoTalk", "FTP_DATA",
        "FTP_CONTROL", "HTTP", "HTTP.Google", "HTTP.GoogleServices", "HTTP.AmazonAWS", "HTTP.QQ", "TLS", "TLS.Facebook",
        "DNS", "DNS.Facebook", "DNS.Google", "DNS.QQ", "DHCP", "DHCPV6", "LLMNR", "MDNS", "NTP", "NetBIOS",
        "NetBIOS.SMBv1", "SSDP");

    @Test
    void sessionsLandInTheClassTheMapGivesNdpisDpiVerdictBothDirections() throws Exception
    {
        assumeToolsAndData();
        final Set<String> unknownNames = new TreeSet<>();
        flows.stream().filter(f -> f.confidence().equals("DPI") && !KNOWN_DPI_NAMES.contains(f.name()))
            .forEach(f -> unknownNames.add(f.name()));
        assertTrue(unknownNames.isEmpty(), "DPI names the expectation table does not cover: " + unknownNames);

        final Path all = dir.resolve("all/all.csv");
        final ToolsCommandsTest.Run plain = extract("--out", all.toString(), "--min-packets", "1");
        assertEquals(0, plain.code(), plain.err());
        final Path out = dir.resolve("ndpi/lab.csv.gz");
        final ToolsCommandsTest.Run r = extract("--out", out.toString(), "--min-packets", "1", "--label-with", "ndpi");
        assertEquals(0, r.code(), r.err() + r.out());

        // tuple key -> expected class; tuples listed twice with different outcomes get none.
        final Map<String, String> byKey = new HashMap<>();
        final Set<String> conflicting = new HashSet<>();
        for (final Flow f : flows)
        {
            for (final String key : f.keys())
            {
                final String label = String.valueOf(expectedClass(f));
                final String before = byKey.putIfAbsent(key, label);
                if (before != null && !before.equals(label))
                {
                    conflicting.add(key);
                }
            }
        }
        final Map<String, Set<String>> expected = new TreeMap<>();
        int reversed = 0;
        for (final FlowSession s : FlowCsvReader.readAll(all, false))
        {
            final String key = key(s);
            final String label = byKey.get(key);
            if (label != null && !label.equals("null") && !conflicting.contains(key))
            {
                expected.computeIfAbsent(label, l -> new TreeSet<>()).add(identity(s));
            }
        }
        assertEquals(Set.of("voip", "chat", "browsing", "file_transfer"), expected.keySet(), expected.toString());
        final Map<String, Set<String>> written = new TreeMap<>();
        for (final String label : List.of("voip", "video", "chat", "browsing", "file_transfer"))
        {
            final Path file = dir.resolve("ndpi/lab-" + label + ".csv.gz");
            if (Files.exists(file))
            {
                // Reading back with the reader train and evaluate use is what makes the files usable for training.
                for (final FlowSession s : FlowCsvReader.readAll(file, false))
                {
                    written.computeIfAbsent(label, l -> new TreeSet<>()).add(identity(s));
                }
            }
        }
        assertEquals(expected, written);

        // Both directions of a flow: some voip flow has sessions both ways.
        final Set<String> voipTuples = new HashSet<>();
        for (final String id : written.get("voip"))
        {
            voipTuples.add(id.substring(0, id.lastIndexOf('@')));
        }
        for (final String t : voipTuples)
        {
            final String[] p = t.split(" ");
            if (voipTuples.contains(key(p[0], p[1], p[3], p[2])))
            {
                reversed++;
            }
        }
        assertTrue(reversed >= 2, "no voip flow written in both directions: " + voipTuples);

        // Guessed verdicts are left out, even of names whose DPI verdicts are kept (HTTP by port, TLS.Google by IP).
        final Set<String> guessed = new HashSet<>();
        flows.stream().filter(f -> !f.confidence().equals("DPI") && !f.confidence().equals("Unknown"))
            .forEach(f -> guessed.addAll(f.keys()));
        assertTrue(guessed.size() >= 20, "too few guessed flows to check: " + guessed.size());
        for (final Set<String> ids : written.values())
        {
            for (final String id : ids)
            {
                assertFalse(guessed.contains(id.substring(0, id.lastIndexOf('@'))), "guessed verdict written: " + id);
            }
        }

        // The summary counts every name's flows by fate, as ndpiReader listed them.
        for (final String name : List.of("HTTP", "TLS", "BitTorrent", "NetBIOS.SMBv1", "Unknown", "RTP"))
        {
            final List<Flow> named = flows.stream().filter(f -> f.name().equals(name)).toList();
            final long notDpi = named.stream().filter(f -> !f.confidence().equals("DPI")).count();
            final long kept = named.stream().filter(f -> expectedClass(f) != null).count();
            final String line = summaryLine(r.out(), name);
            assertTrue(line.startsWith("  " + name + ": " + named.size() + " flows, kept " + kept + (kept > 0 ? " (" : ",")),
                line);
            assertTrue(line.contains("confidence not kept " + notDpi + ","), line);
        }
        // HTTP flows nDPI recognised on hosts of other categories (Streaming, Media) are counted as unmapped.
        final long httpUnmapped = flows.stream().filter(f -> f.name().equals("HTTP") && f.confidence().equals("DPI") &&
            !f.category().equals("Web")).count();
        assertTrue(httpUnmapped > 0);
        assertTrue(summaryLine(r.out(), "HTTP").contains("unmapped " + httpUnmapped + ","), r.out());
        assertTrue(summaryLine(r.out(), "DNS.Google").contains("dropped by map 3"), r.out());
    }

    @Test
    void ownMapKeepsCachedVerdictsWhenAskedAndCountsUnmappedNames() throws Exception
    {
        assumeToolsAndData();
        final Path map = dir.resolve("own-map.yaml");
        Files.writeString(map, String.join("\n",
            "classes: [voip, file_transfer]",
            "confidence: [DPI, DPI (cache)]",
            "rules:",
            "  - {protocol: rtp, transport: UDP, class: voip}",
            "  - {protocol: Bit*, class: file_transfer}",
            ""));
        final Path out = dir.resolve("own/lab.csv");
        final ToolsCommandsTest.Run r = extract("--out", out.toString(), "--min-packets", "1", "--label-with", "ndpi",
            "--ndpi-map", map.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        try (var files = Files.list(dir.resolve("own")))
        {
            assertEquals(List.of("lab-file_transfer.csv", "lab-voip.csv"),
                files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        final Set<String> bittorrent = new HashSet<>();
        flows.stream().filter(f -> f.name().equals("BitTorrent") && f.confidence().equals("DPI (cache)"))
            .forEach(f -> bittorrent.addAll(f.keys()));
        assertFalse(bittorrent.isEmpty());
        final List<FlowSession> transfers = FlowCsvReader.readAll(dir.resolve("own/lab-file_transfer.csv"), false);
        assertFalse(transfers.isEmpty());
        transfers.forEach(s -> assertTrue(bittorrent.contains(key(s)), s.toString()));
        final long kakao = flows.stream().filter(f -> f.name().equals("TLS.KakaoTalk") && f.confidence().equals("DPI")).count();
        assertTrue(kakao > 0);
        assertEquals("  TLS.KakaoTalk: " + kakao + " flows, kept 0, confidence not kept 0, unmapped " + kakao + ", dropped by map 0",
            summaryLine(r.out(), "TLS.KakaoTalk"));
        assertTrue(r.out().contains("map: " + map), r.out());
    }

    @Test
    void aBadMapFailsBeforeAnythingIsWrittenNamingTheFileAndKey() throws Exception
    {
        final Path capture = dir.resolve("none.pcap"); // never read: the map is checked first
        final String[][] cases = {
            {"classes: [voip]\nconfidence: [DPI]\nrules:\n  - {protocol: RTP, class: voip}\n  - {protocol: YouTube, class: vidoe}\n",
                "rules[2].class", "vidoe"},
            {"classes: [voip]\nconfidence: [DPI]\nrules:\n  - {protocol: RTP, proto: UDP, class: voip}\n", "rules[1].proto"},
            {"classes: [voip]\nconfidence: [DPI, Match by ports]\nrules:\n  - {protocol: RTP, class: voip}\n", "confidence",
                "Match by ports"},
            {"classes: [voip]\nconfidence: [DPI]\nrules:\n  - {transport: UDP, class: voip}\n", "rules[1]", "'protocol' or 'category'"},
            {"classes: [voip]\nconfidence: [DPI]\nrules:\n  - {protocol: RTP, transport: SCTP, class: voip}\n", "rules[1].transport"},
            {"classes: [voip]\nclasses: [chat]\nconfidence: [DPI]\nrules: []\n", "classes"},
            {"classes: [voip]\nconfidence: [DPI]\n", "rules"},
            {"classes: [voip\n", "not valid YAML"},
        };
        int i = 0;
        for (final String[] c : cases)
        {
            final Path map = dir.resolve("bad-" + (++i) + ".yaml");
            Files.writeString(map, c[0]);
            final Path out = dir.resolve("bad/out.csv");
            final ToolsCommandsTest.Run r = extract(List.of(capture), "--out", out.toString(), "--label-with", "ndpi",
                "--ndpi-map", map.toString());
            assertEquals(ExitCodes.CONFIG_ERROR, r.code(), c[0] + r.err());
            for (int k = 1; k < c.length; k++)
            {
                assertTrue(r.err().contains(map.toString()) && r.err().contains(c[k]), "case " + i + ": " + r.err());
            }
            assertFalse(Files.exists(dir.resolve("bad")), "case " + i + " wrote output");
        }
        final ToolsCommandsTest.Run missing = extract(List.of(capture), "--out", dir.resolve("bad/out.csv").toString(),
            "--label-with", "ndpi", "--ndpi-map", dir.resolve("absent.yaml").toString());
        assertEquals(ExitCodes.CONFIG_ERROR, missing.code());
        assertTrue(missing.err().contains("absent.yaml: no such file"), missing.err());
    }

    @Test
    void aMissingNdpiReaderNamesTheDebianPackage()
    {
        final Path capture = dir.resolve("none.pcap");
        for (final String command : List.of("/nonexistent/ndpiReader", "ndpiReader-not-installed"))
        {
            final ToolsCommandsTest.Run r = extract(List.of(capture), "--out", dir.resolve("nondpi/out.csv").toString(),
                "--label-with", "ndpi", "--ndpi-reader", command);
            assertEquals(ExitCodes.CONFIG_ERROR, r.code(), r.err());
            assertTrue(r.err().contains(command) && r.err().contains("apt-get install libndpi-bin"), r.err());
            assertFalse(Files.exists(dir.resolve("nondpi")));
        }
        final ToolsCommandsTest.Run other = extract(List.of(capture), "--out", dir.resolve("x.csv").toString(),
            "--label-with", "zeek");
        assertEquals(ExitCodes.USAGE, other.code(), other.err());
        assertTrue(other.err().contains("--label-with") && other.err().contains("ndpi"), other.err());
    }

    @Test
    void aFileThatIsNotACaptureIsReportedAndTheOthersLabelled() throws Exception
    {
        assumeToolsAndData();
        final Path text = dir.resolve("notes.pcap");
        Files.writeString(text, "not a capture\n");
        // ndpiReader -i takes a comma as a list separator; the capture still gets its own verdicts.
        final Path comma = Files.createSymbolicLink(dir.resolve("kakao,talk.pcap"), captures.get(0));
        final Path out = dir.resolve("mixed/lab.csv");
        final ToolsCommandsTest.Run r = extract(List.of(text, comma), "--out", out.toString(), "--min-packets",
            "1", "--label-with", "ndpi");
        assertEquals(ExitCodes.INPUT_ERROR, r.code(), r.err());
        assertTrue(r.err().contains("not a capture: " + text), r.err());
        final List<FlowSession> voip = FlowCsvReader.readAll(dir.resolve("mixed/lab-voip.csv"), false);
        assertEquals(8, voip.size(), r.out()); // KakaoTalk_talk.pcap: 4 voice flows, both directions
        assertEquals("kakao_talk.pcap", voip.get(0).pcapName());

        // An ndpiReader that fails on a capture: that capture is skipped and named with the exit code, nothing written.
        final ToolsCommandsTest.Run failing = extract(List.of(captures.get(0)), "--out",
            dir.resolve("failing/lab.csv").toString(), "--label-with", "ndpi", "--ndpi-reader", "/bin/false");
        assertEquals(ExitCodes.INPUT_ERROR, failing.code(), failing.err());
        assertTrue(failing.err().contains("ndpiReader failed: " + captures.get(0) + ": ndpiReader exited with 1"),
            failing.err());
        assertFalse(Files.exists(dir.resolve("failing")));
    }

    /**
     * Every third shared capture by name (one ndpiReader run each, about a minute for all 255; -Dflowpic.ndpi.every=1
     * takes all): ndpiReader fails on none, and all but 2 % of sessions find their nDPI flow (the join works across link
     * types, VLANs, IPv6 and GTP tunnels; on all 255: 5 of 948 sessions found none).
     */
    @Test
    void everySharedCaptureIsLabelledAndSessionsFindTheirNdpiFlow() throws Exception
    {
        assumeToolsAndData();
        final List<Path> all;
        try (var list = Files.list(captures.get(0).getParent()))
        {
            all = list.filter(p -> p.toString().matches(".*\\.(pcap|pcapng|cap)$")).sorted().toList();
        }
        final int step = Integer.parseInt(System.getProperty("flowpic.ndpi.every", "3"));
        final List<Path> chosen = new ArrayList<>();
        for (int i = 0; i < all.size(); i += step)
        {
            chosen.add(all.get(i));
        }
        final ToolsCommandsTest.Run r = extract(chosen, "--out", dir.resolve("every/lab.csv").toString(),
            "--label-with", "ndpi");
        assertEquals(0, r.code(), r.err());
        assertFalse(r.err().contains("ndpiReader failed"), r.err());
        final Matcher m = Pattern.compile("sessions without a class (\\d+): no nDPI flow (\\d+),").matcher(r.out());
        assertTrue(m.find(), r.out());
        final Matcher w = Pattern.compile("sessions written (\\d+),").matcher(r.out());
        assertTrue(w.find(), r.out());
        final long sessions = Long.parseLong(w.group(1)) + Long.parseLong(m.group(1));
        final long withoutFlow = Long.parseLong(m.group(2));
        System.out.println("label-with ndpi: " + chosen.size() + " captures, " + sessions + " sessions, " + withoutFlow +
            " without an nDPI flow");
        assertTrue(sessions > 100 / step, r.out());
        // Known: 4 sessions of ip_fragmented_garbage.pcap (fragments FlowPic attributes) and CAPWAP data in
        // capwap.pcap (ndpiReader opens the tunnel, FlowPic does not): 1 % of every third capture, 0.5 % of all.
        assertTrue(withoutFlow * 50 <= sessions, withoutFlow + " of " + sessions + " sessions found no nDPI flow");
    }

    private static ToolsCommandsTest.Run extract(final String... options)
    {
        return extract(captures, options);
    }

    private static ToolsCommandsTest.Run extract(final List<Path> files, final String... options)
    {
        final List<String> args = new ArrayList<>(List.of("dataset", "extract"));
        args.addAll(List.of(options));
        files.forEach(f -> args.add(f.toString()));
        return ToolsCommandsTest.run(args.toArray(String[]::new));
    }

    private static String summaryLine(final String out, final String name)
    {
        return out.lines().filter(l -> l.startsWith("  " + name + ": ")).findFirst().orElse("(no line for " + name + ")");
    }

    /** "pcap proto a b" with endpoints as "address:port", addresses in Java's canonical text. */
    static String key(final String pcap, final String proto, final String a, final String b)
    {
        return pcap + " " + proto + " " + a + " " + b;
    }

    static String key(final FlowSession s)
    {
        return key(s.pcapName(), s.protocol() == FlowSession.TCP ? "TCP" : "UDP",
            endpoint(FlowCsvWriter.address(s.ipVersion(), s.srcHi(), s.srcLo()) + ":" + s.srcPort()),
            endpoint(FlowCsvWriter.address(s.ipVersion(), s.dstHi(), s.dstLo()) + ":" + s.dstPort()));
    }

    static String identity(final FlowSession s)
    {
        return key(s) + "@" + s.startNanos();
    }

    /** "1.2.3.4:80" or "[2001:db8::1]:80" (or an IPv6 address and port without brackets) → canonical form. */
    static String endpoint(final String text)
    {
        final int colon = text.lastIndexOf(':');
        String address = text.substring(0, colon);
        if (address.startsWith("["))
        {
            address = address.substring(1, address.length() - 1);
        }
        try
        {
            return InetAddress.getByName(address).getHostAddress() + ":" + text.substring(colon + 1);
        }
        catch (final java.net.UnknownHostException e)
        {
            throw new IllegalArgumentException(text, e);
        }
    }

    private static String onPath(final String command)
    {
        for (final String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, command)))
            {
                return Path.of(d, command).toString();
            }
        }
        return null;
    }
}

package io.flowpic.sensor.export;

import io.flowpic.sensor.testing.SharedData;
import io.flowpic.sensor.testing.Shell;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CommunityIdTest
{
    /** The Community ID spec's published examples (also in Suricata's and Elastic's documentation). */
    @Test
    void publishedVectors() throws Exception
    {
        final CommunityId id = new CommunityId(0);
        assertEquals("1:LQU9qZlK+B5F3KDmev6m5PMibrg=", of(id, "128.232.110.120", 34855, "66.35.250.204", 80, 6));
        assertEquals("1:LQU9qZlK+B5F3KDmev6m5PMibrg=", of(id, "66.35.250.204", 80, "128.232.110.120", 34855, 6));
        assertEquals("1:d/FP5EW3wiY1vCndhwleRRKHowQ=", of(id, "192.168.1.52", 54585, "8.8.8.8", 53, 17));
        assertEquals("1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=",
            of(id, "2001:470:e5bf:dead:4957:2174:e82c:4887", 63943, "2607:f8b0:400c:c03::1a", 25, 6));
        assertEquals("1:jQgCxbku+pNGw8WPbEc/TS/uTpQ=", of(id, "192.168.170.56", 80, "192.168.170.8", 7, 132));
    }

    @Test
    void seedOutOfRangeIsRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> new CommunityId(65536));
        assertThrows(IllegalArgumentException.class, () -> new CommunityId(-1));
    }

    /**
     * Wireshark's own Community ID post-dissector on real captures, seed 0 and another seed: every TCP/UDP packet
     * of plain IPv4/IPv6 (no tunnel, so both tools hash the same header) must get the same ID from us.
     */
    @Test
    void agreesWithTsharkOnRealCaptures() throws Exception
    {
        final Path captures = SharedData.ndpiCaptures();
        assumeTrue(Shell.available("tshark", "--version"), "skipped: tshark not installed (apt-get install tshark)");
        final List<String> files = List.of("443-chrome.pcap", "443-firefox.pcap", "dns-tunnel-iodine.pcap",
            "gquic.pcap", "http_ipv6.pcap", "custom_rules_ipv6.pcapng", "lru_ipv6_caches.pcapng", "dns_doh.pcap", "1kxun.pcap");
        int compared = 0;
        int comparedV6 = 0;
        for (final int seed : new int[] {0, 4242})
        {
            final CommunityId id = new CommunityId(seed);
            for (final String name : files)
            {
                final Path file = captures.resolve(name);
                if (!Files.exists(file))
                {
                    continue;
                }
                final String out = Shell.run(120, "tshark", "-r", file.toString(), "--enable-protocol", "communityid",
                    "-o", "communityid.seed:" + seed, "-Y", "(tcp or udp) and not (gtp or vxlan or gre or ip.proto == 4 or ip.proto == 41)",
                    "-T", "fields", "-E", "separator=|", "-e", "ip.src", "-e", "ipv6.src", "-e", "ip.dst", "-e", "ipv6.dst",
                    "-e", "ip.proto", "-e", "ipv6.nxt", "-e", "tcp.srcport", "-e", "udp.srcport", "-e", "tcp.dstport",
                    "-e", "udp.dstport", "-e", "communityid");
                for (final String line : out.split("\n"))
                {
                    final String[] f = line.split("\\|", -1);
                    if (f.length != 11 || f[10].isEmpty() || f[0].contains(",") || f[1].contains(",") || line.contains("Running as"))
                    {
                        continue;
                    }
                    final boolean v4 = !f[0].isEmpty();
                    final String src = v4 ? f[0] : f[1];
                    final String dst = v4 ? f[2] : f[3];
                    final int proto = Integer.parseInt(v4 ? f[4] : lastOf(f[5]));
                    final int sport = Integer.parseInt(!f[6].isEmpty() ? f[6] : f[7]);
                    final int dport = Integer.parseInt(!f[8].isEmpty() ? f[8] : f[9]);
                    assertEquals(f[10], of(id, src, sport, dst, dport, proto),
                        name + " seed " + seed + ": " + line);
                    compared++;
                    comparedV6 += v4 ? 0 : 1;
                }
            }
        }
        assertTrue(compared > 1000, "too few packets compared with tshark: " + compared);
        assertTrue(comparedV6 > 100, "too few IPv6 packets compared with tshark: " + comparedV6);
    }

    private static String lastOf(final String commaList)
    {
        final String[] parts = commaList.split(",");
        return parts[parts.length - 1];
    }

    static String of(final CommunityId id, final String src, final int sport, final String dst, final int dport,
        final int proto) throws Exception
    {
        final byte[] s = InetAddress.getByName(src).getAddress();
        final byte[] d = InetAddress.getByName(dst).getAddress();
        return id.of(s.length, s, d, proto, sport, dport);
    }
}

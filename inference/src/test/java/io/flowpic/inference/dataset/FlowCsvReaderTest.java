package io.flowpic.inference.dataset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowCsvReaderTest
{
    static final String V4_ROW =
        "capA/x.pcap@1,10.0.2.15,33122,157.240.0.60,443,TCP,1691756152.630482,3,0.000000,2.606145,20.5,,60,1500,1600";
    static final String V6_ROW =
        "capB/y.pcap,2001:db8::1,5060,fe80::a:b:c:d,5061,UDP,1700000000.000001,2,0.0,0.25,,200,1240";

    @TempDir
    Path dir;

    private Path write(final String name, final String text, final boolean gzip) throws IOException
    {
        final Path file = dir.resolve(name);
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file))
        {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    @Test
    void parsesTheExactFormatPlain() throws Exception
    {
        final List<FlowSession> sessions = FlowCsvReader.readAll(write("a.csv", V4_ROW + "\n" + V6_ROW + "\n", false), false);
        assertEquals(2, sessions.size());
        final FlowSession s = sessions.get(0);
        assertEquals("capA/x.pcap@1", s.pcapName());
        assertEquals("capA", s.source());
        assertEquals(4, s.ipVersion());
        assertEquals(0L, s.srcHi());
        assertEquals((10L << 24) | (0 << 16) | (2 << 8) | 15, s.srcLo());
        assertEquals((157L << 24) | (240L << 16) | (0 << 8) | 60, s.dstLo());
        assertEquals(33122, s.srcPort());
        assertEquals(443, s.dstPort());
        assertEquals(FlowSession.TCP, s.protocol());
        assertEquals(1691756152_630482000L, s.startNanos(), "start time parsed exactly, not through a double");
        assertArrayEquals(new long[] {0L, 2_606_145_000L, 20_500_000_000L}, s.offsetNanos());
        assertArrayEquals(new int[] {60, 1500, 1600}, s.sizes());
        assertEquals(1691756152_630482000L + 20_500_000_000L, s.timestampNanos(2));
    }

    @Test
    void parsesIpv6AndGzipDetectedByMagicNotName() throws Exception
    {
        // Named .csv but gzip inside; the other is named .gz but plain.
        final Path gz = write("looks-plain.csv", V6_ROW + "\r\n\n", true);
        final Path plain = write("looks-gzip.csv.gz", V6_ROW, false);
        for (final Path file : List.of(gz, plain))
        {
            final List<FlowSession> sessions = FlowCsvReader.readAll(file, false);
            assertEquals(1, sessions.size(), file.toString());
            final FlowSession s = sessions.get(0);
            assertEquals(6, s.ipVersion());
            assertEquals(0x20010db800000000L, s.srcHi());
            assertEquals(1L, s.srcLo());
            assertEquals(0xfe80000000000000L, s.dstHi());
            assertEquals(0x000a000b000c000dL, s.dstLo());
            assertEquals(FlowSession.UDP, s.protocol());
            assertEquals(1700000000_000001000L, s.startNanos());
            assertArrayEquals(new long[] {0L, 250_000_000L}, s.offsetNanos());
            assertArrayEquals(new int[] {200, 1240}, s.sizes());
        }
    }

    @Test
    void ipTextHandlesLiteralFormsWithoutDns()
    {
        assertEquals(new IpText.Address(6, 0L, 0L), IpText.parse("::"));
        assertEquals(new IpText.Address(6, 0L, 1L), IpText.parse("::1"));
        assertEquals(new IpText.Address(6, 0L, 0x0000ffffc0a80001L), IpText.parse("::ffff:192.168.0.1"));
        assertEquals(new IpText.Address(6, 0x2001_0db8_0000_0000L, 0x0000_0000_0000_0000L), IpText.parse("2001:db8::"));
        assertEquals(new IpText.Address(6, 0x0001_0002_0003_0004L, 0x0005_0006_0007_0008L), IpText.parse("1:2:3:4:5:6:7:8"));
        assertEquals(new IpText.Address(4, 0L, 0xFFFFFFFFL), IpText.parse("255.255.255.255"));
        for (final String bad : List.of("example.com", "1.2.3", "1.2.3.256", "1.2.3.4.5", "1::2::3", ":1", "1:", "12345::",
            "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "g::1", "1.2.3.4:80"))
        {
            assertThrows(IllegalArgumentException.class, () -> IpText.parse(bad), bad);
        }
    }

    private FlowCsvException malformed(final String row)
    {
        final String text = V4_ROW + "\n" + row + "\n" + V6_ROW + "\n";
        return assertThrows(FlowCsvException.class, () -> FlowCsvReader.readAll(write("bad.csv", text, false), false));
    }

    private static void assertNames(final FlowCsvException e, final String... fragments)
    {
        assertTrue(e.getMessage().contains("bad.csv:2:"), "file and line: " + e.getMessage());
        assertEquals(2, e.line());
        for (final String fragment : fragments)
        {
            assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' in: " + e.getMessage());
        }
    }

    @Test
    void malformedRowsNameFileLineAndProblem()
    {
        // length says 4 but there are 3 timestamps and 3 sizes
        assertNames(malformed(V4_ROW.replace(",3,0.000000", ",4,0.000000")), "length 4 needs 17 fields", "found 15");
        // the empty separator field is missing
        assertNames(malformed(V4_ROW.replace("20.5,,60", "20.5,60")), "missing the empty field");
        // the empty field is in the wrong place (count right, separator not empty)
        assertNames(malformed(V4_ROW.replace("2.606145,20.5,,60", "2.606145,,20.5,60")), "field 12 must be the empty field");
        assertNames(malformed(V4_ROW.replace("2.606145", "2.6x")), "ts_2", "not a number");
        assertNames(malformed(V4_ROW.replace(",1500,", ",15.5,")), "size_2", "not an integer");
        assertNames(malformed(V4_ROW.replace(",1500,", ",-1,")), "size_2", "out of range");
        assertNames(malformed(V4_ROW.replace(",TCP,", ",ICMP,")), "proto", "TCP or UDP", "ICMP");
        assertNames(malformed(V4_ROW.replace(",1691756152.630482,", ",yesterday,")), "start_time");
        assertNames(malformed(V4_ROW.replace(",33122,", ",70000,")), "port_src", "out of range");
        assertNames(malformed(V4_ROW.replace("10.0.2.15", "host.example")), "ip_src");
        assertNames(malformed(V4_ROW.replace("157.240.0.60", "::1")), "IPv4", "IPv6");
        assertNames(malformed(V4_ROW.replace(",3,0.000000", ",three,0.000000")), "length (field 8)");
        assertNames(malformed("capA,10.0.0.1,1,10.0.0.2"), "at least 9 fields");
    }

    @Test
    void startTimeExponentsAreBoundedNotComputed() throws Exception
    {
        // Found while adding the fuzz tests: a huge exponent used to cost minutes of BigInteger arithmetic per row.
        assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
        {
            assertNames(malformed(V4_ROW.replace(",1691756152.630482,", ",1e999999999,")), "start_time");
            assertNames(malformed(V4_ROW.replace(",1691756152.630482,", ",1E+2147483647,")), "start_time");
            assertNames(malformed(V4_ROW.replace(",1691756152.630482,", ",99999999999,")), "start_time");
            final String tiny = V4_ROW.replace(",1691756152.630482,", ",1e-999999999,");
            assertEquals(0L, FlowCsvReader.readAll(write("tiny.csv", tiny + "\n", false), false).get(0).startNanos());
            final String zero = V4_ROW.replace(",1691756152.630482,", ",0e-2147483647,");
            assertEquals(0L, FlowCsvReader.readAll(write("zero.csv", zero + "\n", false), false).get(0).startNanos());
            final String max = V4_ROW.replace(",1691756152.630482,", ",9223372036.854775807,");
            assertEquals(Long.MAX_VALUE, FlowCsvReader.readAll(write("max.csv", max + "\n", false), false).get(0).startNanos());
            assertNames(malformed(V4_ROW.replace(",1691756152.630482,", ",9223372036.854775808,")), "start_time");
        });
    }

    @Test
    void skipModeCountsAndSkipsBadRows() throws Exception
    {
        final String text = "bad,row\n" + V4_ROW + "\n" + V4_ROW.replace(",TCP,", ",SCTP,") + "\n" + V6_ROW + "\n";
        try (FlowCsvReader reader = FlowCsvReader.open(write("mixed.csv", text, true), true))
        {
            assertEquals(4, reader.next().ipVersion());
            assertEquals(6, reader.next().ipVersion());
            assertNull(reader.next());
            assertEquals(2, reader.rowsSkipped());
            assertEquals(2, reader.sessionsRead());
            assertEquals(1, reader.firstSkipped().line());
            assertTrue(reader.firstSkipped().getMessage().contains("mixed.csv:1:"));
        }
    }
}

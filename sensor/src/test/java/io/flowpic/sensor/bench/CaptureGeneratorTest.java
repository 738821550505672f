package io.flowpic.sensor.bench;

import io.flowpic.flowtable.capture.CaptureWriter;
import io.flowpic.flowtable.testing.Tshark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.flowpic.flowtable.decode.Packets.ethernet;
import static io.flowpic.flowtable.decode.Packets.ipv4;
import static io.flowpic.flowtable.decode.Packets.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real captures carry clock-jump packets (1970, 2097 in the nDPI test set); laid out as they were, one of them
 * stretched every round over decades and the generated capture held times a pcap cannot express (tshark showed
 * negative microseconds, ndpiReader dates in 1919). The generated file is read back by tshark, not by our reader.
 */
final class CaptureGeneratorTest
{
    private static final long SECOND = 1_600_000_000L;

    @Test
    void clockJumpPacketsAreLeftOutAndEveryWrittenTimeIsNearTheBase(@TempDir final Path dir) throws Exception
    {
        assumeTrue(Tshark.available(), "tshark is not installed (Debian package tshark): skipping");
        final CaptureWriter source = CaptureWriter.pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, 1);
        for (int i = 0; i < 10; i++)
        {
            source.record(SECOND + i, 0, packet(1000 + i, 100));
        }
        // a short frame with Ethernet's trailer padding (34 bytes of IP in a 60-byte frame): only the IP bytes count
        final byte[] small = packet(3000, 6);
        source.record(SECOND + 10, 0, java.util.Arrays.copyOf(small, 60));
        source.record(5, 0, packet(2000, 300));                // 1970
        source.record(4_000_000_000L, 0, packet(2001, 300));   // 2096, as an unsigned pcap second
        final Path input = dir.resolve("source.pcap");
        Files.write(input, source.bytes());

        final StringWriter log = new StringWriter();
        final CaptureGenerator generator = new CaptureGenerator(CaptureGenerator.DEFAULT_SNAP_LENGTH);
        assertEquals(11, generator.load(List.of(input), new PrintWriter(log, true)));
        assertTrue(log.toString().contains("left out 2 packets"), log.toString());
        assertEquals(11, generator.sourceFlows(), "the clock-jump packets' flows are not counted");
        final Path out = dir.resolve("out.pcap");
        generator.write(out, 200, 40);

        final Process tshark = new ProcessBuilder("tshark", "-n", "-r", out.toString(), "-T", "fields",
            "-e", "frame.time_epoch", "-e", "ip.len", "-e", "ip.checksum.status", "-e", "frame.cap_len", "-e",
            "frame.len", "-o", "ip.check_checksum:TRUE")
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        final String listing = new String(tshark.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(tshark.waitFor(60, TimeUnit.SECONDS));
        final String[] lines = listing.strip().split("\n");
        assertEquals(200, lines.length, listing);
        final double base = 1_700_000_000d;
        for (final String line : lines)
        {
            final String[] fields = line.split("\t");
            final double time = Double.parseDouble(fields[0]);
            // 19 rounds of a 10 s source plus the 1 s gap between rounds: all within 250 s of the base.
            assertTrue(time >= base && time < base + 250, line);
            final boolean padded = fields[1].equals("34");
            assertTrue(padded || fields[1].equals("128"), "only the in-time packets (IP length 128 or 34): " + line);
            assertEquals("1", fields[2], "IPv4 header checksum rewritten correctly (tshark: 1 = good): " + line);
            assertEquals(padded ? "48" : "142", fields[3], "whole packets, no trailer: " + line);
            assertEquals(fields[4], fields[3], "captured length = length on the wire: " + line);
        }
    }

    @Test
    void aLongCaptureOfSteadyTrafficStaysWhole(@TempDir final Path dir) throws Exception
    {
        // three hours, a packet every ten minutes, then one clock jump to 1970
        final CaptureWriter source = CaptureWriter.pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, 1);
        for (int i = 0; i <= 18; i++)
        {
            source.record(SECOND + i * 600L, 0, packet(1000, 100));
        }
        source.record(7, 0, packet(1000, 100));
        final Path input = dir.resolve("long.pcap");
        Files.write(input, source.bytes());
        final StringWriter log = new StringWriter();
        assertEquals(19, new CaptureGenerator(CaptureGenerator.DEFAULT_SNAP_LENGTH).load(List.of(input),
            new PrintWriter(log, true)));
        assertTrue(log.toString().contains("left out 1 packets"), log.toString());
    }

    private static byte[] packet(final int srcPort, final int payload)
    {
        return ethernet(0x0800, ipv4(17, udp(srcPort, 53, payload)));
    }
}

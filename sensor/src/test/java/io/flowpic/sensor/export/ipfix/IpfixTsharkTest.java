package io.flowpic.sensor.export.ipfix;

import io.flowpic.sensor.journal.LabelRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Wireshark's cflow dissector decodes what the UDP sink really sent over loopback. */
class IpfixTsharkTest
{
    private static final String[] FIELDS = {"cflow.sequence", "cflow.od_id", "cflow.srcaddr", "cflow.dstaddr",
        "cflow.srcaddrv6", "cflow.dstaddrv6", "cflow.srcport", "cflow.dstport", "cflow.protocol",
        "cflow.abstimestart", "cflow.abstimeend", "cflow.packets", "cflow.octets", "cflow.flow_end_reason",
        "cflow.appl_name"};
    private static final DateTimeFormatter TSHARK_TIME =
        DateTimeFormatter.ofPattern("MMM ppd, yyyy HH:mm:ss.SSS'000000 UTC'", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    /** LINKTYPE_RAW: the record is an IP packet, no link header. */
    private static final int LINKTYPE_RAW = 101;

    @TempDir
    Path dir;

    @Test
    void tsharkDecodesEveryRecordSentOverUdp() throws Exception
    {
        final String tshark = IpfixTools.require("tshark", "tshark");
        final int port = IpfixTools.freeUdpPort();
        final Path pcap = dir.resolve("ipfix.pcap");
        final List<LabelRecord> records = IpfixTestData.records(45);
        for (int i = 0; i < records.size(); i += 5)
        {
            records.get(i).label = "unknown"; // below flowpic.min-confidence: travels like any label
        }
        // Received by a plain UDP socket and written to a pcap (raw IPv4) for tshark to read: what tshark decodes
        // is exactly what the sink sent, with no race against a live capture's start.
        final io.flowpic.flowtable.capture.CaptureWriter file =
            io.flowpic.flowtable.capture.CaptureWriter.pcap(java.nio.ByteOrder.LITTLE_ENDIAN, false, 65535, LINKTYPE_RAW);
        try (java.net.DatagramSocket collector = new java.net.DatagramSocket(
            new java.net.InetSocketAddress(java.net.InetAddress.getByName(IpfixTools.LOOPBACK), 0)))
        {
            collector.setSoTimeout(2000);
            try (IpfixSink sink = new IpfixSink(IpfixOptions.of(IpfixTools.LOOPBACK, collector.getLocalPort(), false)
                .withObservationDomain(5), IpfixTools.counters()))
            {
                IpfixTools.sendAll(sink, records, 0);
            }
            final byte[] datagram = new byte[65535];
            long second = 1_700_000_000L;
            while (true)
            {
                final java.net.DatagramPacket packet = new java.net.DatagramPacket(datagram, datagram.length);
                try
                {
                    collector.receive(packet);
                }
                catch (final java.net.SocketTimeoutException done)
                {
                    break;
                }
                final byte[] payload = java.util.Arrays.copyOf(packet.getData(), packet.getLength());
                file.record(second++, 0, io.flowpic.flowtable.decode.Packets.ipv4(17,
                    io.flowpic.flowtable.decode.Packets.udp(packet.getPort(), port, payload)));
            }
        }
        java.nio.file.Files.write(pcap, file.bytes());
        final List<String> command = new ArrayList<>(List.of(tshark, "-r", pcap.toString(),
            "-d", "udp.port==" + port + ",cflow", "-T", "fields", "-E", "separator=|", "-E", "aggregator=;"));
        for (final String field : FIELDS)
        {
            command.add("-e");
            command.add(field);
        }
        final String out = IpfixTools.run(dir, 60, command.toArray(String[]::new));
        final List<List<String>> columns = new ArrayList<>();
        for (int f = 0; f < FIELDS.length; f++)
        {
            columns.add(new ArrayList<>());
        }
        long sequence = 0;
        for (final String line : out.split("\n"))
        {
            if (!line.contains("|"))
            {
                continue; // tshark's "running as root" notice
            }
            final String[] values = line.split("\\|", -1);
            assertEquals(Long.toString(sequence), values[0], "sequence = records sent before: " + line);
            assertEquals("5", values[1]);
            for (int f = 2; f < FIELDS.length; f++)
            {
                if (!values[f].isEmpty())
                {
                    columns.get(f).addAll(Arrays.asList(values[f].split(";")));
                }
            }
            sequence += values[6].split(";").length;
        }
        assertEquals(records.size(), sequence, out);
        final List<LabelRecord> v4 = records.stream().filter(r -> r.ipVersion == 4).toList();
        final List<LabelRecord> v6 = records.stream().filter(r -> r.ipVersion == 6).toList();
        assertColumn(columns.get(2), v4, r -> IpfixEncoderTest.address(r.srcAddress, 4));
        assertColumn(columns.get(3), v4, r -> IpfixEncoderTest.address(r.dstAddress, 4));
        assertColumn(columns.get(4), v6, r -> canonical(r.srcAddress));
        assertColumn(columns.get(5), v6, r -> canonical(r.dstAddress));
        assertColumn(columns.get(6), records, r -> Integer.toString(r.srcPort));
        assertColumn(columns.get(7), records, r -> Integer.toString(r.dstPort));
        assertColumn(columns.get(8), records, r -> Integer.toString(r.protocol));
        assertColumn(columns.get(9), records, r -> TSHARK_TIME.format(Instant.ofEpochMilli(IpfixTestData.startMillis(r))));
        assertColumn(columns.get(10), records, r -> TSHARK_TIME.format(Instant.ofEpochMilli(IpfixTestData.endMillis(r))));
        assertColumn(columns.get(11), records, r -> Integer.toString(r.packets));
        assertColumn(columns.get(12), records, r -> Long.toString(r.bytes));
        assertColumn(columns.get(13), records, r -> "2");
        assertColumn(columns.get(14), records, r -> r.label);
    }

    private static void assertColumn(final List<String> actual, final List<LabelRecord> records,
        final Function<LabelRecord, String> expected)
    {
        assertEquals(records.stream().map(expected).toList(), actual);
    }

    /** tshark prints IPv6 in RFC 5952 form; Java's text is not compressed, so compare through InetAddress. */
    private static String canonical(final byte[] address)
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < 16; i += 2)
        {
            text.append(i > 0 ? ":" : "").append(Integer.toHexString((address[i] & 0xFF) << 8 | address[i + 1] & 0xFF));
        }
        return compress(text.toString());
    }

    /** The longest run of two or more zero groups becomes "::" (RFC 5952 §4.2). */
    private static String compress(final String full)
    {
        final String[] groups = full.split(":");
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < groups.length; )
        {
            int j = i;
            while (j < groups.length && groups[j].equals("0"))
            {
                j++;
            }
            if (j - i > bestLength)
            {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        if (bestStart < 0)
        {
            return full;
        }
        final String head = String.join(":", Arrays.copyOfRange(groups, 0, bestStart));
        final String tail = String.join(":", Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
        return head + "::" + tail;
    }
}

package io.flowpic.sensor.export.ipfix;

import io.flowpic.sensor.journal.LabelRecord;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IpfixEncoderTest
{
    private static final long PEN = 32473;
    private static final DateTimeFormatter DUMP_TIME =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void ownDecoderReadsBackEveryFieldAndMessagesStayWithinTheLimit()
    {
        final List<LabelRecord> records = IpfixTestData.records(50);
        final List<ByteBuffer> messages = IpfixFiles.messages(records, new IpfixEncoder(PEN, 9, 600), 600);
        assertTrue(messages.size() > 5, "600-byte messages hold a few records each");
        final IpfixTestDecoder decoder = new IpfixTestDecoder();
        final List<Map<String, Object>> decoded = new ArrayList<>();
        long expectedSequence = 0;
        for (final ByteBuffer m : messages)
        {
            assertTrue(m.remaining() <= 600, "message of " + m.remaining() + " bytes");
            final IpfixTestDecoder.Message message = decoder.decode(m.duplicate());
            assertEquals(10, message.version());
            assertEquals(m.remaining(), message.length());
            assertEquals(9, message.domain());
            assertEquals(expectedSequence, message.sequence());
            expectedSequence += message.records().size();
            decoded.addAll(message.records());
        }
        assertEquals(records.size(), decoded.size());
        for (int i = 0; i < records.size(); i++)
        {
            assertRecord(records.get(i), decoded.get(i));
        }
    }

    static void assertRecord(final LabelRecord r, final Map<String, Object> d)
    {
        final boolean v6 = r.ipVersion == 6;
        assertEquals(v6 ? IpfixEncoder.TEMPLATE_IPV6 : IpfixEncoder.TEMPLATE_IPV4, d.get("template"));
        assertEquals(address(r.srcAddress, r.ipVersion), d.get(v6 ? "27" : "8"));
        assertEquals(address(r.dstAddress, r.ipVersion), d.get(v6 ? "28" : "12"));
        assertEquals((long)r.srcPort, d.get("7"));
        assertEquals((long)r.dstPort, d.get("11"));
        assertEquals((long)r.protocol, d.get("4"));
        assertEquals(IpfixTestData.startMillis(r), d.get("152"));
        assertEquals(IpfixTestData.endMillis(r), d.get("153"));
        assertEquals((long)r.packets, d.get("2"));
        assertEquals(r.bytes, d.get("1"));
        assertEquals(2L, d.get("136"));
        assertEquals(r.label, d.get("96"));
        assertEquals(r.label, d.get(PEN + "/4"));
        assertEquals(r.confidence, (Float)d.get(PEN + "/1"));
        assertEquals(r.modelId, d.get(PEN + "/2"));
        assertEquals(expectedScores(r), d.get(PEN + "/3"));
    }

    static String expectedScores(final LabelRecord r)
    {
        final StringBuilder text = new StringBuilder();
        for (int c = 0; c < r.scores.length; c++)
        {
            text.append(c > 0 ? ";" : "").append(r.scoreLabels[c]).append('=')
                .append(String.format(java.util.Locale.ROOT, "%.4f", r.scores[c]));
        }
        return text.toString();
    }

    static String address(final byte[] bytes, final int ipVersion)
    {
        try
        {
            return InetAddress.getByAddress(Arrays.copyOf(bytes, ipVersion == 6 ? 16 : 4)).getHostAddress();
        }
        catch (final java.net.UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    @Test
    void aRecordTooLargeForAnEmptyMessageLosesTrailingScoresAndLongNamesAreCut()
    {
        final LabelRecord r = IpfixTestData.records(1).get(0);
        r.label = "é".repeat(100);
        r.modelId = "m".repeat(300);
        r.scoreLabels = new String[200];
        r.scores = new float[200];
        Arrays.fill(r.scoreLabels, "some-long-class-name");
        final IpfixEncoder encoder = new IpfixEncoder(PEN, 0, IpfixOptions.MIN_MAX_MESSAGE_BYTES);
        final ByteBuf buf = Unpooled.buffer();
        encoder.begin(buf, true);
        assertTrue(encoder.append(buf, r));
        assertFalse(encoder.append(buf, r), "a second one does not fit");
        encoder.finish(buf, 0, 0);
        assertTrue(buf.readableBytes() <= IpfixOptions.MIN_MAX_MESSAGE_BYTES, buf.readableBytes() + " bytes");
        final Map<String, Object> d = new IpfixTestDecoder().decode(buf.nioBuffer()).records().get(0);
        assertEquals("é".repeat(32), d.get("96"), "64 bytes, whole characters");
        assertEquals("m".repeat(64), d.get(PEN + "/2"));
        final String scores = (String)d.get(PEN + "/3");
        assertFalse(scores.isEmpty());
        assertTrue(scores.matches("(some-long-class-name=0\\.0000;)*some-long-class-name=0\\.0000"), scores);
    }

    @Test
    void scoresHaveFourDecimalsWithoutExponent()
    {
        final StringBuilder text = new StringBuilder();
        for (final float f : new float[] {0f, 1f, 0.93127f, 1e-7f, -0.5f, Float.NaN})
        {
            IpfixEncoder.appendScore(text, f);
            text.append(' ');
        }
        assertEquals("0.0000 1.0000 0.9313 0.0000 -0.5000 NaN ", text.toString());
    }

    @Test
    void optionsAreValidatedAndParsedFromTheUri()
    {
        final IpfixOptions udp = IpfixOptions.fromUri("ipfix:udp://collector.example:4739");
        assertEquals("collector.example", udp.host());
        assertEquals(4739, udp.port());
        assertFalse(udp.tcp());
        assertEquals(32473, udp.enterpriseNumber());
        assertEquals(1400, udp.maxMessageBytes());
        assertEquals("ipfix:udp://collector.example:4739", udp.uri());
        final IpfixOptions tcp = IpfixOptions.fromUri("ipfix:tcp://[::1]:4740");
        assertEquals("::1", tcp.host());
        assertTrue(tcp.tcp());
        assertEquals("ipfix:tcp://[::1]:4740", tcp.uri());
        assertThrows(IllegalArgumentException.class, () -> IpfixOptions.fromUri("ipfix:sctp://h:1"));
        assertThrows(IllegalArgumentException.class, () -> IpfixOptions.fromUri("ipfix:udp://h"));
        final IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
            () -> udp.withMaxMessageBytes(100));
        assertTrue(small.getMessage().contains("max message size 100"), small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> udp.withEnterpriseNumber(0));
        assertThrows(IllegalArgumentException.class, () -> udp.withObservationDomain(-1));
        assertThrows(IllegalArgumentException.class, () -> udp.withBackoff(10, 5));
        assertThrows(IllegalArgumentException.class, () -> IpfixOptions.of(" ", 4739, false));
        assertThrows(IllegalArgumentException.class, () -> IpfixOptions.of("h", 0, false));
    }

    /**
     * ipfixDump (libfixbuf) decodes a file of the encoder's messages: every record's flow fields, label and,
     * with the element file shipped for operators, the FlowPic elements.
     */
    @Test
    void ipfixDumpReadsEveryRecord() throws Exception
    {
        final String ipfixDump = IpfixTools.require("ipfixDump", "libfixbuf-tools");
        final List<LabelRecord> records = IpfixTestData.records(40);
        final Path file = dir.resolve("records.ipfix");
        IpfixFiles.write(file, IpfixFiles.messages(records, new IpfixEncoder(PEN, 3, 1400), 1400));
        final Path elements = dir.resolve("flowpic-elements.xml");
        try (var in = IpfixEncoder.class.getResourceAsStream("flowpic-elements.xml"))
        {
            java.nio.file.Files.copy(in, elements);
        }
        final String out = IpfixTools.run(dir, 30, ipfixDump, "--in", file.toString(), "--data",
            "--element-file", elements.toString());
        final List<Map<String, String>> dumped = parseDump(out);
        assertEquals(records.size(), dumped.size(), out);
        for (int i = 0; i < records.size(); i++)
        {
            final LabelRecord r = records.get(i);
            final Map<String, String> d = dumped.get(i);
            final boolean v6 = r.ipVersion == 6;
            assertEquals(address(r.srcAddress, r.ipVersion), normal(d.get(v6 ? "27" : "8")), "record " + i);
            assertEquals(address(r.dstAddress, r.ipVersion), normal(d.get(v6 ? "28" : "12")), "record " + i);
            assertEquals(Integer.toString(r.srcPort), d.get("7"));
            assertEquals(Integer.toString(r.dstPort), d.get("11"));
            assertEquals(Integer.toString(r.protocol), d.get("4"));
            assertEquals(DUMP_TIME.format(Instant.ofEpochMilli(IpfixTestData.startMillis(r))), d.get("152"));
            assertEquals(DUMP_TIME.format(Instant.ofEpochMilli(IpfixTestData.endMillis(r))), d.get("153"));
            assertEquals(Integer.toString(r.packets), d.get("2"));
            assertEquals(Long.toString(r.bytes), d.get("1"));
            assertEquals("2", d.get("136"));
            assertEquals(dumpString(r.label), d.get("96"));
            assertEquals(r.confidence, (float)Double.parseDouble(d.get(PEN + "/1")), "record " + i);
            assertEquals(dumpString(r.modelId), d.get(PEN + "/2"));
            assertEquals(dumpString(expectedScores(r)), d.get(PEN + "/3"));
            assertEquals(dumpString(r.label), d.get(PEN + "/4"));
        }
    }

    private static final Pattern DUMP_FIELD = Pattern.compile("^\\s*\\(([\\d/]+)\\)\\s+\\S+\\s*:\\s*(.*?)\\s*$");

    private static String dumpString(final String text)
    {
        return "(len: " + text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + ") " + text;
    }

    /** The elements of each "--- data record N ---" block, by "id" or "pen/id". */
    private static List<Map<String, String>> parseDump(final String out)
    {
        final List<Map<String, String>> records = new ArrayList<>();
        Map<String, String> current = null;
        for (final String line : out.split("\n"))
        {
            if (line.startsWith("--- data record"))
            {
                current = new HashMap<>();
                records.add(current);
                continue;
            }
            final Matcher m = DUMP_FIELD.matcher(line);
            if (current != null && m.matches())
            {
                current.put(m.group(1), m.group(2));
            }
        }
        return records;
    }

    private static String normal(final String address) throws Exception
    {
        return InetAddress.getByName(address).getHostAddress();
    }
}

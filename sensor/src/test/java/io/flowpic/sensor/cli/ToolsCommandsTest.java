package io.flowpic.sensor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowpic.sensor.testing.TestModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** evaluate, render and dataset build on small FlowPic CSV files written here, with a real fixed-weight model. */
class ToolsCommandsTest
{
    @TempDir
    static Path dir;
    static Path model;
    static Path voip;
    static Path video;

    /**
     * Qualifying blocks (R 32, T 15 s, min 10 packets, idle 60 s), counted by hand:
     * voip.csv: s1 40 packets every 0.5 s -> [0,15) 30 packets, [15,30) 10 -> 2 blocks;
     *           s2 5 packets -> 0; s3 25 packets in 2.4 s, 70 s idle gap, 15 packets -> 2 blocks (new grid after
     *           the gap); s4 9 packets in [0,15) then 11 in [15,30) -> 1 block. Total 5.
     * video.csv: v1 12 packets in 1 s -> 1 block; v2 100 packets every 0.5 s (0..49.5 s) -> 30,30,30,10 -> 4 blocks.
     *           Total 5.
     */
    static final int EXPECTED_SAMPLES = 10;

    @BeforeAll
    static void writeData() throws Exception
    {
        model = TestModels.write(dir.resolve("model"), 32, 15, "tools-fixed");
        voip = dir.resolve("voip.csv");
        video = dir.resolve("video.csv.gz");
        final List<String> v = new ArrayList<>();
        v.add(row("a.pcap", "10.0.0.1", 4000, "10.0.0.2", 5060, "UDP", times(40, 0, 0.5), sizes(40, 200)));
        v.add(row("a.pcap", "10.0.0.1", 4001, "10.0.0.2", 5060, "UDP", times(5, 0, 0.1), sizes(5, 200)));
        final List<Double> s3 = new ArrayList<>(times(25, 0, 0.1));
        s3.addAll(times(15, 2.4 + 70, 0.1));
        v.add(row("b.pcap", "2001:db8::1", 4002, "2001:db8::2", 5061, "UDP", s3, sizes(40, 120)));
        final List<Double> s4 = new ArrayList<>(times(9, 0, 1));
        s4.addAll(times(11, 15, 1));
        v.add(row("b.pcap", "10.0.0.3", 4003, "10.0.0.4", 5062, "TCP", s4, sizes(20, 90)));
        Files.write(voip, v, StandardCharsets.UTF_8);
        final List<String> w = new ArrayList<>();
        w.add(row("c.pcap", "10.1.0.1", 443, "10.1.0.2", 50000, "TCP", times(12, 0, 1.0 / 12), sizes(12, 1400)));
        w.add(row("c.pcap", "10.1.0.1", 443, "10.1.0.2", 50001, "TCP", times(100, 0, 0.5), sizes(100, 1500)));
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(video)))
        {
            out.write((String.join("\n", w) + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    static List<Double> times(final int n, final double start, final double step)
    {
        final List<Double> t = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            t.add(start + i * step);
        }
        return t;
    }

    static List<Integer> sizes(final int n, final int size)
    {
        final List<Integer> s = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            s.add(size);
        }
        return s;
    }

    static String row(final String pcap, final String src, final int sport, final String dst, final int dport,
        final String proto, final List<Double> ts, final List<Integer> sizes)
    {
        final StringBuilder b = new StringBuilder();
        b.append(pcap).append(',').append(src).append(',').append(sport).append(',').append(dst).append(',')
            .append(dport).append(',').append(proto).append(",1700000000.000000,").append(ts.size());
        for (final double t : ts)
        {
            b.append(',').append(String.format(Locale.ROOT, "%.6f", t));
        }
        b.append(',');
        for (int i = 0; i < ts.size(); i++)
        {
            b.append(',').append(sizes.get(i));
        }
        return b.toString();
    }

    record Run(int code, String out, String err)
    {
    }

    static Run run(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void evaluateJsonHasExactlyTheKeysAndCountsEveryQualifyingBlock() throws Exception
    {
        final Path png = dir.resolve("confusion.png");
        final Run r = run("evaluate", "--model", model.toString(), "--format", "json", "--data", "voip=" + voip,
            "--data", "video=" + video, "--confusion-png", png.toString());
        assertEquals(0, r.code(), r.err());
        final JsonNode json = new ObjectMapper().readTree(r.out());
        final List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("samples", "accuracy", "macro_f1", "labels", "per_class", "confusion", "calibration_error",
            "confidence_curve"), keys);
        assertEquals(EXPECTED_SAMPLES, json.get("samples").asInt());
        assertEquals(TestModels.LABELS.size(), json.get("labels").size());
        assertEquals(TestModels.LABELS.get(0), json.get("labels").get(0).asText());
        final JsonNode voipClass = json.get("per_class").get("voip");
        final List<String> classKeys = new ArrayList<>();
        voipClass.fieldNames().forEachRemaining(classKeys::add);
        assertEquals(List.of("precision", "recall", "f1", "support"), classKeys);
        assertEquals(5, voipClass.get("support").asInt());
        assertEquals(5, json.get("per_class").get("video").get("support").asInt());
        long total = 0;
        long diagonal = 0;
        for (int i = 0; i < json.get("confusion").size(); i++)
        {
            for (int j = 0; j < json.get("confusion").get(i).size(); j++)
            {
                total += json.get("confusion").get(i).get(j).asLong();
                diagonal += i == j ? json.get("confusion").get(i).get(j).asLong() : 0;
            }
        }
        assertEquals(EXPECTED_SAMPLES, total);
        assertEquals((double)diagonal / total, json.get("accuracy").asDouble(), 1e-12);
        final BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "confusion PNG readable");
        assertTrue(image.getWidth() > 200 && image.getHeight() > 200);

        final Run text = run("evaluate", "--model", model.toString(), "--data", "voip=" + voip);
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("samples    5"), text.out());
        assertTrue(text.out().contains("confusion (rows true, columns predicted)"), text.out());
    }

    @Test
    void evaluateRefusesALabelTheModelDoesNotKnow()
    {
        final Run r = run("evaluate", "--model", model.toString(), "--data", "gaming=" + voip);
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().contains("'gaming'"), r.err());
    }

    @Test
    void renderWritesOrientedScaledPngs() throws Exception
    {
        final Path out = dir.resolve("render");
        final Run r = run("render", "--data", "voip=" + voip, "--data", video.toString(), "--out", out.toString(),
            "--limit", "3");
        assertEquals(0, r.code(), r.err());
        final List<Path> pngs;
        try (Stream<Path> s = Files.list(out))
        {
            pngs = s.sorted().toList();
        }
        // 3 voip blocks + 3 video blocks (limit) + the average grid.
        assertEquals(7, pngs.size(), pngs.toString());
        assertNotNull(ImageIO.read(out.resolve("average-by-class.png").toFile()));
        // First voip block: session 0, block 0: 30 packets of 200 bytes at 0, 0.5, .. 14.5 s.
        // Size row = 200*32/1500 = 4; column 0 holds packet 0.
        final BufferedImage first = ImageIO.read(out.resolve("voip-s00000-b000.png").toFile());
        assertNotNull(first);
        assertEquals(256, first.getWidth());
        assertEquals(256, first.getHeight());
        // Row 4 counted from the bottom: y in [(31-4)*8, (31-4)*8+8) = [216, 224); column 0: x in [0, 8).
        final int lit = first.getRGB(3, 220) & 0xFF;
        final int empty = first.getRGB(3, 4 * 8 + 3) & 0xFF; // row 27 from the bottom: no packet that large
        assertTrue(lit > empty, "occupied cell brighter: " + lit + " vs " + empty);
        assertEquals(0, empty);
        // Small packets are drawn near the bottom: nothing in the top half of the picture.
        for (int y = 0; y < 128; y++)
        {
            for (int x = 0; x < 256; x++)
            {
                assertEquals(0, first.getRGB(x, y) & 0xFFFFFF, "pixel " + x + "," + y);
            }
        }
        // Video (1400- and 1500-byte packets) sits in the top rows.
        final BufferedImage big = ImageIO.read(out.resolve("video-s00000-b000.png").toFile());
        assertTrue((big.getRGB(3, 2 * 8 + 3) & 0xFF) > 0); // row 1400*32/1500 = 29 -> y in [(31-29)*8, +8) = [16, 24)
        assertEquals(0, big.getRGB(3, 250) & 0xFF);
    }

    @Test
    void datasetBuildWritesParsableNpy() throws Exception
    {
        final Path out = dir.resolve("npy");
        final Run r = run("dataset", "build", "--data", "voip=" + voip, "--data", "video=" + video, "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        final int n = EXPECTED_SAMPLES;
        final byte[] x = Files.readAllBytes(out.resolve("x.npy"));
        final String xHeader = checkHeader(x);
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (" + n + ", 32, 32), }", xHeader.trim());
        final int xStart = 10 + ByteBuffer.wrap(x, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        assertEquals((long)n * 32 * 32 * 4, x.length - xStart);
        // Raw counts: the first block holds 30 packets.
        final ByteBuffer data = ByteBuffer.wrap(x, xStart, x.length - xStart).order(ByteOrder.LITTLE_ENDIAN);
        float sum = 0;
        for (int i = 0; i < 32 * 32; i++)
        {
            sum += data.getFloat();
        }
        assertEquals(30f, sum);
        final byte[] y = Files.readAllBytes(out.resolve("y.npy"));
        assertEquals("{'descr': '<i8', 'fortran_order': False, 'shape': (" + n + ",), }", checkHeader(y).trim());
        final int yStart = 10 + ByteBuffer.wrap(y, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        assertEquals(n * 8L, y.length - yStart);
        final ByteBuffer labels = ByteBuffer.wrap(y, yStart, n * 8).order(ByteOrder.LITTLE_ENDIAN);
        final long[] expected = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
        for (final long e : expected)
        {
            assertEquals(e, labels.getLong());
        }
        // Flow descriptors: the voip samples are UDP but for the TCP session's one block; video is TCP.
        final byte[] f = Files.readAllBytes(out.resolve("flow.npy"));
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (" + n + ", 1), }", checkHeader(f).trim());
        final int fStart = 10 + ByteBuffer.wrap(f, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        final ByteBuffer flows = ByteBuffer.wrap(f, fStart, n * 4).order(ByteOrder.LITTLE_ENDIAN);
        final float[] udp = {1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
        for (int i = 0; i < n; i++)
        {
            assertEquals(udp[i], flows.getFloat(), "sample " + i);
        }
        assertEquals(List.of("voip", "video"), Files.readAllLines(out.resolve("labels.txt")));
        final List<String> groups = Files.readAllLines(out.resolve("groups.txt"));
        assertEquals(n, groups.size());
        assertEquals(List.of("a.pcap", "a.pcap", "b.pcap", "b.pcap", "b.pcap", "c.pcap"), groups.subList(0, 6));
    }

    /** Checks magic, version, header length alignment and the final newline; returns the header dict text. */
    static String checkHeader(final byte[] file)
    {
        assertEquals((byte)0x93, file[0]);
        assertEquals("NUMPY", new String(file, 1, 5, StandardCharsets.US_ASCII));
        assertEquals(1, file[6]);
        assertEquals(0, file[7]);
        final int headerLength = ByteBuffer.wrap(file, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
        assertEquals(0, (10 + headerLength) % 64, "header total a multiple of 64");
        assertEquals('\n', file[10 + headerLength - 1]);
        return new String(file, 10, headerLength, StandardCharsets.US_ASCII);
    }
}

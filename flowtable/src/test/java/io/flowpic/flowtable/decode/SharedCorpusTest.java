package io.flowpic.flowtable.decode;

import io.flowpic.flowtable.capture.CaptureFileException;
import io.flowpic.flowtable.capture.CaptureFileReader;
import io.flowpic.flowtable.capture.CaptureReadResult;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.flowpic.flowtable.testing.Tshark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads and decodes every capture of the shared nDPI corpus, when it is present, prints how many packets
 * ended up with each decode result, and checks each capture against tshark: the same number of frames read,
 * and the same number of TCP/UDP packets decoded (fragments aside, which tshark gives no ports).
 */
class SharedCorpusTest
{
    /** Captures whose frame count differs from tshark's by design, with the reason; TCP/UDP counts still compared. */
    private static final Map<String, String> FRAMES_DIFFER = Map.of(
        "fuzz-2021-10-13.pcap", "its one record claims 524,501 captured bytes in a 239-byte file: the reader stops " +
            "there with a warning, tshark shows a cut-short frame");

    private static Path corpus()
    {
        final String shared = System.getProperty("flowpic.shared");
        final Path base = shared != null ? Paths.get(shared) : Paths.get("").toAbsolutePath().getParent().resolve("../shared");
        return base.resolve("data/pcap/ndpi").normalize();
    }

    @Test
    void everyCorpusFileReadsAndDecodesWithoutUnexpectedExceptions() throws IOException
    {
        final Path dir = corpus();
        Assumptions.assumeTrue(Files.isDirectory(dir), "shared nDPI corpus not found at " + dir + "; skipping");

        final List<Path> files;
        try (Stream<Path> list = Files.list(dir))
        {
            files = list.filter(Files::isRegularFile).sorted().toList();
        }
        final CaptureFileReader reader = new CaptureFileReader();
        final PacketDecoder decoder = new PacketDecoder(4096);
        final DecodedPacket out = new DecodedPacket();
        final long[] counts = new long[DecodeResult.values().length];
        final Map<String, Map<DecodeResult, Long>> oddPerFile = new TreeMap<>();
        final Map<Path, long[]> perCapture = new TreeMap<>(); // frames read, TCP/UDP decoded (not fragments)
        final List<String> notCaptures = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        long packets = 0;

        for (final Path file : files)
        {
            final Map<DecodeResult, Long> perFile = new EnumMap<>(DecodeResult.class);
            final long[] fileCounts = new long[2];
            try
            {
                final CaptureReadResult result = reader.read(file, (linkType, buffer, offset, capturedLength, originalLength,
                    timestampNanos) ->
                {
                    final DecodeResult r = decoder.decode(linkType, buffer, offset, capturedLength, out);
                    counts[r.ordinal()]++;
                    fileCounts[0]++;
                    if (r != DecodeResult.OK)
                    {
                        perFile.merge(r, 1L, Long::sum);
                    }
                    else if (!out.attributedFragment)
                    {
                        fileCounts[1]++;
                    }
                });
                packets += result.packets();
                assertEquals(result.packets(), fileCounts[0], file + ": packets reported vs delivered");
                perCapture.put(file, fileCounts);
                if (result.warning() != null)
                {
                    warnings.add(result.warning());
                }
            }
            catch (final CaptureFileException ex)
            {
                notCaptures.add(ex.getMessage());
            }
            if (!perFile.isEmpty())
            {
                oddPerFile.put(file.getFileName().toString(), perFile);
            }
        }

        System.out.println("nDPI corpus: " + files.size() + " files, " + packets + " packets");
        for (final DecodeResult r : DecodeResult.values())
        {
            if (counts[r.ordinal()] > 0)
            {
                System.out.printf("  %-28s %,d%n", r.label(), counts[r.ordinal()]);
            }
        }
        notCaptures.forEach(m -> System.out.println("  not a capture: " + m));
        warnings.forEach(m -> System.out.println("  warning: " + m));
        if (Boolean.getBoolean("flowpic.corpus.verbose"))
        {
            oddPerFile.forEach((f, m) -> System.out.println("  " + f + " " + m));
        }
        for (final String message : notCaptures)
        {
            assertTrue(message.contains("NOTICE") || message.contains("not a pcap"), message);
        }
        assertTrue(packets > 0);
        compareWithTshark(perCapture);
    }

    /** Per capture, frames and TCP/UDP packets as tshark counts them must be ours. */
    private static void compareWithTshark(final Map<Path, long[]> perCapture) throws IOException
    {
        Assumptions.assumeTrue(Tshark.available(), "tshark is not installed: decode results not compared");
        final List<String> mismatches = Collections.synchronizedList(new ArrayList<>());
        final ExecutorService pool = Executors.newFixedThreadPool(2); // tshark start-up dominates: both cores
        final List<Future<?>> futures = new ArrayList<>();
        perCapture.forEach((file, ours) ->
        {
            if (Tshark.EXCLUDED.containsKey(file.getFileName().toString()))
            {
                return;
            }
            futures.add(pool.submit(() ->
            {
                final long[] theirs = tsharkCounts(file);
                final boolean framesDiffer = theirs[0] != ours[0] &&
                    !FRAMES_DIFFER.containsKey(file.getFileName().toString());
                if (framesDiffer || theirs[1] != ours[1])
                {
                    mismatches.add(file.getFileName() + ": frames ours=" + ours[0] + " tshark=" + theirs[0] +
                        ", TCP/UDP ours=" + ours[1] + " tshark=" + theirs[1]);
                }
                return null;
            }));
        });
        try
        {
            for (final Future<?> future : futures)
            {
                future.get(10, TimeUnit.MINUTES);
            }
        }
        catch (final Exception ex)
        {
            throw new IOException(ex);
        }
        finally
        {
            pool.shutdown();
        }
        System.out.println("tshark: compared " + futures.size() + " captures, " + mismatches.size() + " differ");
        assertTrue(futures.size() > 200, "too few captures compared: " + futures.size());
        assertTrue(mismatches.isEmpty(), mismatches.size() + " captures decode differently from tshark:\n" +
            String.join("\n", mismatches));
    }

    /**
     * Frames, and frames with a TCP or UDP port that are not ICMP errors (whose quoted headers tshark would
     * report as ports), without IP reassembly, as in TsharkFlowOracleTest.
     */
    private static long[] tsharkCounts(final Path file) throws IOException, InterruptedException
    {
        final ProcessBuilder builder = new ProcessBuilder("tshark", "-n", "-r", file.toString(),
            "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
            "-T", "fields", "-E", "occurrence=l", "-E", "separator=|",
            "-e", "tcp.srcport", "-e", "udp.srcport", "-e", "icmp.type", "-e", "icmpv6.type");
        builder.redirectError(ProcessBuilder.Redirect.DISCARD);
        final Process process = builder.start();
        final long[] counts = new long[2];
        try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                final String[] f = line.split("\\|", -1);
                counts[0]++;
                if ((!f[0].isEmpty() || !f[1].isEmpty()) && f[2].isEmpty() && f[3].isEmpty())
                {
                    counts[1]++;
                }
            }
        }
        if (!process.waitFor(120, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IOException("tshark did not finish on " + file);
        }
        return counts;
    }
}

package io.flowpic.flowtable.decode;

import io.flowpic.flowtable.capture.CaptureFileException;
import io.flowpic.flowtable.capture.CaptureFileReader;
import io.flowpic.flowtable.capture.CaptureReadResult;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads and decodes every capture of the shared nDPI corpus, when it is present, and prints how many packets
 * ended up with each decode result, so that decoder gaps show up as odd counts.
 */
class SharedCorpusTest
{
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
        final List<String> notCaptures = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        long packets = 0;

        for (final Path file : files)
        {
            final Map<DecodeResult, Long> perFile = new EnumMap<>(DecodeResult.class);
            try
            {
                final CaptureReadResult result = reader.read(file, (linkType, buffer, offset, capturedLength, originalLength,
                    timestampNanos) ->
                {
                    final DecodeResult r = decoder.decode(linkType, buffer, offset, capturedLength, out);
                    counts[r.ordinal()]++;
                    if (r != DecodeResult.OK)
                    {
                        perFile.merge(r, 1L, Long::sum);
                    }
                });
                packets += result.packets();
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
    }
}

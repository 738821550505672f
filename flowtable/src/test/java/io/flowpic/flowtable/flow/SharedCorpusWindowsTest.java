package io.flowpic.flowtable.flow;

import io.flowpic.flowtable.capture.CaptureFileException;
import io.flowpic.flowtable.capture.CaptureFileReader;
import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.flowtable.decode.DecodedPacket;
import io.flowpic.flowtable.decode.PacketDecoder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every capture of the shared nDPI corpus, swept after every packet, every 64 packets and never: no flow ever
 * finishes two qualifying blocks (what the journal gets) with the same start, whatever the sweep timing (real
 * captures carry out-of-order packets).
 */
class SharedCorpusWindowsTest
{
    private static final int[] SWEEP_EVERY = {1, 64, Integer.MAX_VALUE};

    @Test
    void noFlowFinishesAWindowTwiceWhateverTheSweepTiming() throws Exception
    {
        final String shared = System.getProperty("flowpic.shared");
        final Path base = shared != null ? Paths.get(shared) : Paths.get("").toAbsolutePath().getParent().resolve("../shared");
        final Path dir = base.resolve("data/pcap/ndpi").normalize();
        Assumptions.assumeTrue(Files.isDirectory(dir), "shared nDPI corpus not found at " + dir + "; skipping");
        final List<Path> files;
        try (Stream<Path> list = Files.list(dir))
        {
            files = list.filter(Files::isRegularFile).sorted().toList();
        }

        final CaptureFileReader reader = new CaptureFileReader();
        final List<String> duplicates = new ArrayList<>();
        long blocks = 0;
        long late = 0;
        // Printed, not asserted: a packet timestamped more than the idle timeout behind the packet clock (spliced
        // captures) recreates its idle-closed flow as a new one-packet flow, and two such packets with one
        // timestamp give two too-small blocks with one start. Nothing journaled; refusing such packets would
        // also refuse a replay's older files.
        final long[] tooSmallTwice = {0};
        for (final int sweepEvery : SWEEP_EVERY)
        {
            final int before = duplicates.size();
            for (final Path file : files)
            {
                final Map<String, Boolean> starts = new HashMap<>();
                final BlockListener listener = (block, qualifies) ->
                {
                    final String key = block.ipVersion + "/" + block.protocol + " " + block.srcHi + ":" + block.srcLo +
                        ":" + block.srcPort + ">" + block.dstHi + ":" + block.dstLo + ":" + block.dstPort + " @" +
                        block.startNanos;
                    final Boolean earlier = starts.put(key, qualifies);
                    if (earlier != null && earlier && qualifies)
                    {
                        duplicates.add("sweep every " + sweepEvery + ": " + file.getFileName() + ": " + key);
                    }
                    else if (earlier != null)
                    {
                        tooSmallTwice[0]++;
                        starts.put(key, earlier || qualifies);
                    }
                };
                final FlowTableCounters counters = new FlowTableCounters(FlowTableCounters.standaloneCountersManager(16));
                final FlowTable table = new FlowTable(FlowPicSpec.defaults(), 65536, 60_000_000_000L,
                    1 << 20, counters, listener);
                final PacketDecoder decoder = new PacketDecoder(4096);
                final DecodedPacket packet = new DecodedPacket();
                final long[] seen = {0};
                try
                {
                    reader.read(file, (linkType, buffer, offset, capturedLength, originalLength, timestampNanos) ->
                    {
                        if (decoder.decode(linkType, buffer, offset, capturedLength, packet) != DecodeResult.OK)
                        {
                            return;
                        }
                        table.reserve(1); // the flow agent reserves between ring batches
                        table.onPacket(packet.ipVersion, packet.protocol, packet.srcHi, packet.srcLo, packet.dstHi,
                            packet.dstLo, packet.srcPort, packet.dstPort, packet.ipLength, timestampNanos);
                        if (++seen[0] % sweepEvery == 0)
                        {
                            table.expire(table.clockNanos());
                        }
                    });
                }
                catch (final CaptureFileException ex)
                {
                    continue; // not a capture: SharedCorpusTest covers those
                }
                table.flushAll();
                blocks += starts.size();
                late += counters.packetsLate.get();
            }
            System.out.println("sweep every " + sweepEvery + " packets: " + (duplicates.size() - before) +
                " qualifying windows finished twice");
        }
        System.out.println("nDPI corpus windows: " + blocks + " blocks, " + duplicates.size() + " qualifying windows finished twice, " +
            tooSmallTwice[0] + " with a too-small block twice, " + late + " late packets");
        assertTrue(blocks > 1000, "blocks: " + blocks);
        assertEquals(List.of(), duplicates.subList(0, Math.min(20, duplicates.size())), duplicates.size() + " duplicates");
    }
}

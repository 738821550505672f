package io.flowpic.bench;

import io.flowpic.flowtable.flow.FlowPicSpec;
import io.flowpic.flowtable.flow.FlowTable;
import io.flowpic.flowtable.flow.FlowTableCounters;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Memory of a flow table holding many concurrent flows, each with one packet in its open block (JMH-free).
 * <pre>
 * java FLAGS -cp bench/target/benchmarks.jar io.flowpic.bench.MemoryPerFlow R [flows] [maxFlows] [maxOpenPackets]
 * </pre>
 * Defaults: flows = maxFlows = 1,000,000 and maxOpenPackets = 16,000,000 (config/flowpic.yaml). Prints heap used
 * after GC (MemoryMXBean), direct buffers (BufferPoolMXBean "direct"), {@link FlowTable#reservedBytes()} and VmRSS
 * at three points: before the table exists, after construction (empty), after filling; and the per-flow figures.
 * Run one JVM per configuration so RSS is not polluted by an earlier table.
 */
public final class MemoryPerFlow
{
    private MemoryPerFlow()
    {
    }

    record Snapshot(long heap, long direct, long rss)
    {
    }

    public static void main(final String[] args) throws IOException, InterruptedException
    {
        final int resolution = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        final int flows = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        final int maxFlows = args.length > 2 ? Integer.parseInt(args[2]) : 1_000_000;
        final int maxOpenPackets = args.length > 3 ? Integer.parseInt(args[3]) : 16_000_000;

        final FlowTableCounters counters = new FlowTableCounters(FlowTableCounters.standaloneCountersManager(16));
        final long[] blocks = new long[1];
        final Snapshot before = snapshot();

        final FlowPicSpec spec = new FlowPicSpec(resolution, FlowPicSpec.DEFAULT_BLOCK_SECONDS,
            FlowPicSpec.DEFAULT_MAX_PACKET_SIZE, FlowPicSpec.DEFAULT_MIN_PACKETS);
        final FlowTable table = new FlowTable(spec, maxFlows, TimeUnit.SECONDS.toNanos(60), maxOpenPackets, counters,
            (block, qualifies) -> blocks[0]++);
        final Snapshot empty = snapshot();

        final long t0 = 1_700_000_000_000_000_000L;
        for (int i = 0; i < flows; i++)
        {
            // IPv4/TCP 10.0.0.0+i:port -> 192.168.1.2:443, one packet each, 1 µs apart (all in their first block).
            table.reserve(1); // the flow agent reserves between ring batches
            table.onPacket(4, 6, 0L, Frames.srcIp(i) & 0xFFFFFFFFL, 0L, Frames.DST_IP & 0xFFFFFFFFL,
                Frames.srcPort(i), Frames.DST_PORT, Frames.ipLength(i), t0 + i * 1000L);
        }
        final Snapshot filled = snapshot();

        final int active = table.activeFlows();
        final long reserved = table.reservedBytes();
        System.out.printf("MemoryPerFlow R=%d flows=%d maxFlows=%d maxOpenPackets=%d%n",
            resolution, flows, maxFlows, maxOpenPackets);
        System.out.printf("  active flows %d, blocks finished %d, packets rejected (table full) %d, cells dropped (pool full) %d%n",
            active, blocks[0], counters.packetsRejectedTableFull.get(), counters.cellsDroppedPoolFull.get());
        System.out.printf("  %-18s %14s %14s %14s%n", "", "heap-after-GC", "direct", "VmRSS");
        print("before table", before);
        print("empty table", empty);
        print("filled table", filled);
        final long heapTable = filled.heap - before.heap;
        final long directTable = filled.direct - before.direct;
        final long rssTable = filled.rss - before.rss;
        final long slotBytes = table.slotCount() * 96L;
        System.out.printf("  reservedBytes() %,d B  (%,d slots = %,d B direct + cell pool %,d B heap); direct Δ %,d B%n",
            reserved, table.slotCount(), slotBytes, reserved - slotBytes, directTable);
        System.out.printf("  table heap+direct %,d B = %.1f MiB; RSS growth %,d B = %.1f MiB; total RSS %.1f MiB%n",
            heapTable + directTable, (heapTable + directTable) / 1048576.0, rssTable, rssTable / 1048576.0,
            filled.rss / 1048576.0);
        System.out.printf("  filling added: heap %,d B, direct %,d B, RSS %,d B (%.2f B/flow heap+direct)%n",
            filled.heap - empty.heap, filled.direct - empty.direct, filled.rss - empty.rss,
            (double)((filled.heap - empty.heap) + (filled.direct - empty.direct)) / Math.max(1, active));
        System.out.printf("  per active flow: reserved %.1f B, heap+direct %.1f B, RSS growth %.1f B, total RSS %.1f B%n",
            (double)reserved / active, (double)(heapTable + directTable) / active, (double)rssTable / active,
            (double)filled.rss / active);
    }

    private static void print(final String name, final Snapshot s)
    {
        System.out.printf("  %-18s %,14d %,14d %,14d%n", name, s.heap, s.direct, s.rss);
    }

    static Snapshot snapshot() throws IOException, InterruptedException
    {
        final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        // The slot slabs a growing table dropped are direct buffers freed by their Cleaner after a GC, on
        // another thread: collect until the direct figure stops changing.
        long direct = -1;
        for (int i = 0; i < 50; i++)
        {
            System.gc();
            Thread.sleep(20);
            final long now = directBytes();
            if (now == direct)
            {
                break;
            }
            direct = now;
        }
        return new Snapshot(memory.getHeapMemoryUsage().getUsed(), direct, rssBytes());
    }

    static long directBytes()
    {
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
        {
            if (pool.getName().equals("direct"))
            {
                return pool.getMemoryUsed();
            }
        }
        return 0;
    }

    static long rssBytes() throws IOException
    {
        for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
        {
            if (line.startsWith("VmRSS:"))
            {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024L;
            }
        }
        return -1;
    }
}

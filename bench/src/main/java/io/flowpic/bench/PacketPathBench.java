package io.flowpic.bench;

import io.flowpic.flowtable.capture.LinkType;
import io.flowpic.flowtable.decode.DecodeResult;
import io.flowpic.flowtable.decode.DecodedPacket;
import io.flowpic.flowtable.decode.PacketDecoder;
import io.flowpic.flowtable.flow.BlockListener;
import io.flowpic.flowtable.flow.FlowPicBlock;
import io.flowpic.flowtable.flow.FlowPicSpec;
import io.flowpic.flowtable.flow.FlowTable;
import io.flowpic.flowtable.flow.FlowTableCounters;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;

/**
 * Per-packet cost of the flow agent's hot path: {@link PacketDecoder#decode} of an Ethernet/IPv4/TCP frame held in
 * an {@link UnsafeBuffer}, then {@link FlowTable#onPacket} (flow lookup, bin update, block finish when the flow's
 * window has passed). One benchmark op = one packet.
 * <p>
 * Packets cycle over {@code flows} concurrent flows with a packet clock advancing by {@code 15 s / (16 * flows)} per
 * packet, so every flow gets about 16 packets per 15 s block and the table finishes about one block every 16
 * packets (counted by the listener; the block flyweight is not copied). The table is filled in setup (one packet
 * per flow), so the measured state is steady: lookups that hit, plus the periodic block finish and cell-pool
 * chunk recycling. Defaults from config/flowpic.yaml: R = 32, T = 15 s, idle timeout 60 s; max flows = flows;
 * max open packets = 62 per flow (two 31-cell chunks), so the cell pool never runs dry.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "-Xms3g", "-Xmx3g",
    // flowpic.jvm.flags (root pom): Agrona needs jdk.internal.misc
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED"})
@State(Scope.Thread)
public class PacketPathBench
{
    static final int PACKETS_PER_BLOCK = 16;

    @Param({"1000", "100000", "1000000"})
    public int flows;

    private UnsafeBuffer frames;
    private PacketDecoder decoder;
    private final DecodedPacket out = new DecodedPacket();
    private FlowTable table;
    private FlowTableCounters counters;
    private final CountingListener listener = new CountingListener();
    private long stepNanos;
    private long now;
    private int next;
    private long packets;
    private long notOk;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final com.sun.management.ThreadMXBean allocation =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    private long iterationAllocated;
    private long iterationCpu;
    private long iterationWall;
    private long iterationPackets;

    static final class CountingListener implements BlockListener
    {
        long blocks;
        long qualifying;
        long cells;

        @Override
        public void onBlockFinished(final FlowPicBlock block, final boolean qualifies)
        {
            blocks++;
            cells += block.cellCount();
            if (qualifies)
            {
                qualifying++;
            }
        }
    }

    @Setup(Level.Trial)
    public void setUp()
    {
        final FlowPicSpec spec = FlowPicSpec.defaults();
        frames = Frames.build(flows);
        decoder = new PacketDecoder(4096);
        counters = new FlowTableCounters(FlowTableCounters.standaloneCountersManager(16));
        table = new FlowTable(spec, flows, TimeUnit.SECONDS.toNanos(60), flows * 62, counters, listener);
        stepNanos = Math.max(1, spec.blockNanos() / ((long)PACKETS_PER_BLOCK * flows));
        now = 1_700_000_000_000_000_000L;
        for (int i = 0; i < flows; i++)
        {
            packet();
        }
        if (table.activeFlows() != flows)
        {
            throw new IllegalStateException("expected " + flows + " flows, table has " + table.activeFlows());
        }
    }

    @Benchmark
    public int packet()
    {
        final int i = next;
        next = i + 1 == flows ? 0 : i + 1;
        now += stepNanos;
        packets++;
        final DecodedPacket p = out;
        final DecodeResult r = decoder.decode(LinkType.ETHERNET, frames, i * Frames.STRIDE, Frames.CAPTURED, p);
        if (r != DecodeResult.OK)
        {
            notOk++;
            return -1;
        }
        table.reserve(1); // the flow agent reserves between ring batches
        table.onPacket(p.ipVersion, p.protocol, p.srcHi, p.srcLo, p.dstHi, p.dstLo, p.srcPort, p.dstPort,
            p.ipLength, now);
        return p.ipLength;
    }

    /**
     * The machine is shared: besides JMH's wall-clock ns/op, print this thread's CPU time per packet for each
     * iteration (fixtures of a thread-scoped state run on the benchmark thread), which time-slicing by other
     * processes' threads does not inflate (their cache pollution still does), and the bytes the benchmark thread
     * allocated during the iteration (JMH's own per-iteration bookkeeping included).
     */
    @Setup(Level.Iteration)
    public void startIteration()
    {
        iterationAllocated = allocation.getCurrentThreadAllocatedBytes();
        iterationCpu = threads.getCurrentThreadCpuTime();
        iterationWall = System.nanoTime();
        iterationPackets = packets;
    }

    @TearDown(Level.Iteration)
    public void endIteration()
    {
        final long n = packets - iterationPackets;
        final long cpu = threads.getCurrentThreadCpuTime() - iterationCpu;
        final long wall = System.nanoTime() - iterationWall;
        final long allocated = allocation.getCurrentThreadAllocatedBytes() - iterationAllocated;
        System.out.printf(" [cpu %.1f ns/packet, wall %.1f ns/packet, cpu/wall %.2f, %d packets, " +
            "benchmark thread allocated %d B]", (double)cpu / n, (double)wall / n, (double)cpu / wall, n, allocated);
    }

    /**
     * Decode only (no flow table), same frames and cycling: separates the decoder's share of {@link #packet()}.
     * Run alone: {@code java -jar bench/target/benchmarks.jar PacketPathBench.decodeOnly}.
     */
    @Benchmark
    public int decodeOnly()
    {
        final int i = next;
        next = i + 1 == flows ? 0 : i + 1;
        packets++;
        final DecodedPacket p = out;
        if (decoder.decode(LinkType.ETHERNET, frames, i * Frames.STRIDE, Frames.CAPTURED, p) != DecodeResult.OK)
        {
            notOk++;
            return -1;
        }
        return p.ipLength + p.srcPort;
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        System.out.printf("%n[PacketPathBench flows=%d] packets=%d not-decoded=%d active=%d created=%d " +
                "blocks=%d (qualifying %d, cells %d, %.1f packets/block) rejected-packets=%d cells-dropped=%d reserved=%d B%n",
            flows, packets, notOk, table.activeFlows(), counters.flowsCreated.get(), listener.blocks,
            listener.qualifying, listener.cells, listener.blocks == 0 ? 0.0 : (double)listener.cells / listener.blocks,
            counters.packetsRejectedTableFull.get(), counters.cellsDroppedPoolFull.get(), table.reservedBytes());
        if (notOk != 0 || counters.packetsRejectedTableFull.get() != 0 || counters.cellsDroppedPoolFull.get() != 0)
        {
            throw new IllegalStateException("benchmark setup broken: packets not decoded, packets of flows refused or cells dropped");
        }
    }
}

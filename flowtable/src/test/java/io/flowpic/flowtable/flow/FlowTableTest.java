package io.flowpic.flowtable.flow;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowTableTest
{
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * S;

    private final RecordingListener listener = new RecordingListener();
    private final FlowTableCounters counters =
        new FlowTableCounters(FlowTableCounters.standaloneCountersManager(16));

    private FlowTable table(final int r, final int blockSeconds, final int minPackets, final int maxFlows)
    {
        return new FlowTable(new FlowPicSpec(r, blockSeconds, 1500, minPackets), maxFlows, 60 * S, 1 << 16,
            counters, listener);
    }

    private static void packet(final FlowTable table, final int srcPort, final int size, final long t)
    {
        table.reserve(1);
        table.onPacket(4, 6, 0, 0x0A000001L, 0, 0x0A000002L, srcPort, 443, size, t);
    }

    private static float[] image(final FlowPicBlock block, final int r)
    {
        final float[] image = new float[r * r];
        block.addCountsTo(image, 0);
        return image;
    }

    @Test
    void binsAtResolution32AndFifteenSeconds()
    {
        final FlowTable table = table(32, 15, 1, 16);
        packet(table, 1000, 100, T0);                        // row 3200/1500 = 2, col 0
        packet(table, 1000, 1500, T0 + 7_500_000_000L);      // row clipped to 31, col 7.5*32/15 = 16
        packet(table, 1000, 3000, T0 + 14_990_000_000L);     // row clipped to 31, col 31
        packet(table, 1000, 46, T0 + 468_750_000L);          // row 0, col exactly 1 (0.46875 s = one column)
        packet(table, 1000, 47, T0 + 468_749_999L);          // row 1 (47*32=1504), col 0
        packet(table, 1000, 100, T0 + 1);                    // same cell as the first packet
        table.flushAll();

        assertEquals(1, listener.qualified.size());
        final FlowPicBlock block = listener.qualified.get(0);
        assertEquals(6, block.packets);
        assertEquals(100 + 1500 + 3000 + 46 + 47 + 100, block.bytes);
        assertEquals(T0, block.startNanos);
        assertEquals(T0 + 15 * S, block.endNanos);
        final float[] image = image(block, 32);
        assertEquals(2f, image[2 * 32]);
        assertEquals(1f, image[31 * 32 + 16]);
        assertEquals(1f, image[31 * 32 + 31]);
        assertEquals(1f, image[1]);
        assertEquals(1f, image[32]);
        float total = 0;
        for (final float v : image)
        {
            total += v;
        }
        assertEquals(6f, total);
    }

    @Test
    void binsAtResolution1500AndSixtySeconds()
    {
        final FlowTable table = table(1500, 60, 1, 16);
        packet(table, 1000, 0, T0);                          // row 0 col 0
        packet(table, 1000, 1499, T0 + 40_000_000L);         // row 1499, col 1 (40 ms = 60/1500 s)
        packet(table, 1000, 1500, T0 + 39_999_999L);         // row clipped 1499, col 0
        packet(table, 1000, 750, T0 + 30 * S);               // row 750, col 750
        packet(table, 1000, 9000, T0 + 60 * S - 1);          // row 1499, col 1499
        table.flushAll();

        final FlowPicBlock block = listener.qualified.get(0);
        assertEquals(T0 + 60 * S, block.endNanos);
        final float[] image = image(block, 1500);
        assertEquals(1f, image[0]);
        assertEquals(1f, image[1499 * 1500 + 1]);
        assertEquals(1f, image[1499 * 1500]);
        assertEquals(1f, image[750 * 1500 + 750]);
        assertEquals(1f, image[1499 * 1500 + 1499]);
    }

    @Test
    void blocksAreAlignedToFirstPacketAndDoNotOverlap()
    {
        final FlowTable table = table(32, 15, 1, 16);
        final long first = T0 + 123_456_789L;
        packet(table, 1000, 100, first);
        packet(table, 1000, 100, first + 15 * S - 1);        // last nanosecond of block 0
        packet(table, 1000, 100, first + 15 * S);            // first nanosecond of block 1
        packet(table, 1000, 100, first + 47 * S);            // block 3 (block 2 empty, skipped)
        table.flushAll();

        assertEquals(3, listener.qualified.size());
        assertEquals(first, listener.qualified.get(0).startNanos);
        assertEquals(2, listener.qualified.get(0).packets);
        assertEquals(31, listener.qualified.get(0).cellAt(1) % 32);
        assertEquals(first + 15 * S, listener.qualified.get(1).startNanos);
        assertEquals(1, listener.qualified.get(1).packets);
        assertEquals(0, listener.qualified.get(1).cellAt(0) % 32);
        assertEquals(first + 45 * S, listener.qualified.get(2).startNanos);
        // 2 s into the block: column 2*32/15 = 4
        assertEquals(4, listener.qualified.get(2).cellAt(0) % 32);
    }

    @Test
    void blocksBelowMinimumPacketsAreReportedAsTooSmall()
    {
        final FlowTable table = table(32, 15, 10, 16);
        for (int i = 0; i < 9; i++)
        {
            packet(table, 1000, 100, T0 + i * S / 10);
        }
        for (int i = 0; i < 10; i++)
        {
            packet(table, 2000, 100, T0 + i * S / 10);
        }
        table.flushAll();
        assertEquals(1, listener.tooSmall.size());
        assertEquals(9, listener.tooSmall.get(0).packets);
        assertEquals(1, listener.qualified.size());
        assertEquals(10, listener.qualified.get(0).packets);
        assertEquals(2000, listener.qualified.get(0).srcPort);
    }

    @Test
    void anotherFlowsPacketMovesTheClockAndExpiryFinishesBlocksWithoutSameFlowPackets()
    {
        final FlowTable table = table(32, 15, 1, 16);
        packet(table, 1000, 100, T0);
        packet(table, 2000, 100, T0 + 16 * S);
        table.expire(table.clockNanos());
        assertEquals(1, listener.qualified.size());
        assertEquals(1000, listener.qualified.get(0).srcPort);
        assertEquals(2, table.activeFlows());
    }

    @Test
    void aLatePacketAfterASweepFinishedItsWindowIsCountedNotReopened()
    {
        final FlowTable table = table(32, 15, 1, 16);
        packet(table, 1000, 100, T0);
        packet(table, 1000, 100, T0 + 5 * S);
        table.expire(T0 + 16 * S);                           // window [T0, T0+15) finished by the sweep
        packet(table, 1000, 700, T0 + 10 * S);               // late: its window was already journaled
        packet(table, 1000, 100, T0 + 20 * S);               // next window: binned as usual
        table.flushAll();

        assertEquals(2, listener.qualified.size());
        assertEquals(T0, listener.qualified.get(0).startNanos);
        assertEquals(2, listener.qualified.get(0).packets);
        assertEquals(T0 + 15 * S, listener.qualified.get(1).startNanos);
        assertEquals(1, listener.qualified.get(1).packets);
        assertEquals(100, listener.qualified.get(1).bytes);
        assertEquals(1, counters.packetsLate.get());
    }

    @Test
    void aLatePacketAfterTheNextWindowOpenedIsCountedNotBinnedIntoIt()
    {
        final FlowTable table = table(32, 15, 1, 16);
        packet(table, 1000, 100, T0);
        packet(table, 1000, 100, T0 + 16 * S);               // finishes [T0, T0+15) on arrival
        packet(table, 1000, 700, T0 + 14 * S);               // late, whether or not a sweep ran
        packet(table, 1000, 700, T0 - S);                    // before the flow's first packet: late too
        table.flushAll();

        assertEquals(2, listener.qualified.size());
        assertEquals(1, listener.qualified.get(0).packets);
        assertEquals(T0 + 15 * S, listener.qualified.get(1).startNanos);
        assertEquals(1, listener.qualified.get(1).packets);
        assertEquals(100, listener.qualified.get(1).bytes);
        assertEquals(2, counters.packetsLate.get());
        assertEquals(2, counters.packetsOutOfOrder.get());
    }

    @Test
    void anEarlyPacketWhileTheFirstWindowIsOpenStillCountsInIt()
    {
        final FlowTable table = table(32, 15, 1, 16);
        packet(table, 1000, 100, T0 + S);
        packet(table, 1000, 100, T0);                        // before first-seen, window not finished: column 0
        table.flushAll();

        assertEquals(1, listener.qualified.size());
        assertEquals(2, listener.qualified.get(0).packets);
        assertEquals(0, counters.packetsLate.get());
    }

    @Test
    void noTwoBlocksOfAFlowShareAStartWhateverTheSweepTiming()
    {
        final Random random = new Random(42);
        for (int round = 0; round < 50; round++)
        {
            final RecordingListener blocks = new RecordingListener();
            final FlowTable table = new FlowTable(new FlowPicSpec(32, 15, 1500, 1), 16, 60 * S, 1 << 16,
                new FlowTableCounters(FlowTableCounters.standaloneCountersManager(16)), blocks);
            long clock = T0;
            for (int i = 0; i < 400; i++)
            {
                clock += random.nextInt(500) * 1_000_000L;
                // a third of the packets arrive up to 20 s late
                final long t = random.nextInt(3) == 0 ? clock - random.nextInt(20_000) * 1_000_000L : clock;
                packet(table, 1000 + random.nextInt(3), 100, t);
                if (random.nextInt(10) == 0)
                {
                    table.expire(clock);
                }
            }
            table.flushAll();
            final Map<String, Integer> starts = new HashMap<>();
            for (final FlowPicBlock b : blocks.all())
            {
                final String key = b.srcPort + "@" + b.startNanos;
                assertEquals(null, starts.put(key, b.packets), "round " + round + ": two blocks for " + key);
            }
        }
    }

    @Test
    void idleFlowsAreClosedAndARestartedFlowGetsANewGrid()
    {
        final FlowTable table = table(32, 15, 1, 16);
        packet(table, 1000, 100, T0);
        packet(table, 1000, 100, T0 + 100 * S);              // 100 s gap > 60 s idle timeout
        assertEquals(1, listener.qualified.size());
        assertEquals(1, counters.flowsClosedIdle.get());
        table.expire(T0 + 200 * S);
        assertEquals(0, table.activeFlows());
        assertEquals(2, listener.qualified.size());
        assertEquals(T0 + 100 * S, listener.qualified.get(1).startNanos);
        assertEquals(2, counters.flowsCreated.get());
    }

    @Test
    void fullTableRejectsNewFlowsAndCountsTheirPackets()
    {
        final FlowTable table = table(32, 15, 1, 4);
        for (int port = 1; port <= 6; port++)
        {
            packet(table, port, 100, T0);
        }
        assertEquals(4, table.activeFlows());
        assertEquals(2, counters.packetsRejectedTableFull.get());
        packet(table, 6, 100, T0 + 1);                       // a refused flow's every packet counts
        assertEquals(3, counters.packetsRejectedTableFull.get());
        packet(table, 1, 100, T0 + 1);                       // existing flows still update
        table.flushAll();
        assertEquals(4, listener.qualified.size());
    }

    @Test
    void exhaustedCellPoolCountsUnrecordedPacketsButKeepsTotals()
    {
        // A pool of exactly one chunk.
        final FlowTable table = new FlowTable(FlowPicSpec.defaults(), 16, 60 * S, PacketCellPool.CELLS_PER_CHUNK,
            counters, listener);
        for (int i = 0; i < 40; i++)
        {
            packet(table, 1000, 100, T0 + i);
        }
        table.flushAll();
        final FlowPicBlock block = listener.qualified.get(0);
        assertEquals(40, block.packets);
        assertEquals(PacketCellPool.CELLS_PER_CHUNK, block.cellCount());
        assertEquals(40 - PacketCellPool.CELLS_PER_CHUNK, counters.cellsDroppedPoolFull.get());
    }

    @Test
    void ipv6KeysAndDirectionAreDistinct()
    {
        final FlowTable table = table(32, 15, 1, 16);
        table.reserve(1);
        table.onPacket(6, 17, 0x20010DB8L << 32, 1, 0x20010DB8L << 32, 2, 5000, 53, 80, T0);
        table.reserve(1);
        table.onPacket(6, 17, 0x20010DB8L << 32, 2, 0x20010DB8L << 32, 1, 53, 5000, 120, T0 + 1);
        table.reserve(1);
        table.onPacket(4, 17, 0, 1, 0, 2, 5000, 53, 80, T0 + 2);
        table.reserve(1);
        table.onPacket(4, 6, 0, 1, 0, 2, 5000, 53, 80, T0 + 3);
        assertEquals(4, table.activeFlows());
        table.flushAll();
        assertEquals(4, listener.qualified.size());
        final FlowPicBlock v6 = listener.qualified.stream().filter(b -> b.ipVersion == 6 && b.srcPort == 5000)
            .findFirst().orElseThrow();
        assertEquals(0x20010DB8L << 32, v6.srcHi);
        assertEquals(2, v6.dstLo);
        assertEquals(17, v6.protocol);
    }

    @Test
    void randomInsertsAndIdleRemovalsMatchAMapOracle()
    {
        // Backward-shift deletion is the subtle part: compare packet totals against a HashMap.
        final Random random = new Random(42);
        final FlowTable table = new FlowTable(new FlowPicSpec(32, 15, 1500, 1), 4096, 5 * S, 1 << 20,
            counters, listener);
        final Map<Integer, Integer> expectedPackets = new HashMap<>();
        long t = T0;
        for (int i = 0; i < 200_000; i++)
        {
            t += random.nextInt(400_000);
            final int port = (i / 20_000) * 400 + random.nextInt(1000); // a drifting window leaves flows idle
            packet(table, port, 100, t);
            expectedPackets.merge(port, 1, Integer::sum);
            if (i % 5000 == 0)
            {
                table.expire(t);
            }
        }
        table.flushAll();
        final Map<Integer, Integer> actual = new HashMap<>();
        for (final FlowPicBlock block : listener.all())
        {
            actual.merge(block.srcPort, block.packets, Integer::sum);
            assertTrue(block.endNanos - block.startNanos == 15 * S);
        }
        assertEquals(expectedPackets, actual);
        assertEquals(0, counters.packetsRejectedTableFull.get());
        assertTrue(counters.flowsClosedIdle.get() > 0, "the workload must exercise idle removal");
    }

    @Test
    void aScanFloodOfOnePacketFlowsNeverEvictsEstablishedFlows()
    {
        final FlowTable table = table(32, 15, 10, 1000);
        long t = T0;
        for (int round = 0; round < 20; round++)
        {
            for (int port = 1; port <= 100; port++)
            {
                packet(table, port, 500, t++);                 // 100 established flows
            }
            for (int i = 0; i < 1000; i++)
            {
                // SYN scan: a new 5-tuple per packet, towards every port of the host
                table.reserve(1);
                table.onPacket(4, 6, 0, 0x0B000000L + round, 0, 0x0A000002L, 40000, i + 1, 60, t++);
            }
        }
        table.flushAll();
        assertEquals(100, listener.qualified.size(), "every established flow keeps its block");
        for (final FlowPicBlock block : listener.qualified)
        {
            assertEquals(20, block.packets, "no packet of an established flow was lost to the flood");
        }
        // The table held 1000 flows: 100 established + 900 scan probes; the rest were refused and counted.
        assertEquals(20 * 1000 - 900, counters.packetsRejectedTableFull.get());
        assertEquals(900, listener.tooSmall.size());
    }

    @Test
    void theTableAndCellPoolGrowAsFlowsArriveAndKeepEveryFlow()
    {
        final FlowTable table = new FlowTable(new FlowPicSpec(32, 15, 1500, 1), 100_000, 60 * S, 10_000_000,
            counters, listener);
        final long initial = table.reservedBytes();
        assertTrue(initial < table.maxReservedBytes() / 100, "starts small: " + initial);
        for (int round = 0; round < 3; round++)
        {
            for (int flow = 0; flow < 50_000; flow++)
            {
                table.reserve(1);
                table.onPacket(4, 17, 0, 0x0A000000L + flow, 0, 0x0B000001L, 1000 + (flow & 0x3FFF), 53,
                    100 + round, T0 + round * S + flow);
            }
        }
        assertEquals(50_000, table.activeFlows());
        assertTrue(table.reservedBytes() > initial * 10, "grew to hold 50k flows and 150k open packets");
        assertTrue(table.reservedBytes() <= table.maxReservedBytes());
        table.flushAll();
        assertEquals(50_000, listener.qualified.size());
        for (final FlowPicBlock block : listener.qualified)
        {
            assertEquals(3, block.packets);
            assertEquals(3, block.cellCount(), "no cell lost when the pool grew");
        }
        assertEquals(0, counters.cellsDroppedPoolFull.get());
    }
}

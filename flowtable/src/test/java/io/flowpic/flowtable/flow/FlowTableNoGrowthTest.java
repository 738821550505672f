package io.flowpic.flowtable.flow;

import org.junit.jupiter.api.Test;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Nothing grows on the packet path, and what the table reports reserved is what is mapped. */
class FlowTableNoGrowthTest
{
    private static final long T0 = 1_700_000_000_000_000_000L;

    private final FlowTableCounters counters = new FlowTableCounters(FlowTableCounters.standaloneCountersManager(16));

    private FlowTable table(final int maxFlows, final int maxOpenPackets)
    {
        return new FlowTable(new FlowPicSpec(32, 15, 1500, 1), maxFlows, 60_000_000_000L, maxOpenPackets, counters,
            (block, qualifies) -> { });
    }

    private static void packet(final FlowTable table, final int flow, final long t)
    {
        table.onPacket(4, 17, 0, 0x0A000000L + flow, 0, 0x0B000001L, 1000, 53, 100, t);
    }

    @Test
    void aTableFilledToMaxFlowsNeverAllocatesOnThePacketPath()
    {
        final int maxFlows = 20_000;
        final FlowTable table = table(maxFlows, 2_000_000);
        long t = T0;
        for (int flow = 0; flow < maxFlows; flow++)
        {
            table.reserve(1);
            packet(table, flow, t++);
        }
        assertEquals(maxFlows, table.activeFlows());
        final long address = table.slotAddress();
        final long reserved = table.reservedBytes();
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        // 30 more packets per flow need two more cell chunks each (40,000, past the 32,768 the slab has), and
        // every 10th packet is of a new flow, beyond max flows: without reserve() nothing may grow to take them.
        for (int i = 0; i < 30 * maxFlows; i++)
        {
            packet(table, i % 10 == 0 ? maxFlows + i : i % maxFlows, t++);
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
        assertEquals(address, table.slotAddress(), "slot slab replaced on the packet path");
        assertEquals(reserved, table.reservedBytes(), "memory added on the packet path");
        assertTrue(allocated < 16 * 1024, "packet path allocated " + allocated + " B of heap");
        assertTrue(counters.packetsRejectedTableFull.get() > 0);
        assertTrue(counters.cellsDroppedPoolFull.get() > 0, "the pool did not grow, so it ran out");
        table.close();
    }

    @Test
    void belowMaxFlowsOnPacketStillDoesNotGrowOnlyReserveDoes()
    {
        final FlowTable table = table(100_000, 1 << 20);
        final long address = table.slotAddress();
        final int slots = table.slotCount();
        long t = T0;
        for (int flow = 0; flow < 5_000; flow++)
        {
            packet(table, flow, t++); // no reserve(): new flows past the mapped capacity wait, counted
        }
        assertEquals(address, table.slotAddress());
        assertEquals(slots, table.slotCount());
        assertEquals(slots * 3 / 4, table.activeFlows(), "admitted up to load factor 0.75 of what is mapped");
        table.verifySlots();
        assertTrue(table.reserve(1024));
        assertTrue(table.slotCount() > slots);
        assertTrue(table.activeFlows() + 1024 <= table.slotCount() * 3 / 4, "room for a whole ring batch");
        table.verifySlots();
        assertEquals(false, table.reserve(1024), "nothing to add while there is room");
        table.close();
    }

    @Test
    void reservedBytesAreWhatIsMappedThroughGrowthAndClose() throws InterruptedException
    {
        final BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();
        // The pool is the whole JVM's: let earlier tests' garbage buffers go first, then measure each step.
        settle(direct);
        long pre = direct.getMemoryUsed();
        final FlowTable table = table(1_000_000, 16_000_000);
        assertEquals(table.directBytes(), direct.getMemoryUsed() - pre);
        long t = T0;
        int grew = 0;
        for (int flow = 0; flow < 200_000; flow++)
        {
            final long slab = table.directBytes();
            pre = direct.getMemoryUsed();
            if (table.reserve(1))
            {
                grew++;
                // The replaced slab is freed at once: direct memory in use moves by exactly the difference.
                assertEquals(table.directBytes() - slab, direct.getMemoryUsed() - pre, "growth " + grew);
                assertEquals(table.slotCount() * 104L, table.directBytes());
            }
            packet(table, flow, t++);
        }
        assertTrue(grew >= 8, "grew " + grew + " times");
        assertTrue(table.reservedBytes() > table.directBytes(), "plus the cell pool on the heap");
        final long slab = table.directBytes();
        pre = direct.getMemoryUsed();
        table.close();
        assertEquals(-slab, direct.getMemoryUsed() - pre, "close frees the slab");
        assertEquals(0, table.directBytes());
    }

    private static void settle(final BufferPoolMXBean direct) throws InterruptedException
    {
        long last = -1;
        for (int i = 0; i < 50 && direct.getMemoryUsed() != last; i++)
        {
            last = direct.getMemoryUsed();
            System.gc();
            Thread.sleep(20);
        }
    }
}

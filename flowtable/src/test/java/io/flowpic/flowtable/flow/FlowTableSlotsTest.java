package io.flowpic.flowtable.flow;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The slot array of {@link FlowTable}: final capacity ceil(4/3 * max flows) (not a power of two), multiply-shift
 * home slots, probes and backward-shift deletion that wrap at the end of the array by a compare.
 */
@Timeout(120) // a probe or shift that wraps wrongly can loop forever
class FlowTableSlotsTest
{
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * S;

    private final RecordingListener listener = new RecordingListener();
    private final FlowTableCounters counters =
        new FlowTableCounters(FlowTableCounters.standaloneCountersManager(16));

    private record Key(int ipVersion, int protocol, long srcHi, long srcLo, long dstHi, long dstLo, int srcPort,
        int dstPort)
    {
        static Key of(final FlowPicBlock block)
        {
            return new Key(block.ipVersion, block.protocol, block.srcHi, block.srcLo, block.dstHi, block.dstLo,
                block.srcPort, block.dstPort);
        }

        static Key random(final Random random)
        {
            final boolean v6 = random.nextInt(4) == 0;
            return new Key(v6 ? 6 : 4, random.nextBoolean() ? 6 : 17,
                v6 ? random.nextLong() : 0, v6 ? random.nextLong() : random.nextInt() & 0xFFFFFFFFL,
                v6 ? random.nextLong() : 0, v6 ? random.nextLong() : random.nextInt() & 0xFFFFFFFFL,
                random.nextInt(65536), random.nextInt(65536));
        }

        void send(final FlowTable table, final long t)
        {
            table.reserve(1); // the flow agent reserves between ring batches
            table.onPacket(ipVersion, protocol, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, 100, t);
        }

        int indexIn(final FlowTable table)
        {
            return table.indexOf(ipVersion, protocol, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort);
        }

        int home(final int slotCount)
        {
            return FlowTable.homeSlot(slotCount, ipVersion, protocol, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort);
        }
    }

    private FlowTable table(final int maxFlows, final long idleNanos)
    {
        return new FlowTable(new FlowPicSpec(32, 15, 1500, 1), maxFlows, idleNanos, 1 << 20, counters, listener);
    }

    @Test
    void finalCapacityIsFourThirdsOfMaxFlowsRoundedUpNotToAPowerOfTwo()
    {
        assertEquals(1_333_334, FlowTable.maxSlotCount(1_000_000));
        assertEquals(16_000_000, FlowTable.maxSlotCount(FlowTable.MAX_FLOWS));
        assertEquals(2, FlowTable.maxSlotCount(1));
        assertEquals(3, FlowTable.maxSlotCount(2));
        assertEquals(10, FlowTable.maxSlotCount(7));
        for (int maxFlows = 1; maxFlows < 5000; maxFlows++)
        {
            final int slots = FlowTable.maxSlotCount(maxFlows);
            assertTrue(slots > maxFlows, "an empty slot always remains");
            assertTrue(maxFlows <= slots * 0.75 || maxFlows == 1, "load factor <= 0.75 at " + maxFlows);
            assertTrue((slots - 1) * 0.75 < maxFlows, "not oversized at " + maxFlows);
        }
        final FlowTable table = table(1_000_000, 60 * S);
        final long poolMax = table.maxReservedBytes() - 1_333_334L * 104;
        assertTrue(poolMax > 0 && poolMax <= (1 << 20) * 8L, "max reservation = final slots + pool: " + poolMax);
    }

    @Test
    void homeSlotsAreUniformOverANonPowerOfTwoSlotCount()
    {
        final int slots = 1334;
        final int[] histogram = new int[slots];
        final Random random = new Random(7);
        final int keys = slots * 200;
        for (int i = 0; i < keys; i++)
        {
            final int home = Key.random(random).home(slots);
            assertTrue(home >= 0 && home < slots);
            histogram[home]++;
        }
        // Sequential IPv4 addresses and ports (little entropy) spread as well.
        final int[] sequential = new int[slots];
        for (int i = 0; i < keys; i++)
        {
            sequential[FlowTable.homeSlot(slots, 4, 6, 0, 0x0A000000L + i / 1000, 0, 0x0B000001L, i % 1000, 443)]++;
        }
        for (final int[] h : new int[][] {histogram, sequential})
        {
            int min = Integer.MAX_VALUE;
            int max = 0;
            for (final int count : h)
            {
                min = Math.min(min, count);
                max = Math.max(max, count);
            }
            // Expected 200 per slot, standard deviation ~14: a biased reduction (e.g. a modulo of low bits or
            // leaving the top slots empty) falls far outside.
            assertTrue(min > 120 && max < 290, "min " + min + " max " + max);
        }
    }

    @Test
    void aNonPowerOfTwoTableFilledToMaxFlowsKeepsEveryFlowFindable()
    {
        final int maxFlows = 100_000;
        final FlowTable table = table(maxFlows, 60 * S);
        final Random random = new Random(11);
        final List<Key> keys = new ArrayList<>();
        final Map<Key, Boolean> seen = new HashMap<>();
        while (keys.size() < maxFlows)
        {
            final Key key = Key.random(random);
            if (seen.put(key, Boolean.TRUE) == null)
            {
                keys.add(key);
            }
        }
        int slotsSeen = table.slotCount();
        for (int i = 0; i < maxFlows; i++)
        {
            keys.get(i).send(table, T0 + i);
            if (table.slotCount() != slotsSeen)
            {
                assertTrue(i >= slotsSeen * 3 / 4, "grows only past 0.75 load");
                slotsSeen = table.slotCount();
            }
        }
        assertEquals(133_334, table.slotCount(), "final capacity reached, not a power of two");
        assertEquals(maxFlows, table.activeFlows());
        table.verifySlots();
        for (final Key key : keys)
        {
            assertTrue(key.indexIn(table) >= 0);
        }
        Key extra;
        do
        {
            extra = Key.random(random);
        }
        while (seen.containsKey(extra));
        extra.send(table, T0 + maxFlows);
        extra.send(table, T0 + maxFlows + 1);
        assertEquals(2, counters.packetsRejectedTableFull.get(), "both packets of the refused flow counted");
        assertEquals(-1, extra.indexIn(table));
        assertEquals(maxFlows, table.activeFlows());

        // Refresh every other flow, let the rest go idle, and sweep: half of the table is deleted by backward shift.
        final long later = T0 + 61 * S;
        for (int i = 0; i < maxFlows; i += 2)
        {
            keys.get(i).send(table, later + i);
        }
        table.expire(later + maxFlows);
        assertEquals(maxFlows / 2, table.activeFlows());
        table.verifySlots();
        for (int i = 0; i < maxFlows; i++)
        {
            assertEquals(i % 2 == 0, keys.get(i).indexIn(table) >= 0, "flow " + i);
        }
        table.flushAll();
        assertEquals(0, table.activeFlows());
        long packets = 0;
        for (final FlowPicBlock block : listener.all())
        {
            packets += block.packets;
        }
        assertEquals(maxFlows + maxFlows / 2, packets);
    }

    /** Flows whose home slot in a table of {@code slotCount} slots is {@code home}. */
    private static List<Key> keysWithHome(final int slotCount, final int home, final int n)
    {
        final List<Key> keys = new ArrayList<>();
        for (int port = 1; keys.size() < n; port++)
        {
            final Key key = new Key(4, 6, 0, 0x0A000001L, 0, 0x0A000002L, port, 443);
            if (key.home(slotCount) == home)
            {
                keys.add(key);
            }
        }
        return keys;
    }

    @Test
    void probeChainsWrapPastTheEndAndBackwardShiftFollowsThem()
    {
        final FlowTable table = table(7, 60 * S);
        final int n = table.slotCount();
        assertEquals(10, n, "7 flows: ceil(28/3) slots, allocated at once");
        final List<Key> last = keysWithHome(n, n - 1, 3);
        final Key a = last.get(0);
        final Key b = last.get(1);
        final Key c = last.get(2);
        final Key d = keysWithHome(n, 0, 1).get(0);
        final Key e = keysWithHome(n, n - 2, 1).get(0);

        long t = T0;
        for (final Key key : List.of(a, b, c, d, e))
        {
            key.send(table, t);
        }
        assertEquals(n - 1, a.indexIn(table));
        assertEquals(0, b.indexIn(table), "wrapped past the end");
        assertEquals(1, c.indexIn(table));
        assertEquals(2, d.indexIn(table), "home 0, displaced by the wrapped chain");
        assertEquals(n - 2, e.indexIn(table));
        table.verifySlots();

        // Delete a (slot n-1): b, c and d all shift back one slot, across the wrap.
        t += 100 * S;
        for (final Key key : List.of(b, c, d, e))
        {
            key.send(table, t);
        }
        table.expire(t);
        assertEquals(-1, a.indexIn(table));
        assertEquals(n - 1, b.indexIn(table));
        assertEquals(0, c.indexIn(table));
        assertEquals(1, d.indexIn(table));
        assertEquals(n - 2, e.indexIn(table));
        table.verifySlots();

        // Delete e (slot n-2): nothing after it may move into its slot, every follower is at or past its home.
        t += 100 * S;
        for (final Key key : List.of(b, c, d))
        {
            key.send(table, t);
        }
        table.expire(t);
        assertEquals(-1, e.indexIn(table));
        assertEquals(n - 1, b.indexIn(table));
        assertEquals(0, c.indexIn(table));
        assertEquals(1, d.indexIn(table));
        table.verifySlots();

        // Delete b (slot n-1): c wraps back to n-1, d back to its home 0.
        t += 100 * S;
        for (final Key key : List.of(c, d))
        {
            key.send(table, t);
        }
        table.expire(t);
        assertEquals(n - 1, c.indexIn(table));
        assertEquals(0, d.indexIn(table));
        assertEquals(2, table.activeFlows());
        table.verifySlots();

        // A new flow with home n-1 probes past c, wraps and passes d.
        final Key f = keysWithHome(n, n - 1, 4).get(3);
        f.send(table, t);
        assertEquals(1, f.indexIn(table));
        table.verifySlots();

        table.flushAll();
        final Map<Key, Integer> packets = new HashMap<>();
        for (final FlowPicBlock block : listener.all())
        {
            packets.merge(Key.of(block), block.packets, Integer::sum);
        }
        assertEquals(Map.of(a, 1, b, 3, c, 4, d, 4, e, 2, f, 1), packets);
        assertEquals(0, counters.packetsOutOfOrder.get());
    }

    @Test
    void growingRehashesChainsThatWrapPastTheEnd()
    {
        // 1000 flows: 1024 slots first, then the final 1334. Flows homed in the last slot of the final table are
        // homed in the last slot of the 1024-slot one too, so their chain wraps in both.
        final FlowTable table = table(1000, 60 * S);
        assertEquals(1024, table.slotCount());
        final List<Key> wrapping = keysWithHome(1334, 1333, 6);
        for (final Key key : wrapping)
        {
            assertEquals(1023, key.home(1024));
        }
        long t = T0;
        for (final Key key : wrapping)
        {
            key.send(table, t++);
        }
        assertEquals(1023, wrapping.get(0).indexIn(table));
        assertEquals(0, wrapping.get(1).indexIn(table));
        table.verifySlots();
        final Random random = new Random(3);
        while (table.slotCount() == 1024)
        {
            Key.random(random).send(table, t++);
        }
        assertEquals(1334, table.slotCount());
        table.verifySlots();
        // The rehash walks the old slots in order: old slot 0 (the second flow) takes slot 1333 and the rest
        // wrap to the start, the first flow (old slot 1023) last of all.
        assertEquals(1333, wrapping.get(1).indexIn(table));
        for (final Key key : wrapping)
        {
            final int index = key.indexIn(table);
            assertTrue(index == 1333 || index < 40, "wrapped to the start: " + index);
        }
        for (final Key key : wrapping)
        {
            key.send(table, t++);
        }
        assertEquals(0, counters.packetsRejectedTableFull.get());
        table.flushAll();
        long packets = 0;
        for (final FlowPicBlock block : listener.all())
        {
            packets += Key.of(block).equals(wrapping.get(0)) ? block.packets : 0;
        }
        assertEquals(2, packets);
    }

    @Test
    void aSweepThatDeletesAcrossTheWrapVisitsEveryFlow()
    {
        // Every flow idle at once, chains wrapping past the end: the sweep must close all of them.
        final FlowTable table = table(7, 60 * S);
        final int n = table.slotCount();
        final List<Key> keys = new ArrayList<>(keysWithHome(n, n - 1, 4));
        keys.addAll(keysWithHome(n, n - 3, 3));
        for (int i = 0; i < keys.size(); i++)
        {
            keys.get(i).send(table, T0 + i);
        }
        assertEquals(7, table.activeFlows());
        table.verifySlots();
        assertEquals(7, table.expire(T0 + 100 * S));
        assertEquals(0, table.activeFlows());
        assertEquals(7, counters.flowsClosedIdle.get());
        for (final Key key : keys)
        {
            assertEquals(-1, key.indexIn(table));
        }
        table.verifySlots();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 7, 10, 13, 100, 767, 1000, 3000})
    void randomPacketsAndSweepsMatchAHashMapModel(final int maxFlows)
    {
        final long idle = S;
        final FlowTable table = table(maxFlows, idle);
        final Random random = new Random(maxFlows * 31L + 5);
        // A pool of twice max flows (plus a few) so the table runs full; a drifting window leaves flows idle.
        final int poolSize = 2 * maxFlows + 4;
        final Key[] pool = new Key[poolSize * 4];
        for (int i = 0; i < pool.length; i++)
        {
            pool[i] = Key.random(random);
        }
        final Map<Key, Long> lastSeen = new HashMap<>();
        final Map<Key, Integer> accepted = new HashMap<>();
        long rejected = 0;
        long closedIdle = 0;
        long created = 0;
        long t = T0;
        final int ops = Math.max(20_000, maxFlows * 60);
        final int verifyEvery = Math.max(1, maxFlows / 4);
        for (int op = 0; op < ops; op++)
        {
            // About 1.5 x max flows packets per idle timeout: enough distinct flows to run the table full.
            t += random.nextInt((int)(idle * 4 / (3L * maxFlows)) + 1);
            if (random.nextInt(100) == 0)
            {
                final long now = t;
                int closedNow = 0;
                for (final Iterator<Map.Entry<Key, Long>> it = lastSeen.entrySet().iterator(); it.hasNext(); )
                {
                    if (now - it.next().getValue() > idle)
                    {
                        it.remove();
                        closedNow++;
                    }
                }
                closedIdle += closedNow;
                final int work = table.expire(now);
                assertTrue(work >= closedNow, "work " + work + " < closed " + closedNow);
                table.verifySlots();
            }
            else
            {
                final int window = (int)((long)op * (pool.length - poolSize) / ops);
                final Key key = pool[window + random.nextInt(poolSize)];
                final Long last = lastSeen.get(key);
                if (last != null)
                {
                    if (t - last > idle)
                    {
                        closedIdle++;
                        created++;
                    }
                    lastSeen.put(key, t);
                    accepted.merge(key, 1, Integer::sum);
                }
                else if (lastSeen.size() >= maxFlows)
                {
                    rejected++;
                }
                else
                {
                    lastSeen.put(key, t);
                    accepted.merge(key, 1, Integer::sum);
                    created++;
                }
                key.send(table, t);
            }
            assertEquals(lastSeen.size(), table.activeFlows(), "op " + op);
            if (op % verifyEvery == 0)
            {
                table.verifySlots();
                for (final Key key : lastSeen.keySet())
                {
                    assertNotEquals(-1, key.indexIn(table), "op " + op);
                }
            }
        }
        table.verifySlots();
        for (final Key key : pool)
        {
            assertEquals(lastSeen.containsKey(key), key.indexIn(table) >= 0);
        }
        assertEquals(FlowTable.maxSlotCount(maxFlows), table.slotCount(), "grew to the final capacity");
        assertEquals(rejected, counters.packetsRejectedTableFull.get());
        assertEquals(closedIdle, counters.flowsClosedIdle.get());
        assertEquals(created, counters.flowsCreated.get());
        assertTrue(rejected > 0, "the table ran full");
        assertTrue(closedIdle > 0, "flows went idle");

        table.flushAll();
        final Map<Key, Integer> packets = new HashMap<>();
        for (final FlowPicBlock block : listener.all())
        {
            packets.merge(Key.of(block), block.packets, Integer::sum);
        }
        assertEquals(accepted, packets);
    }
}

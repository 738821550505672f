package io.flowpic.sensor.pipeline;

import io.flowpic.flowtable.capture.LinkType;
import io.flowpic.flowtable.decode.Packets;
import io.flowpic.flowtable.flow.FlowPicBlock;
import io.flowpic.flowtable.flow.FlowPicSpec;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Live, a block is finished when it is due (its window's end, or its flow's idle timeout), within a tick of the
 * flow table's deadline index, whatever else the table holds: the flow agent runs on a wall clock the test
 * moves, no sleeps.
 */
class FlowAgentDeadlineTest
{
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final long T0 = 1_700_000_000L * S;
    /** One tick of the deadline index (2^23 ns) and a little: the most a due block may wait. */
    private static final long TICK = (1L << 23) + MS;
    private static final int FILLER_FLOWS = 10_000;

    private long wallNow = T0;

    private static void offer(final PacketRing ring, final int host, final int port, final long ts)
    {
        final UnsafeBuffer packet = new UnsafeBuffer(Packets.ipv4(0x0A000000 | host, 0x0A010001, 17, 0, 0,
            new byte[0], Packets.udp(port, 53, 72)));
        ring.offer(LinkType.RAW, packet, 0, packet.capacity(), packet.capacity(), ts);
    }

    private void runAt(final FlowAgent agent, final long wall)
    {
        wallNow = wall;
        for (int i = 0; i < 32; i++) // a ring read takes at most 1,024 packets
        {
            agent.doWork();
        }
    }

    /** A live flow agent on {@link #wallNow}: 15 s blocks, 10 packets to qualify. */
    private FlowAgent liveAgent(final SensorCounters counters, final PacketRing ring, final BlockHandoff handoff,
        final int maxFlows, final long idleTimeoutNanos, final int maxOpenPackets)
    {
        return new FlowAgent(new PipelineContext(PipelineContext.Mode.LIVE)
            .spec(new FlowPicSpec(32, 15, 1500, 10)).maxFlows(maxFlows).idleTimeoutNanos(idleTimeoutNanos)
            .maxOpenPackets(maxOpenPackets).counters(counters).clock(() -> wallNow)
            .backPressureIdle(NoOpIdleStrategy::new).conclude(), ring, handoff);
    }

    @Test
    void blocksAreFinishedWhenDueNotBeforeAndNotATickLater()
    {
        final SensorCounters counters = SensorCounters.standalone();
        final PacketRing ring = new PacketRing(4 << 20, 256);
        final BlockHandoff handoff = new BlockHandoff(16);
        // 15 s blocks, 5 s idle timeout, 10 packets to qualify.
        final FlowAgent agent = liveAgent(counters, ring, handoff, 100_000, 5 * S, 1_000_000);

        // Ten thousand one-packet flows at T0 + 3 s (due idle at T0 + 8 s, too small), and one flow with a packet
        // every second from T0: its block is due at its end, T0 + 15 s, though its idle deadline keeps moving.
        for (int second = 0; second < 15; second++)
        {
            offer(ring, 1, 5000, T0 + second * S);
            if (second == 3)
            {
                for (int f = 0; f < FILLER_FLOWS; f++)
                {
                    offer(ring, 2 + f / 60_000, 1024 + f % 60_000, T0 + 3 * S);
                }
            }
            runAt(agent, T0 + second * S);
            if (second == 7)
            {
                assertEquals(FILLER_FLOWS + 1, agent.activeFlows());
                runAt(agent, T0 + 8 * S - MS);
                assertEquals(0, counters.blocksTooSmall.get(), "not idle yet");
                runAt(agent, T0 + 8 * S + TICK);
                assertEquals(FILLER_FLOWS, counters.blocksTooSmall.get(), "every idle flow's block, at once");
                assertEquals(FILLER_FLOWS, counters.flowTable.flowsClosedIdle.get());
                assertEquals(1, agent.activeFlows());
            }
        }

        runAt(agent, T0 + 15 * S - MS);
        assertNull(handoff.poll(), "the block is open until its end");
        runAt(agent, T0 + 15 * S + TICK);
        final FlowPicBlock block = handoff.poll();
        assertNotNull(block, "finished within a tick of its end, with no packet to finish it");
        assertEquals(15, block.packets);
        assertEquals(T0, block.startNanos);
        assertEquals(1, agent.activeFlows(), "the flow itself is not idle yet");

        // Its last packet was at T0 + 14 s: idle (no block open) after T0 + 19 s.
        runAt(agent, T0 + 19 * S - MS);
        assertEquals(1, agent.activeFlows());
        runAt(agent, T0 + 19 * S + TICK);
        assertEquals(0, agent.activeFlows(), "closed when idle");
        assertEquals(FILLER_FLOWS + 1, counters.flowTable.flowsClosedIdle.get());
        assertNull(handoff.poll(), "no block twice");
        assertEquals(1, counters.blocksQueued.get());
    }

    /** A block already over when its packets arrive (timestamps behind the wall clock) goes out at the next tick. */
    @Test
    void aBlockAlreadyDueWhenItOpensIsFinishedAtTheNextTickNotATurnLater()
    {
        final SensorCounters counters = SensorCounters.standalone();
        final PacketRing ring = new PacketRing(1 << 20, 256);
        final BlockHandoff handoff = new BlockHandoff(16);
        final FlowAgent agent = liveAgent(counters, ring, handoff, 1024, 60 * S, 100_000);
        runAt(agent, T0 + 100 * S);
        for (int i = 0; i < 12; i++)
        {
            offer(ring, 1, 5000, T0 + 80 * S + i * MS); // window T0 + 80 s .. 95 s, over on arrival
        }
        runAt(agent, T0 + 100 * S + MS);
        runAt(agent, T0 + 100 * S + TICK + MS);
        final FlowPicBlock block = handoff.poll();
        assertNotNull(block, "due before it was filed: finished at the next tick");
        assertEquals(12, block.packets);
    }
}

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

/** Clock steps, live and replay: no crash, and no block left open waiting for time to come back. */
class ClockJumpTest
{
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * S;

    private long wallNow = T0;

    private static void offer(final PacketRing ring, final int flow, final long ts)
    {
        final UnsafeBuffer packet = new UnsafeBuffer(Packets.ipv4(0x0A000000 | flow, 0x0A010001, 17, 0, 0,
            new byte[0], Packets.udp(20000 + flow, 53, 72)));
        ring.offer(LinkType.RAW, packet, 0, packet.capacity(), packet.capacity(), ts);
    }

    @Test
    void liveWallClockSteppingBackFinishesOpenBlocksAtOnce()
    {
        final SensorCounters counters = SensorCounters.standalone();
        final PacketRing ring = new PacketRing(1 << 20, 256);
        final BlockHandoff handoff = new BlockHandoff(16);
        final FlowAgent agent = new FlowAgent(new PipelineContext(PipelineContext.Mode.LIVE)
            .spec(new FlowPicSpec(32, 15, 1500, 10)).maxFlows(1024).idleTimeoutNanos(60 * S).maxOpenPackets(100_000)
            .counters(counters).clock(() -> wallNow).backPressureIdle(NoOpIdleStrategy::new).conclude(), ring, handoff);
        for (int i = 0; i < 12; i++)
        {
            offer(ring, 1, T0 + i * S / 10);
        }
        agent.doWork();
        wallNow = T0 + 2 * S;
        agent.doWork();
        assertNull(handoff.poll(), "the 15 s block is still open");

        wallNow = T0 - 3600 * S; // NTP steps the clock back an hour
        agent.doWork();
        final FlowPicBlock block = handoff.poll();
        assertNotNull(block, "the open block is finished, not left waiting an hour");
        assertEquals(12, block.packets);
        assertEquals(1, counters.clockJumps.get());

        // Packets on the new time axis start fresh flows and blocks.
        for (int i = 0; i < 12; i++)
        {
            offer(ring, 1, wallNow + i * S / 10);
        }
        agent.doWork();
        wallNow += 16 * S;
        agent.doWork();
        final FlowPicBlock after = handoff.poll();
        assertNotNull(after);
        assertEquals(12, after.packets);
        assertEquals(T0 - 3600 * S, after.startNanos);
    }

    @Test
    void replayWithTimestampsJumpingBothWaysCompletesAndAccountsEveryPacket()
    {
        final SensorCounters counters = SensorCounters.standalone();
        final PacketRing ring = new PacketRing(1 << 20, 256);
        final BlockHandoff handoff = new BlockHandoff(64);
        final FlowAgent agent = new FlowAgent(new PipelineContext(PipelineContext.Mode.REPLAY)
            .spec(new FlowPicSpec(32, 15, 1500, 1)).maxFlows(1024).idleTimeoutNanos(60 * S).maxOpenPackets(100_000)
            .counters(counters).backPressureIdle(NoOpIdleStrategy::new).conclude(), ring, handoff);
        final long[] times = {T0, T0 + 1, T0 + 86_400 * S, T0 - 86_400 * S, T0 + 2, T0 + 86_400 * S + 1, T0 - 1};
        for (final long t : times)
        {
            offer(ring, 1, t);
        }
        ring.offerEnd();
        for (int i = 0; i < 10 && !agent.isFinished(); i++)
        {
            agent.doWork();
        }
        int packets = 0;
        for (FlowPicBlock b = handoff.poll(); b != null; b = handoff.poll())
        {
            packets += b.packets;
        }
        assertEquals(times.length, packets);
        assertEquals(0, counters.flowTable.flowsActive.get());
    }
}

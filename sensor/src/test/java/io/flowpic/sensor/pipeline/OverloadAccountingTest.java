package io.flowpic.sensor.pipeline;

import io.flowpic.flowtable.capture.LinkType;
import io.flowpic.flowtable.decode.Packets;
import io.flowpic.flowtable.flow.FlowPicSpec;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.sensor.journal.JournalWriter;
import io.flowpic.sensor.testing.TestModels;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Live-mode overload: nothing blocks, and every packet and block is accounted for by a counter. */
class OverloadAccountingTest
{
    private static final long T0 = 1_700_000_000_000_000_000L;

    private static UnsafeBuffer udp(final int flow, final int size)
    {
        return new UnsafeBuffer(Packets.ipv4(0x0A000000 | flow, 0x0A010001, 17, 0, 0, new byte[0],
            Packets.udp(20000 + flow, 53, size - 28)));
    }

    @Test
    void fullHandOffDropsBlocksWithACounterInsteadOfWaiting()
    {
        final SensorCounters counters = SensorCounters.standalone();
        final PacketRing ring = new PacketRing(1 << 20, 256);
        final BlockHandoff handoff = new BlockHandoff(2);
        // Live configuration: wall clock, never wait; no inference agent drains the hand-off.
        final FlowAgent agent = new FlowAgent(live(counters), ring, handoff);
        int offered = 0;
        for (int flow = 0; flow < 5; flow++)
        {
            for (int i = 0; i < 12; i++)
            {
                final UnsafeBuffer packet = udp(flow, 100 + i);
                assertTrue(ring.offer(LinkType.RAW, packet, 0, packet.capacity(), packet.capacity(), T0 + i));
                offered++;
            }
        }
        // One malformed packet: truncated IPv4 header.
        final UnsafeBuffer broken = new UnsafeBuffer(new byte[] {0x45, 0, 0, 40});
        assertTrue(ring.offer(LinkType.RAW, broken, 0, 4, 4, T0));
        offered++;
        agent.doWork();
        agent.requestStop(System.nanoTime()); // no time left to wait for inference
        for (int i = 0; i < 10 && !agent.isFinished(); i++)
        {
            agent.doWork();
        }
        assertTrue(agent.isFinished());

        long malformed = 0;
        for (final var counter : counters.decodeResults)
        {
            malformed += counter == null ? 0 : counter.get();
        }
        assertEquals(offered, counters.packetsDecoded.get() + malformed, "every packet decoded or counted");
        assertEquals(60, counters.packetsDecoded.get());
        assertEquals(5, counters.flowTable.flowsCreated.get());
        assertEquals(2, counters.blocksQueued.get());
        assertEquals(3, counters.blocksDropped.get(), "the hand-off holds 2; the other 3 blocks are counted drops");
        assertEquals(2, handoff.pendingCount());
    }

    @Test
    void theShutdownFlushWaitsForInferenceUntilTheStopDeadline() throws Exception
    {
        for (final boolean inferenceRuns : new boolean[] {true, false})
        {
            final SensorCounters counters = SensorCounters.standalone();
            final PacketRing ring = new PacketRing(1 << 20, 256);
            final BlockHandoff handoff = new BlockHandoff(2);
            final FlowAgent agent = new FlowAgent(live(counters), ring, handoff);
            for (int flow = 0; flow < 50; flow++)
            {
                for (int i = 0; i < 12; i++)
                {
                    final UnsafeBuffer packet = udp(flow, 100 + i);
                    assertTrue(ring.offer(LinkType.RAW, packet, 0, packet.capacity(), packet.capacity(), T0 + i));
                }
            }
            final Thread inference = new Thread(() ->
            {
                while (!agent.isFinished() || handoff.pendingCount() > 0)
                {
                    final var block = handoff.poll();
                    if (block != null)
                    {
                        handoff.release(block);
                    }
                    Thread.onSpinWait();
                }
            });
            if (inferenceRuns)
            {
                inference.start();
            }
            // Stop requested before the agent has read the ring (capture stopped with packets in flight). With
            // inference running, the deadline is far enough that a loaded machine's scheduling (the two spinning
            // threads sharing a core: 48 hand-offs, a time slice each) cannot reach it; without, it must be met.
            final long started = System.nanoTime();
            final long budget = inferenceRuns ? 5_000_000_000L : 300_000_000L;
            agent.requestStop(started + budget);
            while (!agent.isFinished())
            {
                agent.doWork();
                assertTrue(System.nanoTime() - started < 10_000_000_000L, "the flush must end at the deadline");
            }
            inference.join(10_000);
            if (inferenceRuns)
            {
                assertEquals(50, counters.blocksQueued.get(), "every block waited for its slot");
                assertEquals(0, counters.blocksDropped.get());
            }
            else
            {
                assertTrue(System.nanoTime() - started >= 300_000_000L, "waited until the deadline");
                assertEquals(2, counters.blocksQueued.get());
                assertEquals(48, counters.blocksDropped.get(), "after the deadline, the rest are counted drops");
            }
        }
    }

    @Test
    void blocksStillQueuedWhenInferenceIsStoppedAreCountedAsDropped(@TempDir final Path dir) throws Exception
    {
        final SensorCounters counters = SensorCounters.standalone();
        final BlockHandoff handoff = new BlockHandoff(8);
        for (int i = 0; i < 3; i++)
        {
            handoff.publish(handoff.claim());
        }
        final Path model = TestModels.write(dir.resolve("model"), 32, 15, "close-fixed");
        try (FlowPicClassifier classifier = FlowPicClassifier.load(model);
            JournalWriter journal = new JournalWriter(dir.resolve("journal"), RollCycles.FAST_HOURLY))
        {
            final InferenceAgent agent = new InferenceAgent(new PipelineContext(PipelineContext.Mode.LIVE)
                .batchSize(64).maxWaitNanos(1_000_000_000L).counters(counters).conclude(), classifier, handoff, journal,
                () -> false);
            agent.onClose(); // the shutdown deadline passed before it got to them
            assertEquals(3, counters.blocksDropped.get());
            assertEquals(0, counters.journalRecords.get());
        }
    }

    @Test
    void fullRingRefusesInsteadOfBlockingSoTheCaptureThreadCanCountTheDrop()
    {
        final PacketRing ring = new PacketRing(4096, 256);
        final UnsafeBuffer packet = udp(1, 200);
        int accepted = 0;
        while (ring.offer(LinkType.RAW, packet, 0, packet.capacity(), packet.capacity(), T0))
        {
            accepted++;
            assertTrue(accepted < 1000, "a 4 KiB ring must fill up");
        }
        assertTrue(accepted > 0);
        assertFalse(ring.offer(LinkType.RAW, packet, 0, packet.capacity(), packet.capacity(), T0));
    }

    /** Live configuration: wall clock, never wait (no inference agent drains the hand-off). */
    private static PipelineContext live(final SensorCounters counters)
    {
        return new PipelineContext(PipelineContext.Mode.LIVE).spec(FlowPicSpec.defaults()).maxFlows(1024)
            .idleTimeoutNanos(60_000_000_000L).maxOpenPackets(100_000).counters(counters)
            .backPressureIdle(NoOpIdleStrategy::new).conclude();
    }
}

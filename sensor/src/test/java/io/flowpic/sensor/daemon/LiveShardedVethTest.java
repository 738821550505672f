package io.flowpic.sensor.daemon;

import io.flowpic.sensor.config.ConfigLoader;
import io.flowpic.sensor.journal.LabelRecord;
import io.flowpic.sensor.metrics.MetricCatalog;
import io.flowpic.sensor.testing.TestCaptures;
import io.flowpic.sensor.testing.TestModels;
import io.flowpic.sensor.testing.VethPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Live with {@code pipeline.flow-agents: 2}: the capture thread dispatches each packet to one of two flow agents by
 * its 5-tuple, so every flow is accounted whole by one agent — one record per flow with all its packets — and both
 * agents get flows. Traffic only inside the veth pair the test created (198.18.0.0/24).
 */
class LiveShardedVethTest
{
    private static final int FLOWS = 40;
    private static final int PACKETS = 12;
    private static final int FIRST_PORT = 41000;

    @TempDir
    Path dir;

    @Test
    void everyFlowIsJournaledWholeByOneOfTwoFlowAgents() throws Exception
    {
        try (VethPair pair = VethPair.create())
        {
            final Path model = TestModels.write(dir.resolve("model"), 32, 15, "live-sharded");
            final StringWriter log = new StringWriter();
            final LiveSensor sensor = LiveSensor.start(new ConfigLoader().load(LiveSensorVethTest.writeConfig(dir,
                pair, model, "metrics:\n  enabled: false\npipeline:\n  flow-agents: 2")), null, new PrintWriter(log));
            final long[] decodedPerAgent;
            final long ringDrops;
            try
            {
                pair.replayFromNamespace(TestCaptures.udpFlows(dir.resolve("flows.pcap"), FIRST_PORT, 5000, FLOWS,
                    PACKETS), 2000);
                Thread.sleep(300); // let the last frames pass the capture thread
                sensor.stop();
                sensor.tick();
                ringDrops = sensor.counters().packetsRingDropped.get();
                decodedPerAgent = perAgent(sensor, MetricCatalog.PACKETS_DECODED.name());
            }
            finally
            {
                sensor.close();
            }
            assertEquals(0, ringDrops);
            assertEquals(2, decodedPerAgent.length, "one set of counters per flow agent");
            assertTrue(decodedPerAgent[0] > 0 && decodedPerAgent[1] > 0,
                "both agents decoded packets: " + java.util.Arrays.toString(decodedPerAgent));

            final Map<Integer, List<Long>> packetsByPort = new TreeMap<>();
            for (final LabelRecord r : LiveSensorVethTest.journal(dir.resolve("journal")))
            {
                if (r.protocol == 17 && r.dstPort == 5000 && r.srcPort >= FIRST_PORT && r.srcPort < FIRST_PORT + FLOWS)
                {
                    packetsByPort.computeIfAbsent(r.srcPort, k -> new ArrayList<>()).add((long)r.packets);
                }
            }
            for (int f = 0; f < FLOWS; f++)
            {
                assertEquals(List.of((long)(PACKETS + f % 7)), packetsByPort.get(FIRST_PORT + f),
                    "flow " + (FIRST_PORT + f) + ": one record with all its packets; all: " + packetsByPort);
            }
        }
    }

    /** The values of the counters named {@code name}, one per flow agent, from the sensor's counters area. */
    private static long[] perAgent(final LiveSensor sensor, final String name)
    {
        final org.agrona.concurrent.status.CountersReader reader = sensor.counters().manager;
        final List<Long> values = new ArrayList<>();
        reader.forEach((id, typeId, key, label) ->
        {
            if (label.equals(name))
            {
                values.add(reader.getCounterValue(id));
            }
        });
        return values.stream().mapToLong(Long::longValue).toArray();
    }
}

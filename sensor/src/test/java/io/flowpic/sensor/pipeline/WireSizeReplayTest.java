package io.flowpic.sensor.pipeline;

import io.flowpic.flowtable.capture.CaptureWriter;
import io.flowpic.flowtable.capture.LinkType;
import io.flowpic.flowtable.decode.Packets;
import io.flowpic.inference.FlowPicClassifier;
import io.flowpic.sensor.cli.Main;
import io.flowpic.sensor.config.ConfigLoader;
import io.flowpic.sensor.config.SensorConfig;
import io.flowpic.sensor.journal.JournalReader;
import io.flowpic.sensor.journal.LabelRecord;
import io.flowpic.sensor.testing.TestModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Sizes as on the wire: a BIG TCP / TSO packet (IPv4 total length 0) cut by the snap length is sized from the
 * capture's original (wire) length, not from the bytes captured, and counted as oversize.
 */
class WireSizeReplayTest
{
    private static final long T0 = 1_700_000_000L;
    private static final int SRC = 0x0A010001;   // 10.1.0.1
    private static final int DST = 0x0A020002;   // 10.2.0.2
    private static final int CAPTURED = 96;

    @TempDir
    static Path dir;
    static Path model;
    static Path capture;
    static Path config;

    @BeforeAll
    static void writeModelCaptureAndConfig() throws Exception
    {
        model = TestModels.write(dir.resolve("model"), 32, 15, "wire-fixed");
        capture = dir.resolve("big-tcp.pcap");
        // One TCP packet of 9,000 IP bytes on the wire, total length field 0, captured to 96 bytes.
        final byte[] ip = Packets.ipv4(SRC, DST, 6, 0, 0, new byte[0], Packets.tcp(40000, 443, 9000 - 40));
        ip[2] = 0;
        ip[3] = 0;
        final byte[] frame = Packets.ethernet(0x0800, ip);
        final CaptureWriter pcap = CaptureWriter.pcap(ByteOrder.LITTLE_ENDIAN, false, CAPTURED, LinkType.ETHERNET);
        pcap.record(T0, 0, CAPTURED, frame.length, Arrays.copyOf(frame, CAPTURED));
        Files.write(capture, pcap.bytes());
        assertEquals(14 + 9000, frame.length);
        // One packet is a block worth journaling here.
        config = dir.resolve("one-packet.yaml");
        Files.writeString(config, "flowpic:\n  min-packets: 1\n");
    }

    @Test
    void theCliJournalsTheWireSizeOfAPacketWithoutAnIpLength() throws Exception
    {
        final Path journal = dir.resolve("journal-cli");
        final StringWriter err = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "replay", "--config",
            config.toString(), "--model", model.toString(), "--journal", journal.toString(), capture.toString()),
            err.toString());
        final List<LabelRecord> records;
        try (JournalReader reader = new JournalReader(journal))
        {
            records = reader.readAll();
        }
        assertEquals(1, records.size());
        assertEquals(1, records.get(0).packets);
        assertEquals(9000, records.get(0).bytes);
    }

    @Test
    void aPacketOverTheMaximumSizeIsCountedOversize() throws Exception
    {
        final SensorConfig sensorConfig = new ConfigLoader().load(config).withModelPath(model.toString())
            .withJournalPath(dir.resolve("journal-pipeline").toString());
        try (FlowPicClassifier classifier = FlowPicClassifier.load(model))
        {
            final ReplayPipeline pipeline = new ReplayPipeline(sensorConfig, classifier,
                new PrintWriter(new StringWriter()));
            pipeline.run(List.of(capture));
            assertEquals(1, pipeline.counters().packetsDecoded.get());
            assertEquals(1, pipeline.counters().flowTable.packetsOversize.get());
        }
    }
}

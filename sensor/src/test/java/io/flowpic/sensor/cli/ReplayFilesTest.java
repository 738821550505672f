package io.flowpic.sensor.cli;

import io.flowpic.flowtable.capture.CaptureWriter;
import io.flowpic.flowtable.capture.LinkType;
import io.flowpic.flowtable.decode.Packets;
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
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several files in one replay: each its own capture by default (records independent of the other files and
 * their order), one capture with --continuous (flows carry over; files must be in time order).
 */
class ReplayFilesTest
{
    private static final long T0 = 1_700_000_000L;
    private static final int X_SRC = 0x0A000001;
    private static final int X_DST = 0x0A000002;

    @TempDir
    static Path dir;
    static Path model;
    /** Flow X's first 12 packets (0..2.75 s) and flow Z. */
    static Path a;
    /** Flow X's next 12 packets (5..7.75 s, the same 15 s block as A's) and flow Y. */
    static Path b;
    /** Starts inside A (1 s) and ends after it: not A's successor in a rotation. */
    static Path overlapping;
    static int journals;

    @BeforeAll
    static void writeModelAndCaptures() throws Exception
    {
        model = TestModels.write(dir.resolve("model"), 32, 15, "files");
        a = capture("a.pcap", new int[] {1000, 3000}, 0);
        b = capture("b.pcap", new int[] {1000, 2000}, 5_000_000);
        overlapping = capture("c.pcap", new int[] {4000}, 1_000_000);
    }

    /** 12 UDP packets 250 ms apart for each source port, from {@code startMicros} after T0. */
    static Path capture(final String name, final int[] srcPorts, final long startMicros) throws Exception
    {
        final CaptureWriter pcap = CaptureWriter.pcap(ByteOrder.LITTLE_ENDIAN, false, 65535, LinkType.ETHERNET);
        for (int i = 0; i < 12; i++)
        {
            for (final int port : srcPorts)
            {
                final long micros = startMicros + i * 250_000L;
                final byte[] ip = Packets.ipv4(X_SRC, X_DST, 17, i, 0, new byte[0], Packets.udp(port, 53, 100 + i));
                pcap.record(T0 + micros / 1_000_000, micros % 1_000_000, Packets.ethernet(0x0800, ip));
            }
        }
        return Files.write(dir.resolve(name), pcap.bytes());
    }

    record Run(int code, String out, String err, Path journal)
    {
    }

    static Run replay(final String... args)
    {
        final Path journal = dir.resolve("journal-" + journals++);
        final List<String> all = new ArrayList<>(List.of("replay", "--model", model.toString(), "--journal",
            journal.toString()));
        all.addAll(List.of(args));
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(new String[0]));
        return new Run(code, out.toString(), err.toString(), journal);
    }

    /** The records as comparable lines, sorted: a multiset independent of journal order. */
    static List<String> records(final Run run) throws Exception
    {
        assertEquals(0, run.code(), run.err());
        final List<String> lines = new ArrayList<>();
        try (JournalReader reader = new JournalReader(run.journal()))
        {
            for (final LabelRecord r : reader.readAll())
            {
                lines.add(r.srcIp() + ":" + r.srcPort + ">" + r.dstIp() + ":" + r.dstPort + "/" + r.protocolName() +
                    " " + r.startNanos + ".." + r.endNanos + " packets " + r.packets + " bytes " + r.bytes + " " +
                    r.label);
            }
        }
        lines.sort(null);
        return lines;
    }

    @Test
    void eachFileIsItsOwnCaptureWhateverTheOrder() throws Exception
    {
        final List<String> expected = new ArrayList<>(records(replay(a.toString())));
        expected.addAll(records(replay(b.toString())));
        expected.sort(null);
        assertEquals(4, expected.size(), expected.toString()); // X twice (once per file), Y, Z
        assertEquals(expected, records(replay(a.toString(), b.toString())));
        assertEquals(expected, records(replay(b.toString(), a.toString())));
    }

    @Test
    void continuousCarriesFlowsIntoTheNextFile() throws Exception
    {
        final List<String> lines = records(replay("--continuous", a.toString(), b.toString()));
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.stream().anyMatch(line -> line.contains(":1000>") && line.contains("packets 24 ")),
            lines.toString());
    }

    @Test
    void continuousRefusesFilesOutOfTimeOrderBeforeAnyWork()
    {
        final Run run = replay("--continuous", b.toString(), a.toString());
        assertEquals(ExitCodes.USAGE, run.code(), run.err());
        assertTrue(run.err().contains(a.toString()) && run.err().contains(b.toString()), run.err());
        assertTrue(run.err().contains("time order"), run.err());
        assertFalse(run.err().contains("\tat ") || run.err().contains("Exception"), run.err());
        assertFalse(Files.exists(run.journal()), "nothing should be journaled");
        assertEquals("", run.out());
    }

    @Test
    void continuousSkipsAFileThatStartsBeforeThePreviousEnds() throws Exception
    {
        final Run run = replay("--continuous", a.toString(), overlapping.toString());
        assertEquals(ExitCodes.INPUT_ERROR, run.code(), run.err());
        assertTrue(run.err().contains(a.toString()) && run.err().contains(overlapping.toString()), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
        assertTrue(run.out().contains("files              2"), run.out());
        try (JournalReader reader = new JournalReader(run.journal()))
        {
            assertEquals(2, reader.readAll().size()); // A's flows X and Z only
        }
    }
}

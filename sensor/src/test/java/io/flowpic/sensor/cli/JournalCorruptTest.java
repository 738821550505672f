package io.flowpic.sensor.cli;

import io.flowpic.sensor.testing.TestJournals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * journal tail on a journal with a damaged record: the records before it are printed, then it stops with exit 1
 * naming the record's index and its .cq4 file, without Chronicle's stack trace or hex dump.
 */
class JournalCorruptTest
{
    @TempDir
    Path dir;

    @Test
    void aRecordWithAnUnknownLayoutVersionIsNamedAndStopsTheTail() throws Exception
    {
        final Path journal = dir.resolve("journal");
        TestJournals.append(journal, 0, 3);
        final Path cq4 = onlyCq4(journal);
        // Record 1 (the second): version byte 1, IPv4, UDP, source port 1025 (little-endian), destination 3478.
        corrupt(cq4, new byte[] {1, 4, 17, 0x01, 0x04, (byte)0x96, 0x0D}, 0, (byte)9);

        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "journal", "tail",
            "--journal", journal.toString());
        assertEquals(ExitCodes.INPUT_ERROR, exit, err.toString());
        assertEquals(1, out.toString().lines().count(), "the record before the damaged one: " + out);
        final String message = err.toString().trim();
        assertTrue(message.startsWith("flowpic: journal " + journal + ": record 1 (index 0x"), message);
        assertTrue(message.contains(" in " + cq4 + ") is damaged: unknown layout version 9"), message);
        assertFalse(message.contains("\tat ") || message.contains("Exception") || message.contains("00000000 "),
            message);
        assertEquals(1, message.lines().count(), message);
    }

    /** A label length past the record's end: Chronicle's underflow (with its hex dump) must not reach the user. */
    @Test
    void aRecordWhoseFieldsRunPastItsEndIsNamedToo() throws Exception
    {
        final Path journal = dir.resolve("journal");
        TestJournals.append(journal, 0, 3);
        final Path cq4 = onlyCq4(journal);
        // Record 1: bytes = 1500 * 11 - 1 = 16499 (0x4073, little-endian long), then the label "video", length 5.
        corrupt(cq4, new byte[] {0x73, 0x40, 0, 0, 0, 0, 0, 0, 5, 'v'}, 8, (byte)0x7F);

        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "journal", "tail",
            "--format", "json", "--journal", journal.toString());
        assertEquals(ExitCodes.INPUT_ERROR, exit, err.toString());
        assertEquals(1, out.toString().lines().count(), out.toString());
        final String message = err.toString().trim();
        assertTrue(message.startsWith("flowpic: journal " + journal + ": record 1 (index 0x"), message);
        assertTrue(message.contains(" in " + cq4 + ") is damaged: "), message);
        assertFalse(message.contains("\tat ") || message.contains("Exception") || message.contains("00000000 "),
            message);
        assertEquals(1, message.lines().count(), message);
    }

    private static Path onlyCq4(final Path journal) throws Exception
    {
        try (Stream<Path> files = Files.list(journal))
        {
            final List<Path> cq4 = files.filter(p -> p.toString().endsWith(".cq4")).toList();
            assertEquals(1, cq4.size(), cq4.toString());
            return cq4.get(0);
        }
    }

    /** Replaces byte {@code at} of the one occurrence of {@code pattern}. */
    static void corrupt(final Path file, final byte[] pattern, final int at, final byte replacement) throws Exception
    {
        final byte[] bytes = Files.readAllBytes(file);
        int found = -1;
        for (int i = 0; i + pattern.length <= bytes.length; i++)
        {
            if (java.util.Arrays.equals(bytes, i, i + pattern.length, pattern, 0, pattern.length))
            {
                assertEquals(-1, found, "pattern occurs more than once");
                found = i;
            }
        }
        assertTrue(found >= 0, "record not found in " + file);
        bytes[found + at] = replacement;
        Files.write(file, bytes);
    }
}

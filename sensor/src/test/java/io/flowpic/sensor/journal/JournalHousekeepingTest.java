package io.flowpic.sensor.journal;

import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalHousekeepingTest
{
    private static final long DAY = TimeUnit.DAYS.toMillis(1);
    private static final long DAY0 = LocalDate.of(2026, 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();

    @TempDir
    Path dir;

    @Test
    void appendsOnlyReadTheFlagAndNeverDoHousekeeping() throws Exception
    {
        final AtomicLong free = new AtomicLong(Long.MAX_VALUE);
        final AtomicLong spaceQueries = new AtomicLong();
        try (JournalWriter writer = new JournalWriter(dir.resolve("j"), RollCycles.FAST_DAILY))
        {
            final JournalHousekeeping housekeeping = new JournalHousekeeping(writer, () ->
            {
                spaceQueries.incrementAndGet();
                return free.get();
            }, 1 << 20, 1);
            assertEquals(1, spaceQueries.get(), "one check at start, so the first append sees the right flag");
            final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1300);
            int appended = 0;
            free.set(0); // the disk fills up; only housekeeping may notice
            while (System.nanoTime() < end) // past both check intervals as the old append path counted them
            {
                assertTrue(writer.append(JournalWriterGuardTest.record()));
                appended++;
                Thread.sleep(5);
            }
            assertTrue(appended > 10);
            assertEquals(1, spaceQueries.get(), "append asked for free space");
            assertEquals(1, housekeeping.spaceChecks());
            assertEquals(0, housekeeping.retentionPasses(), "append applied retention");

            assertTrue(housekeeping.doWork() > 0);
            assertEquals(2, spaceQueries.get());
            assertEquals(1, housekeeping.retentionPasses());
            assertFalse(writer.append(JournalWriterGuardTest.record()), "refused once housekeeping saw the disk full");
            assertFalse(writer.spaceAvailable());
        }
    }

    @Test
    void retentionDeletesOldRollFilesThroughChronicleNeverTheCurrentAndReadersReadTheRest() throws Exception
    {
        final Path journal = dir.resolve("retained");
        final SetTimeProvider time = new SetTimeProvider(TimeUnit.MILLISECONDS.toNanos(DAY0 + 1000));
        try (JournalWriter writer = new JournalWriter(journal, RollCycles.FAST_DAILY, time))
        {
            final JournalHousekeeping housekeeping = new JournalHousekeeping(writer, () -> Long.MAX_VALUE, 0,
                TimeUnit.DAYS.toMillis(7));
            append(writer, 3, "day0");
            time.currentTimeMillis(DAY0 + DAY + 1000);
            append(writer, 2, "day1");
            time.currentTimeMillis(DAY0 + 2 * DAY + 1000);
            append(writer, 4, "day2");
            final Path day0 = journal.resolve("20260101F.cq4");
            final Path day1 = journal.resolve("20260102F.cq4");
            final Path day2 = journal.resolve("20260103F.cq4");
            assertTrue(Files.exists(day0) && Files.exists(day1) && Files.exists(day2));
            final long now = System.currentTimeMillis();
            Files.setLastModifiedTime(day0, FileTime.fromMillis(now - 30 * DAY));
            Files.setLastModifiedTime(day1, FileTime.fromMillis(now - 3 * DAY)); // within retention
            Files.setLastModifiedTime(day2, FileTime.fromMillis(now - 30 * DAY)); // old, but the current cycle

            try (JournalReader openedBefore = new JournalReader(journal))
            {
                assertEquals("day0", openedBefore.next().label); // an exporter part-way through the oldest file
                assertEquals(1, housekeeping.deleteExpiredRollFiles(now - 7 * DAY));
                assertFalse(Files.exists(day0));
                assertTrue(Files.exists(day1) && Files.exists(day2), "kept: within retention, and the current");
                // It still has the deleted file mapped, so may finish it; then it reads every remaining record.
                final List<String> rest = labels(openedBefore.readAll());
                assertEquals(List.of("day1", "day1", "day2", "day2", "day2", "day2"),
                    rest.subList(rest.size() - 6, rest.size()), rest.toString());
                assertTrue(rest.subList(0, rest.size() - 6).stream().allMatch("day0"::equals), rest.toString());
            }
            try (JournalReader openedAfter = new JournalReader(journal))
            {
                assertEquals(List.of("day1", "day1", "day2", "day2", "day2", "day2"), labels(openedAfter.readAll()));
            }

            // However old: the current cycle's file stays, and the day1 file goes once Chronicle has released it
            // (it tells listeners in the background).
            final int day1Cycle = writer.queue().lastCycle() - 1;
            final long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (writer.heldCycles().isHeld(day1Cycle) && System.nanoTime() < giveUp)
            {
                Thread.sleep(10);
            }
            assertEquals(1, housekeeping.deleteExpiredRollFiles(Long.MAX_VALUE));
            assertFalse(Files.exists(day1));
            assertTrue(Files.exists(day2));

            // A new day with nothing written yet: day2's file is the newest and still stays.
            time.currentTimeMillis(DAY0 + 3 * DAY + 1000);
            assertEquals(0, housekeeping.deleteExpiredRollFiles(Long.MAX_VALUE));
            assertTrue(Files.exists(day2));
            append(writer, 1, "day3");
            assertEquals(2, housekeeping.rollFilesDeleted());
        }
        try (JournalReader reader = new JournalReader(journal))
        {
            assertEquals(List.of("day2", "day2", "day2", "day2", "day3"), labels(reader.readAll()));
        }
    }

    private static void append(final JournalWriter writer, final int count, final String label)
    {
        for (int i = 0; i < count; i++)
        {
            final LabelRecord record = JournalWriterGuardTest.record();
            record.label = label;
            assertTrue(writer.append(record));
        }
    }

    private static List<String> labels(final List<LabelRecord> records)
    {
        return records.stream().map(r -> r.label).toList();
    }
}

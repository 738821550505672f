package io.flowpic.sensor.journal;

import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalWriterGuardTest
{
    @TempDir
    Path dir;

    static LabelRecord record()
    {
        final LabelRecord record = new LabelRecord();
        record.ipVersion = 4;
        record.protocol = 17;
        record.label = "voip";
        record.modelId = "m";
        record.scoreLabels = new String[] {"voip"};
        record.scores = new float[] {1f};
        return record;
    }

    @Test
    void belowTheFreeSpaceMinimumRecordsAreRefusedNotWritten() throws Exception
    {
        final Path journal = dir.resolve("full");
        try (JournalWriter writer = new JournalWriter(journal, RollCycles.FAST_DAILY))
        {
            new JournalHousekeeping(writer, Long.MAX_VALUE, 0);
            assertFalse(writer.append(record()), "no file system has Long.MAX_VALUE bytes free");
            assertFalse(writer.spaceAvailable());
        }
        try (JournalWriter writer = new JournalWriter(journal, RollCycles.FAST_DAILY))
        {
            new JournalHousekeeping(writer, 0, 0);
            assertTrue(writer.append(record()));
        }
        try (JournalReader reader = new JournalReader(journal))
        {
            assertEquals(1, reader.readAll().size(), "only the accepted record is in the journal");
        }
    }

    @Test
    void newJournalDirectoryIsOwnerAndGroupOnly() throws Exception
    {
        final Path journal = dir.resolve("private");
        try (JournalWriter writer = new JournalWriter(journal, RollCycles.FAST_DAILY))
        {
            assertTrue(writer.append(record()));
        }
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(journal)));
    }

    @Test
    void unwritableDirectoryIsNamed() throws Exception
    {
        final Path journal = Files.createDirectories(dir.resolve("readonly"));
        Files.setPosixFilePermissions(journal, PosixFilePermissions.fromString("r-xr-xr-x"));
        final boolean root = "root".equals(System.getProperty("user.name"));
        if (!root) // root writes anywhere; the check only means something for the service user
        {
            final Exception ex = assertThrows(java.io.IOException.class,
                () -> new JournalWriter(journal, RollCycles.FAST_DAILY));
            assertTrue(ex.getMessage().contains(journal.toString()));
        }
    }
}

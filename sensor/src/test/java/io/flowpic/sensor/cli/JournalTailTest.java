package io.flowpic.sensor.cli;

import io.flowpic.sensor.testing.TestJournals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** journal tail: --follow waits for a journal not there yet; an unreadable one is said to be so. */
class JournalTailTest
{
    @TempDir
    Path dir;

    @Test
    void followWaitsForTheJournalToAppear() throws Exception
    {
        final Path journal = dir.resolve("later");
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final AtomicInteger code = new AtomicInteger(-1);
        final Thread tail = new Thread(() -> code.set(Main.run(new PrintWriter(out, true), new PrintWriter(err, true),
            "journal", "tail", "--follow", "--journal", journal.toString())));
        tail.start();
        try
        {
            await(() -> err.toString().contains("waiting for it"), err);
            Thread.sleep(700); // more than one poll: still waiting, not exited
            assertTrue(tail.isAlive(), "exited " + code.get() + ": " + err);
            assertTrue(err.toString().contains("no journal at " + journal), err.toString());

            TestJournals.append(journal, 0, 3);
            await(() -> out.toString().lines().count() == 3, out);
            assertFalse(err.toString().contains("\tat "), err.toString());
        }
        finally
        {
            tail.interrupt();
            tail.join(10_000);
        }
    }

    @Test
    void withoutFollowAMissingJournalIsAnError()
    {
        final Path journal = dir.resolve("none");
        final StringWriter err = new StringWriter();
        assertEquals(ExitCodes.INPUT_ERROR, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err, true),
            "journal", "tail", "--journal", journal.toString()));
        assertEquals("flowpic: no journal at " + journal, err.toString().trim());
    }

    /** Root reads everything, so as root the tail runs as nobody in a child JVM. */
    @Test
    void anUnreadableJournalIsPermissionDeniedNamingIt() throws Exception
    {
        final Path parent = Files.createDirectories(dir.resolve("var"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
        final Path journal = parent.resolve("journal");
        TestJournals.append(journal, 0, 1);
        Files.setPosixFilePermissions(journal, PosixFilePermissions.fromString("rwx------"));
        final boolean root = "root".equals(System.getProperty("user.name"));
        final List<String> tail = List.of("journal", "tail", "--journal", journal.toString());
        for (final boolean follow : new boolean[] {false, true})
        {
            final List<String> args = new ArrayList<>(tail);
            if (follow)
            {
                args.add("--follow");
            }
            final int exit;
            final String err;
            if (root)
            {
                final io.flowpic.sensor.testing.AsNobody.Result r =
                    io.flowpic.sensor.testing.AsNobody.run(dir, args.toArray(new String[0]));
                exit = r.exitCode();
                err = r.err();
            }
            else
            {
                final StringWriter text = new StringWriter();
                exit = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(text, true),
                    args.toArray(new String[0]));
                err = text.toString();
            }
            assertEquals(ExitCodes.INPUT_ERROR, exit, err);
            assertTrue(err.startsWith("flowpic: permission denied reading the journal at " + journal), err);
            assertFalse(err.contains("no journal") || err.contains("\tat "), err);
        }
    }

    private static void await(final java.util.function.BooleanSupplier condition, final Object shown)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out; so far: " + shown);
            }
            Thread.sleep(50);
        }
    }
}

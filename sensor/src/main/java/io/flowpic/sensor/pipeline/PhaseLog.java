package io.flowpic.sensor.pipeline;

import java.time.Instant;

/**
 * Opt-in phase timestamps for profiling a whole process ({@code -Dflowpic.phases=true}): one line on
 * stderr per phase, {@code phase NAME EPOCH_SECONDS THREAD}, so a script can line them up with the
 * process's own start and exit. Off by default; when off a mark costs one static boolean test.
 */
public final class PhaseLog
{
    private static final boolean ENABLED = Boolean.getBoolean("flowpic.phases");

    private PhaseLog()
    {
    }

    public static void mark(final String phase)
    {
        if (ENABLED)
        {
            final Instant now = Instant.now();
            System.err.printf("phase %s %d.%06d %s%n", phase, now.getEpochSecond(), now.getNano() / 1000,
                Thread.currentThread().getName());
        }
    }
}

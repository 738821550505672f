package io.flowpic.sensor.journal;

import net.openhft.chronicle.queue.impl.StoreFileListener;

import java.io.File;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The roll cycles the writer's queue has mapped and not yet released, as Chronicle reports them, so
 * retention never deletes a file Chronicle still holds. Chronicle calls in on the appending thread (once
 * per roll, not per record); housekeeping reads from its own.
 */
final class HeldCycles implements StoreFileListener
{
    private final Set<Integer> held = ConcurrentHashMap.newKeySet();

    @Override
    public boolean isActive()
    {
        return true;
    }

    @Override
    public void onAcquired(final int cycle, final File file)
    {
        held.add(cycle);
    }

    @Override
    public void onReleased(final int cycle, final File file)
    {
        held.remove(cycle);
    }

    boolean isHeld(final int cycle)
    {
        return held.contains(cycle);
    }
}

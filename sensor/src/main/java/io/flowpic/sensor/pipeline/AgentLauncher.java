package io.flowpic.sensor.pipeline;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Starts the pipeline's agents, each on its own thread (Agrona {@link AgentRunner}s), and closes them: a
 * runner's close stops its duty cycle and calls the agent's {@code onClose} on the agent's own thread. The
 * first error any agent throws is kept, with its cause, and stops the pipeline; later errors (often
 * consequences of the first) do not replace it.
 */
public final class AgentLauncher implements AutoCloseable
{
    private final AtomicReference<Throwable> firstError = new AtomicReference<>();
    private final List<AgentRunner> runners = new ArrayList<>();

    /** Starts {@code agent} on a new thread named after its role. */
    public synchronized AgentRunner start(final Agent agent, final IdleStrategy idle)
    {
        final AgentRunner runner = new AgentRunner(idle, this::onError, null, agent);
        runners.add(runner);
        AgentRunner.startOnThread(runner);
        return runner;
    }

    /** Closes one runner early (a replay's per-file flow agent); waits for its {@code onClose}. */
    public synchronized void close(final AgentRunner runner)
    {
        runner.close();
        runners.remove(runner);
    }

    /** Keeps the first error of any agent; also for failures outside agents that stop the pipeline. */
    public void onError(final Throwable error)
    {
        firstError.compareAndSet(null, error);
    }

    /** The first error of any agent, or null. */
    public Throwable error()
    {
        return firstError.get();
    }

    /** @throws PipelineStoppedException with the first agent error as its cause, when there is one. */
    public void throwIfFailed()
    {
        final Throwable error = firstError.get();
        if (error != null)
        {
            throw new PipelineStoppedException(error);
        }
    }

    /** Any runner closed (an agent that threw out of its duty cycle ends there). */
    public synchronized boolean anyClosed()
    {
        for (final AgentRunner runner : runners)
        {
            if (runner.isClosed())
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Closes every runner still open in the order they started: producers (flow agents) before the inference
     * agent, so a producer still waiting for a hand-off slot is not left waiting on a consumer that is gone.
     */
    public synchronized void close()
    {
        for (final AgentRunner runner : runners)
        {
            runner.close();
        }
        runners.clear();
    }

    /** An agent died; the pipeline cannot complete. The cause is the first agent error. */
    public static final class PipelineStoppedException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        PipelineStoppedException(final Throwable cause)
        {
            super("pipeline stopped: " + cause, cause);
        }
    }
}

package io.flowpic.sensor.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Runs a short external command with a time limit; for test network set-up. */
public final class Shell
{
    private Shell()
    {
    }

    /** Exit code and stdout+stderr of a finished command. */
    public record Result(int exitCode, String output)
    {
    }

    /** @return stdout+stderr; throws when the command fails or overruns. */
    public static String run(final long timeoutSeconds, final String... command) throws IOException, InterruptedException
    {
        final Result result = runBounded(timeoutSeconds, java.util.List.of(command));
        if (result.exitCode() != 0)
        {
            throw new IOException("exit " + result.exitCode() + ": " + String.join(" ", command) + "\n" +
                result.output());
        }
        return result.output();
    }

    /**
     * Runs a command with no input; the time limit holds even when the command never closes its output (read on
     * another thread). On overrun the command and its children are killed and an IOException thrown.
     */
    public static Result runBounded(final long timeoutSeconds, final java.util.List<String> command)
        throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        final byte[][] output = new byte[1][];
        final Thread reader = new Thread(() ->
        {
            try
            {
                output[0] = process.getInputStream().readAllBytes();
            }
            catch (final IOException ex)
            {
                output[0] = new byte[0];
            }
        });
        reader.setDaemon(true);
        reader.start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
        {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new IOException("timed out after " + timeoutSeconds + " s: " + String.join(" ", command));
        }
        reader.join(5000);
        return new Result(process.exitValue(), output[0] == null ? "" : new String(output[0], StandardCharsets.UTF_8));
    }

    public static boolean available(final String... command)
    {
        try
        {
            run(20, command);
            return true;
        }
        catch (final IOException | InterruptedException ex)
        {
            return false;
        }
    }
}

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

    /** @return stdout+stderr; throws when the command fails or overruns. */
    public static String run(final long timeoutSeconds, final String... command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
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
        reader.start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IOException("timed out after " + timeoutSeconds + " s: " + String.join(" ", command));
        }
        reader.join(5000);
        final String text = output[0] == null ? "" : new String(output[0], StandardCharsets.UTF_8);
        if (process.exitValue() != 0)
        {
            throw new IOException("exit " + process.exitValue() + ": " + String.join(" ", command) + "\n" + text);
        }
        return text;
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

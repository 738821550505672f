package io.flowpic.sensor.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs external tools (dpkg-deb, systemd-analyze) for the packaging tests. */
final class Commands
{
    record Result(int exitCode, String output)
    {
    }

    private Commands()
    {
    }

    static boolean onPath(final String tool)
    {
        final String path = System.getenv("PATH");
        return path != null && Arrays.stream(path.split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }

    static Result run(final Map<String, String> env, final String... command) throws IOException, InterruptedException
    {
        final ProcessBuilder builder = new ProcessBuilder(List.of(command)).redirectErrorStream(true);
        builder.environment().putAll(env);
        final Process process = builder.start();
        process.getOutputStream().close();
        final byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", command));
        }
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static Result run(final String... command) throws IOException, InterruptedException
    {
        return run(Map.of(), command);
    }

    /**
     * As {@link #run}, but the time limit holds even when the command never closes its output (the output is read
     * on another thread); the command and its children are killed when it overruns.
     */
    static Result runBounded(final long timeoutSeconds, final List<String> command) throws IOException, InterruptedException
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

    /** The repository root (tests run with flowpic.home set to it by the build). */
    static Path repository()
    {
        final String home = System.getProperty("flowpic.home");
        return home != null ? Path.of(home) : Path.of("..").toAbsolutePath().normalize();
    }
}

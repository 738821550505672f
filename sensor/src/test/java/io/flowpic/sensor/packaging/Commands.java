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

    /** {@link io.flowpic.sensor.testing.Shell#runBounded}, as a {@link Result}. */
    static Result runBounded(final long timeoutSeconds, final List<String> command) throws IOException, InterruptedException
    {
        final io.flowpic.sensor.testing.Shell.Result result =
            io.flowpic.sensor.testing.Shell.runBounded(timeoutSeconds, command);
        return new Result(result.exitCode(), result.output());
    }

    /** The repository root (tests run with flowpic.home set to it by the build). */
    static Path repository()
    {
        final String home = System.getProperty("flowpic.home");
        return home != null ? Path.of(home) : Path.of("..").toAbsolutePath().normalize();
    }
}

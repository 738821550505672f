package io.flowpic.sensor.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code flowpic ARGS} in a child JVM as user nobody (setpriv), for tests of what an unprivileged user
 * meets when the tests themselves run as root. The class path must be one nobody can read. Root's ~/.m2 is not readable by nobody, and
 * target/lib exists only after packaging (a clean `mvn verify` runs the tests first), so the test class path's
 * jars are copied into a world-readable folder; module class folders of the reactor are used where they are.
 * TensorFlow's native jars (hundreds of MB) are left out: what runs as nobody loads no model.
 */
public final class AsNobody
{
    private static final long LARGEST_JAR = 30L << 20;

    private AsNobody()
    {
    }

    /** The exit code and standard error of one run. */
    public record Result(int exitCode, String err)
    {
    }

    /** Runs {@code flowpic args} as nobody; {@code dir} holds the copied class path and the captured stderr. */
    public static Result run(final Path dir, final String... args) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534",
            "--clear-groups"));
        command.addAll(SensorProcess.javaCommand(classPath(dir), args));
        final Path stderr = Files.createTempFile(dir, "stderr", ".txt");
        final Process process = new ProcessBuilder(command).redirectError(stderr.toFile())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!process.waitFor(60, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IOException("flowpic " + String.join(" ", args) + " as nobody did not exit within 60 s");
        }
        return new Result(process.exitValue(), Files.readString(stderr, StandardCharsets.UTF_8));
    }

    /** Copies the jars into {@code dir}/nobody-lib (once per dir) and returns the class path. */
    static String classPath(final Path dir) throws IOException
    {
        final Path lib = dir.resolve("nobody-lib");
        final boolean fresh = !Files.isDirectory(lib);
        Files.createDirectories(lib);
        Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("rwxr-xr-x"));
        final StringBuilder classPath = new StringBuilder(Path.of("target", "classes").toAbsolutePath().toString());
        int n = 0;
        for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
        {
            final Path path = Path.of(entry);
            if (Files.isDirectory(path))
            {
                classPath.append(File.pathSeparator).append(path.toAbsolutePath());
            }
            else if (entry.endsWith(".jar") && Files.isRegularFile(path) && Files.size(path) < LARGEST_JAR)
            {
                final Path copy = lib.resolve((n++) + "-" + path.getFileName());
                if (fresh)
                {
                    Files.copy(path, copy);
                    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
                }
                classPath.append(File.pathSeparator).append(copy);
            }
        }
        return classPath.toString();
    }
}

package io.flowpic.sensor.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A class path a child JVM run as nobody (setpriv) can read. Root's ~/.m2 is not readable by nobody, and
 * target/lib exists only after packaging (a clean `mvn verify` runs the tests first), so the test class path's
 * jars are copied into a world-readable folder; module class folders of the reactor are used where they are.
 * TensorFlow's native jars (hundreds of MB) are left out: what runs as nobody loads no model.
 */
public final class NobodyClassPath
{
    private static final long LARGEST_JAR = 30L << 20;

    private NobodyClassPath()
    {
    }

    /** Copies the jars into {@code dir}/lib (once per dir) and returns the class path. */
    public static String in(final Path dir) throws IOException
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

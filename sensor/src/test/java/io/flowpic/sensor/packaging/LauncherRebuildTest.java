package io.flowpic.sensor.packaging;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checkout launcher (`./flowpic`) on a copy of a checkout's layout, with `mvn` and `java` replaced by
 * scripts that record their calls: an edit of config/flowpic.yaml (the built-in defaults) goes into the jar
 * without a Maven build; an edit of a source file still rebuilds.
 */
class LauncherRebuildTest
{
    private static final String DEFAULTS_ENTRY = "io/flowpic/sensor/config/flowpic.yaml";

    @TempDir
    Path home;

    @Test
    void anEditedDefaultConfigIsCopiedIntoTheJarWithoutAMavenBuild() throws Exception
    {
        final Path jar = layout();
        Files.writeString(home.resolve("config/flowpic.yaml"), "metrics:\n  port: 9999\n");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() - 60_000));

        final Commands.Result result = launch();
        assertFalse(Files.exists(home.resolve("mvn-called")), "config edit started a Maven build: " + result.output());
        assertTrue(Files.exists(home.resolve("java-called")), result.output());
        try (ZipFile zip = new ZipFile(jar.toFile()))
        {
            assertEquals("metrics:\n  port: 9999\n",
                new String(zip.getInputStream(zip.getEntry(DEFAULTS_ENTRY)).readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void anEditedSourceStillRebuilds() throws Exception
    {
        final Path jar = layout();
        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Files.writeString(home.resolve("sensor/src/Edited.java"), "class Edited {}\n");

        final Commands.Result result = launch();
        assertTrue(Files.exists(home.resolve("mvn-called")), "a source edit must rebuild: " + result.output());
    }

    /** A checkout's files as the launcher looks at them, built a minute before now. */
    private Path layout() throws Exception
    {
        Files.copy(Commands.repository().resolve("flowpic"), home.resolve("flowpic"));
        Files.writeString(home.resolve("pom.xml"), "<project/>\n");
        for (final String dir : new String[] {"flowtable", "inference", "sensor/src", "sensor/target/lib", "config",
            "bin"})
        {
            Files.createDirectories(home.resolve(dir));
        }
        Files.writeString(home.resolve("config/flowpic.yaml"), "# defaults\n");
        Files.writeString(home.resolve("sensor/target/jvm.options"), "-Dx=1\n");
        final Path jar = home.resolve("sensor/target/flowpic-sensor-0.1.0-SNAPSHOT.jar");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(jar)))
        {
            zip.putNextEntry(new ZipEntry(DEFAULTS_ENTRY));
            zip.write("# defaults\n".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        final long old = System.currentTimeMillis() - 120_000;
        try (var files = Files.walk(home))
        {
            for (final Path p : files.toList())
            {
                Files.setLastModifiedTime(p, FileTime.fromMillis(old));
            }
        }
        script("mvn", "touch \"" + home.resolve("mvn-called") + "\"");
        script("java", "touch \"" + home.resolve("java-called") + "\"");
        return jar;
    }

    private void script(final String name, final String body) throws Exception
    {
        final Path file = home.resolve("bin").resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Commands.Result launch() throws Exception
    {
        // The JDK's own jar tool, found beside the java running this test; java and mvn are the recording scripts.
        final String jdkBin = Path.of(System.getProperty("java.home"), "bin").toString();
        final Path jarTool = Path.of(jdkBin, "jar");
        if (Files.isExecutable(jarTool))
        {
            Files.createSymbolicLink(home.resolve("bin/jar"), jarTool);
        }
        return Commands.run(Map.of("PATH", home.resolve("bin") + ":/usr/bin:/bin", "FLOWPIC_CACHE",
            home.resolve("cache").toString()), "bash", home.resolve("flowpic").toString(), "stat");
    }
}

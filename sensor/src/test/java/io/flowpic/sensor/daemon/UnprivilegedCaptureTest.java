package io.flowpic.sensor.daemon;

import io.flowpic.sensor.testing.SensorProcess;
import io.flowpic.sensor.testing.Shell;
import io.flowpic.sensor.testing.TestModels;
import io.flowpic.sensor.testing.VethPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The service's way of running: a non-root user holding only CAP_NET_RAW and CAP_NET_ADMIN (as
 * systemd's AmbientCapabilities gives them) captures and journals.
 */
class UnprivilegedCaptureTest
{
    private static final String NOBODY = "65534";

    @TempDir
    Path dir;

    @Test
    void capturesAsNonRootUserWithOnlyNetRawAndNetAdmin() throws Exception
    {
        try (VethPair pair = VethPair.create())
        {
            assumeTrue(Shell.available("setpriv", "--version"), "skipped: setpriv (util-linux) is not installed");
            // Everything the unprivileged process touches must be readable by it: copy the jars out of
            // root's Maven repository, give it its own TensorFlow native cache and a writable journal.
            Shell.run(10, "chmod", "755", dir.toString());
            final Path lib = Files.createDirectories(dir.resolve("lib"));
            final List<String> classPath = new ArrayList<>();
            int index = 0;
            for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
            {
                final Path source = Path.of(entry);
                if (Files.isRegularFile(source))
                {
                    final Path copy = lib.resolve(index++ + "-" + source.getFileName());
                    Files.copy(source, copy);
                    classPath.add(copy.toString());
                }
                else
                {
                    final Path copy = dir.resolve("classes-" + index++);
                    Shell.run(60, "cp", "-r", source.toString(), copy.toString());
                    classPath.add(copy.toString());
                }
            }
            final Path model = TestModels.write(dir.resolve("model"), 32, 15, "unprivileged");
            final Path journal = dir.resolve("journal");
            Shell.run(30, "chmod", "-R", "a+rX", dir.toString());
            Files.createDirectories(journal);
            Files.createDirectories(dir.resolve("cache"));
            Shell.run(10, "chown", NOBODY + ":" + NOBODY, journal.toString(), dir.resolve("cache").toString());

            final List<String> java = SensorProcess.javaCommand(String.join(File.pathSeparator, classPath), "run",
                "--interface", pair.hostEnd, "--model", model.toString(), "--journal", journal.toString());
            java.replaceAll(arg -> arg.startsWith("-Dorg.bytedeco.javacpp.cachedir=") ?
                "-Dorg.bytedeco.javacpp.cachedir=" + dir.resolve("cache") : arg);
            final List<String> command = new ArrayList<>(List.of("setpriv", "--reuid", NOBODY, "--regid", NOBODY,
                "--clear-groups", "--inh-caps", "+net_raw,+net_admin", "--ambient-caps", "+net_raw,+net_admin"));
            command.addAll(java);
            try (SensorProcess sensor = SensorProcess.start(command))
            {
                sensor.awaitOutput("capturing on " + pair.hostEnd, 120);
                assertFalse(sensor.output().contains("running as root"), sensor.output());
                pair.replayFromNamespace(LiveSensorVethTest.udpFlowCapture(dir.resolve("u.pcap"), 44000, 9000, 20), 500);
                Thread.sleep(300);
                sensor.signal("TERM");
                assertEquals(0, sensor.awaitExit(30), sensor.output());
            }
            final List<String> tuples = new ArrayList<>();
            LiveSensorVethTest.journal(journal).forEach(r -> tuples.add(LiveSensorVethTest.tuple(r) + "=" + r.packets));
            assertEquals(List.of("198.18.0.2:44000>198.18.0.1:9000/UDP=20"), tuples);
        }
    }
}

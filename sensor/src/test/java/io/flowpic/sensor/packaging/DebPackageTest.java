package io.flowpic.sensor.packaging;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks sensor/target/flowpic_*_amd64.deb, built by {@code mvn verify -Pdeb} (which runs this test
 * after packaging). Skips with a message when there is no package or no dpkg-deb.
 */
class DebPackageTest
{
    private static final Path TARGET = Commands.repository().resolve("sensor/target");
    private static Path deb;
    private static String contents;

    private static String skipReason;

    @BeforeAll
    static void findPackage() throws Exception
    {
        if (!Commands.onPath("dpkg-deb"))
        {
            skipReason = "dpkg-deb not installed: package checks skipped";
        }
        else
        {
            try (Stream<Path> files = Files.list(TARGET))
            {
                deb = files.filter(p -> p.getFileName().toString().matches("flowpic_.*_amd64\\.deb"))
                    .findFirst().orElse(null);
            }
            catch (final IOException ex)
            {
                deb = null;
            }
            if (deb == null)
            {
                skipReason = "no " + TARGET + "/flowpic_*_amd64.deb (mvn -B verify -Pdeb builds it): package checks skipped";
            }
        }
        if (skipReason != null)
        {
            System.err.println("DebPackageTest: " + skipReason);
            return;
        }
        final Commands.Result result = Commands.run("dpkg-deb", "--contents", deb.toString());
        assertEquals(0, result.exitCode(), result.output());
        contents = result.output();
    }

    @BeforeEach
    void skipWithoutPackage()
    {
        Assumptions.assumeTrue(skipReason == null, skipReason);
    }

    @Test
    void installsTheLayout() throws Exception
    {
        final Map<String, String> modes = new HashMap<>();
        for (final String line : contents.split("\n"))
        {
            // -rwxr-xr-x root/root      2301 2024-01-01 00:00 ./usr/share/flowpic/flowpic
            final String[] fields = line.trim().split("\\s+", 6);
            if (fields.length == 6)
            {
                modes.put(fields[5].replaceFirst("^\\./", "/").replaceFirst(" -> .*$", ""), fields[0] + " " + fields[1]);
            }
        }
        final Map<String, String> expected = new HashMap<>();
        expected.put("/usr/bin/flowpic", "-rwxr-xr-x root/root");
        expected.put("/usr/share/flowpic/flowpic", "-rwxr-xr-x root/root");
        expected.put("/usr/share/flowpic/jvm.options", "-rw-r--r-- root/root");
        expected.put("/usr/share/flowpic/lib/flowpic-sensor-0.1.0-SNAPSHOT.jar", "-rw-r--r-- root/root");
        expected.put("/usr/share/flowpic/model/default/flowpic-model.json", "-rw-r--r-- root/root");
        expected.put("/usr/share/flowpic/model/default/saved_model.pb", "-rw-r--r-- root/root");
        expected.put("/usr/share/flowpic/model/default/variables/variables.index", "-rw-r--r-- root/root");
        expected.put("/etc/flowpic/flowpic.yaml", "-rw-r--r-- root/root");
        expected.put("/lib/systemd/system/flowpic.service", "-rw-r--r-- root/root");
        expected.put("/usr/lib/sysusers.d/flowpic.conf", "-rw-r--r-- root/root");
        expected.put("/usr/lib/tmpfiles.d/flowpic.conf", "-rw-r--r-- root/root");
        expected.put("/usr/share/doc/flowpic/ndpi-map.yaml", "-rw-r--r-- root/root");
        for (final Map.Entry<String, String> e : expected.entrySet())
        {
            assertEquals(e.getValue(), modes.get(e.getKey()), e.getKey() + " in\n" + contents);
        }
        try (Stream<Path> jars = Files.list(TARGET.resolve("lib")))
        {
            for (final Path jar : (Iterable<Path>)jars::iterator)
            {
                final String path = "/usr/share/flowpic/lib/" + jar.getFileName();
                assertTrue(modes.containsKey(path), path + " in\n" + contents);
            }
        }
        assertTrue(modes.keySet().stream().anyMatch(p -> p.matches("/usr/share/flowpic/lib/netty-codec-http-4\\.2\\..*\\.jar")));
    }

    @Test
    void controlFieldsAndConffiles() throws Exception
    {
        final Commands.Result fields = Commands.run("dpkg-deb", "-f", deb.toString(), "Package", "Architecture", "Depends",
            "Suggests");
        assertEquals(0, fields.exitCode(), fields.output());
        assertTrue(fields.output().contains("Package: flowpic\n"), fields.output());
        assertTrue(fields.output().contains("Architecture: amd64\n"), fields.output());
        assertTrue(fields.output().contains("Depends: openjdk-17-jre-headless | java17-runtime-headless, libpcap0.8\n"),
            fields.output());
        // ndpiReader labels captures for fine-tuning (dataset extract --label-with ndpi); tcpdump makes them.
        assertTrue(fields.output().contains("Suggests: libndpi-bin, tcpdump\n"), fields.output());
        final Commands.Result conffiles = Commands.run("dpkg-deb", "--info", deb.toString(), "conffiles");
        assertEquals(List.of("/etc/flowpic/flowpic.yaml"), List.of(conffiles.output().strip().split("\n")), conffiles.output());
        for (final String script : List.of("postinst", "prerm", "postrm"))
        {
            final Commands.Result text = Commands.run("dpkg-deb", "--info", deb.toString(), script);
            assertEquals(0, text.exitCode(), script + ": " + text.output());
            assertTrue(text.output().startsWith("#!/bin/sh"), script + ": " + text.output());
        }
        final String postinst = Commands.run("dpkg-deb", "--info", deb.toString(), "postinst").output();
        assertTrue(postinst.contains("systemd-sysusers flowpic.conf") && postinst.contains("systemd-tmpfiles --create flowpic.conf"));
        assertTrue(postinst.contains("chmod 0640 /etc/flowpic/flowpic.yaml"), "config readable by root and group flowpic only");
        assertTrue(!postinst.contains("systemctl start") && !postinst.contains("systemctl enable"), "postinst never starts the service");
    }

    /** The packaged launcher runs from the extracted layout (lib/ beside it, no build). */
    @Test
    void packagedLauncherRunsFromItsHome(@TempDir final Path root) throws Exception
    {
        final Commands.Result extract = Commands.run("dpkg-deb", "-x", deb.toString(), root.toString());
        assertEquals(0, extract.exitCode(), extract.output());
        final Path home = root.resolve("usr/share/flowpic");
        final Commands.Result help = Commands.run(Map.of("FLOWPIC_HOME", home.toString()),
            home.resolve("flowpic").toString(), "--help");
        assertEquals(0, help.exitCode(), help.output());
        assertTrue(help.output().contains("replay"), help.output());
        assertTrue(!help.output().contains("building"), "the installed layout never builds: " + help.output());

        // The JVM flags come from the packaged jvm.options: without them Chronicle Queue cannot write the journal.
        final Path capture = io.flowpic.sensor.testing.TestCaptures.udpFlow(root.resolve("udp.pcap"), 40000, 5000, 30);
        final Path journal = root.resolve("journal");
        final Commands.Result replay = Commands.run(Map.of("FLOWPIC_HOME", home.toString()),
            home.resolve("flowpic").toString(), "replay", "--journal", journal.toString(), capture.toString());
        assertEquals(0, replay.exitCode(), replay.output());
        final Commands.Result tail = Commands.run(Map.of("FLOWPIC_HOME", home.toString()),
            home.resolve("flowpic").toString(), "journal", "tail", "--journal", journal.toString());
        assertEquals(0, tail.exitCode(), tail.output());
        assertTrue(tail.output().contains(":40000 -> ") && tail.output().contains("packets=30"), tail.output());
    }
}

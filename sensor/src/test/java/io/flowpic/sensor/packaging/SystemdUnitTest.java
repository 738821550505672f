package io.flowpic.sensor.packaging;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SystemdUnitTest
{
    private static final Path SYSTEMD = Commands.repository().resolve("systemd");

    @Test
    void unitHasTheServiceSettings() throws Exception
    {
        final Map<String, String> service = section(Files.readAllLines(SYSTEMD.resolve("flowpic.service")), "Service");
        final Map<String, String> expected = new LinkedHashMap<>();
        expected.put("ExecStart", "/usr/bin/flowpic run --config /etc/flowpic/flowpic.yaml");
        expected.put("ExecReload", "/bin/kill -HUP $MAINPID");
        expected.put("User", "flowpic");
        expected.put("Group", "flowpic");
        expected.put("AmbientCapabilities", "CAP_NET_RAW CAP_NET_ADMIN");
        expected.put("CapabilityBoundingSet", "CAP_NET_RAW CAP_NET_ADMIN");
        expected.put("NoNewPrivileges", "yes");
        expected.put("ProtectSystem", "strict");
        expected.put("ReadWritePaths", "/var/lib/flowpic");
        expected.put("LogsDirectory", "flowpic");
        expected.put("ProtectHome", "yes");
        expected.put("PrivateTmp", "yes");
        expected.put("Restart", "on-failure");
        expected.put("Environment", "FLOWPIC_CACHE=/var/lib/flowpic/cache");
        expected.put("KillSignal", "SIGTERM");
        expected.put("TimeoutStopSec", "30");
        for (final Map.Entry<String, String> e : expected.entrySet())
        {
            assertEquals(e.getValue(), service.get(e.getKey()), e.getKey());
        }
        assertTrue(List.of("simple", "exec").contains(service.get("Type")), "Type " + service.get("Type"));
    }

    @Test
    void sysusersAndTmpfilesDeclareTheUserAndStateDirectories() throws Exception
    {
        final List<String> users = entries(SYSTEMD.resolve("flowpic.sysusers"));
        assertEquals(List.of("u flowpic - \"FlowPic sensor\" /var/lib/flowpic"), users);
        final List<String> dirs = entries(SYSTEMD.resolve("flowpic.tmpfiles"));
        assertTrue(dirs.contains("d /var/lib/flowpic 0750 flowpic flowpic -"), dirs.toString());
        assertTrue(dirs.contains("d /var/lib/flowpic/journal 0750 flowpic flowpic -"), dirs.toString());
    }

    /**
     * systemd-analyze verify on a copy whose ExecStart points at /bin/true when /usr/bin/flowpic is not
     * installed (verify refuses a missing executable). Unknown or unparsable directives are only warnings
     * to systemd (exit code 0), so any line about the unit file fails the test.
     */
    @Test
    void systemdAnalyzeAcceptsTheUnit(@TempDir final Path dir) throws Exception
    {
        Assumptions.assumeTrue(Commands.onPath("systemd-analyze"), "systemd-analyze not installed: skipped");
        String unit = Files.readString(SYSTEMD.resolve("flowpic.service"));
        if (!Files.isExecutable(Path.of("/usr/bin/flowpic")))
        {
            unit = unit.replace("ExecStart=/usr/bin/flowpic ", "ExecStart=/bin/true ");
        }
        final Path copy = dir.resolve("flowpic.service");
        Files.writeString(copy, unit);
        final Commands.Result result = Commands.run(Map.of("SYSTEMD_LOG_COLOR", "0"), "systemd-analyze", "verify", copy.toString());
        final List<String> complaints = new ArrayList<>();
        for (final String line : result.output().split("\n"))
        {
            if (line.contains("flowpic.service"))
            {
                complaints.add(line);
            }
        }
        assertEquals(0, result.exitCode(), result.output());
        assertEquals(List.of(), complaints, result.output());
    }

    private static Map<String, String> section(final List<String> lines, final String name)
    {
        final Map<String, String> keys = new LinkedHashMap<>();
        String current = null;
        for (final String raw : lines)
        {
            final String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";"))
            {
                continue;
            }
            if (line.startsWith("["))
            {
                current = line.substring(1, line.length() - 1);
            }
            else if (name.equals(current))
            {
                final int eq = line.indexOf('=');
                keys.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return keys;
    }

    private static List<String> entries(final Path file) throws Exception
    {
        final List<String> out = new ArrayList<>();
        for (final String line : Files.readAllLines(file))
        {
            if (!line.isBlank() && !line.startsWith("#"))
            {
                out.add(line.strip().replaceAll("\\s+", " "));
            }
        }
        return out;
    }
}

package io.flowpic.sensor.capture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OffloadCheckTest
{
    /** The shape of `ethtool -k` on a veth (Debian 12, ethtool 6.1). */
    private static final String VETH = """
        Features for veth0:
        rx-checksumming: on
        tx-checksumming: on
        \ttx-checksum-ipv4: off [fixed]
        scatter-gather: on
        tcp-segmentation-offload: on
        \ttx-tcp-segmentation: on
        \ttx-tcp-ecn-segmentation: on
        generic-segmentation-offload: on
        generic-receive-offload: off
        large-receive-offload: off [fixed]
        rx-gro-hw: off [fixed]
        """;

    @TempDir
    Path dir;

    @Test
    void namesTheMergingOffloadsThatAreOn()
    {
        assertEquals(List.of("tso", "gso"), OffloadCheck.enabled(VETH));
        assertEquals(List.of("gro", "lro", "tso", "gso"), OffloadCheck.enabled(VETH.replace(": off", ": on")));
        assertEquals(List.of(), OffloadCheck.enabled(VETH.replace(": on", ": off")));
    }

    @Test
    void warnsNamingTheCommandThatTurnsThemOff() throws Exception
    {
        final Path ethtool = fakeEthtool("cat <<'END'\n" + VETH + "END\n");
        final String warning = OffloadCheck.warning("veth0", List.of(ethtool.toString(), "-k", "veth0"));
        assertTrue(warning.contains("tso, gso on"), warning);
        assertTrue(warning.contains("ethtool -K veth0 gro off lro off tso off gso off"), warning);
        assertTrue(warning.contains("flowpic_packets_oversize_total"), warning);
    }

    @Test
    void saysNothingWithoutEthtoolOrWhenItFailsOrHangs() throws Exception
    {
        assertNull(OffloadCheck.warning("veth0", List.of(dir.resolve("no-such-ethtool").toString(), "-k", "veth0")));
        assertNull(OffloadCheck.warning("eth9", List.of(fakeEthtool("echo 'no such device' >&2; exit 75").toString())));
        final long started = System.nanoTime();
        assertNull(OffloadCheck.warning("eth9", List.of(fakeEthtool("exec sleep 30").toString())));
        assertTrue(System.nanoTime() - started < 10_000_000_000L, "the hung tool was not abandoned");
        assertNull(OffloadCheck.warning("veth0", List.of(fakeEthtool("echo 'generic-receive-offload: off'").toString())));
    }

    private Path fakeEthtool(final String body) throws Exception
    {
        final Path script = Files.createTempFile(dir, "ethtool", ".sh");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }
}

package io.flowpic.sensor.packaging;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real systemd booted as PID 1 of its own PID, mount, UTS, IPC, cgroup and network namespaces, on an overlay
 * of the host's / whose writes land on a tmpfs (systemd-root.sh builds it). Nothing done inside reaches the host:
 * not a package installed with dpkg, not systemd-tmpfiles' cleaning of /tmp (the root has its own /tmp,
 * /var/tmp and /run), not sysctl (read-only /proc/sys). Closing powers it off, kills what is left and removes
 * its cgroup; the namespaces, mounts and the overlay's upper layer vanish with its last process. A hard
 * {@code timeout -s KILL} bounds its life even if this JVM dies.
 */
final class SystemdRoot implements AutoCloseable
{
    private static final long MAX_LIFE_SECONDS = 900;
    private static final String PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** systemd's pid as the host sees it (1 inside). */
    final long pid;
    private final Process guard;
    private final Path bootLog;
    private final Path cgroup;

    private SystemdRoot(final long pid, final Process guard, final Path bootLog, final Path cgroup)
    {
        this.pid = pid;
        this.guard = guard;
        this.bootLog = bootLog;
        this.cgroup = cgroup;
    }

    /**
     * Boots it with {@code dir} (an empty host directory) as the mount point of its tmpfs; waits (bounded) until
     * systemd reports the system running.
     *
     * @param cgroupParent a writable directory of the host's cgroup2 hierarchy: systemd gets a child of it as
     *                     its cgroup root, removed on close
     */
    static SystemdRoot boot(final Path dir, final Path cgroupParent) throws IOException, InterruptedException
    {
        final Path mountPoint = Files.createDirectories(dir.resolve("mnt"));
        final Path bootLog = dir.resolve("boot.log");
        final Path cgroup = cgroupParent.resolve("flowpic-systemd-test-" + ProcessHandle.current().pid());
        Files.createDirectories(cgroup);
        final String script = script().toString();
        final Process guard = new ProcessBuilder("timeout", "-s", "KILL", String.valueOf(MAX_LIFE_SECONDS),
            "sh", "-c", "echo $$ > \"$0\"/cgroup.procs && exec unshare --mount --pid --uts --ipc --net --cgroup " +
            "--fork --kill-child sh \"$1\" \"$2\"", cgroup.toString(), script, mountPoint.toString())
            .redirectErrorStream(true).redirectOutput(bootLog.toFile()).start();
        guard.getOutputStream().close();
        long systemd = -1;
        try
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (systemd < 0 && guard.isAlive() && System.nanoTime() < deadline)
            {
                systemd = guard.descendants().filter(SystemdRoot::isSystemd).mapToLong(ProcessHandle::pid)
                    .findFirst().orElse(-1);
                Thread.sleep(100);
            }
            if (systemd < 0)
            {
                throw new IOException("systemd did not start in its namespaces: " + Files.readString(bootLog));
            }
            final SystemdRoot root = new SystemdRoot(systemd, guard, bootLog, cgroup);
            // Until systemd has opened its private socket, systemctl cannot reach it at all.
            final long busDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(root.path("/run/systemd/private")) && System.nanoTime() < busDeadline)
            {
                Thread.sleep(100);
            }
            final Commands.Result state = root.exec(90, "systemctl", "is-system-running", "--wait");
            if (!state.output().strip().equals("running"))
            {
                final Commands.Result failed = root.exec(20, "systemctl", "--failed", "--no-pager", "--full");
                System.err.println("SystemdRoot: system " + state.output().strip() + "; failed units:\n" +
                    failed.output());
                if (!state.output().strip().equals("degraded"))
                {
                    throw new IOException("systemd did not come up: " + state.output() + failed.output());
                }
            }
            return root;
        }
        catch (final IOException | InterruptedException | RuntimeException ex)
        {
            new SystemdRoot(systemd, guard, bootLog, cgroup).close();
            throw ex;
        }
    }

    private static boolean isSystemd(final ProcessHandle process)
    {
        try
        {
            final String cmdline = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "cmdline"));
            return cmdline.startsWith("/lib/systemd/systemd\0--system");
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private static Path script() throws IOException
    {
        try
        {
            return Path.of(SystemdRoot.class.getResource("systemd-root.sh").toURI());
        }
        catch (final URISyntaxException ex)
        {
            throw new IOException(ex);
        }
    }

    /** A path inside the root, reachable from the host through systemd's /proc entry. */
    Path path(final String inside)
    {
        return Path.of("/proc", String.valueOf(pid), "root", inside.replaceFirst("^/+", ""));
    }

    /** Runs a command inside every namespace of the root with a clean environment; never throws on its exit code. */
    Commands.Result exec(final long timeoutSeconds, final String... command) throws IOException, InterruptedException
    {
        return Commands.runBounded(timeoutSeconds, inside(command));
    }

    /** As {@link #exec}, failing (with its output) unless it exits 0. */
    String run(final long timeoutSeconds, final String... command) throws IOException, InterruptedException
    {
        final Commands.Result result = exec(timeoutSeconds, command);
        if (result.exitCode() != 0)
        {
            throw new IOException("exit " + result.exitCode() + " inside the systemd root: " +
                String.join(" ", command) + "\n" + result.output());
        }
        return result.output();
    }

    /** Starts a command inside (e.g. a traffic replay running while the test does other things). */
    Process start(final Path output, final String... command) throws IOException
    {
        final Process process = new ProcessBuilder(inside(command)).redirectErrorStream(true)
            .redirectOutput(output.toFile()).start();
        process.getOutputStream().close();
        return process;
    }

    /** Runs a command in the root's network namespace only, with the host's tools and /proc/sys. */
    String runInNetwork(final long timeoutSeconds, final String... command) throws IOException, InterruptedException
    {
        final List<String> full = new ArrayList<>(List.of("nsenter", "-t", String.valueOf(pid), "-n"));
        full.addAll(List.of(command));
        final Commands.Result result = Commands.runBounded(timeoutSeconds, full);
        if (result.exitCode() != 0)
        {
            throw new IOException("exit " + result.exitCode() + ": " + full + "\n" + result.output());
        }
        return result.output();
    }

    private List<String> inside(final String... command)
    {
        final List<String> full = new ArrayList<>(List.of("nsenter", "-t", String.valueOf(pid), "-a",
            "env", "-i", PATH, "HOME=/root", "LANG=C.UTF-8"));
        full.addAll(List.of(command));
        return full;
    }

    String bootLog()
    {
        try
        {
            return Files.readString(bootLog);
        }
        catch (final IOException ex)
        {
            return "(no boot log: " + ex.getMessage() + ")";
        }
    }

    /** Powers off (30 s), then kills PID 1 of the namespace, which ends every process in it. */
    @Override
    public void close()
    {
        if (pid > 0 && ProcessHandle.of(pid).isPresent())
        {
            try
            {
                exec(20, "systemctl", "poweroff", "--no-block");
            }
            catch (final IOException | InterruptedException ex)
            {
                // killed below
            }
        }
        stop(guard, pid);
        removeCgroup(cgroup);
    }

    private static void stop(final Process guard, final long systemd)
    {
        try
        {
            if (!guard.waitFor(30, TimeUnit.SECONDS))
            {
                System.err.println("SystemdRoot: systemd did not power off within 30 s; killing it");
                if (systemd > 0)
                {
                    ProcessHandle.of(systemd).ifPresent(ProcessHandle::destroyForcibly);
                }
                if (!guard.waitFor(10, TimeUnit.SECONDS))
                {
                    guard.descendants().forEach(ProcessHandle::destroyForcibly);
                    guard.destroyForcibly();
                    guard.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
        catch (final InterruptedException ex)
        {
            // A test interrupted (its timeout) must not leave a running system behind: kill it now.
            if (systemd > 0)
            {
                ProcessHandle.of(systemd).ifPresent(ProcessHandle::destroyForcibly);
            }
            guard.descendants().forEach(ProcessHandle::destroyForcibly);
            guard.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The cgroup directories systemd made (empty once its processes are gone), deepest first. */
    private static void removeCgroup(final Path cgroup)
    {
        for (int attempt = 0; attempt < 50 && Files.exists(cgroup); attempt++)
        {
            try (Stream<Path> dirs = Files.walk(cgroup))
            {
                dirs.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).forEach(d -> d.toFile().delete());
            }
            catch (final IOException | java.io.UncheckedIOException ex)
            {
                // a cgroup whose last process is still exiting: try again
            }
            if (Files.exists(cgroup))
            {
                try
                {
                    Thread.sleep(100);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        if (Files.exists(cgroup))
        {
            System.err.println("SystemdRoot: could not remove " + cgroup);
        }
    }

    /**
     * The host's cgroup2 directory this process is in, when it is writable (systemd needs a cgroup2 hierarchy of
     * its own to manage); empty otherwise.
     */
    static Optional<Path> writableCgroup() throws IOException
    {
        String mount = null;
        for (final String line : Files.readAllLines(Path.of("/proc/self/mountinfo")))
        {
            final String[] halves = line.split(" - ", 2);
            if (halves.length == 2 && halves[1].startsWith("cgroup2 "))
            {
                mount = halves[0].split(" ")[4];
                break;
            }
        }
        if (mount == null)
        {
            return Optional.empty();
        }
        String own = "/";
        for (final String line : Files.readAllLines(Path.of("/proc/self/cgroup")))
        {
            if (line.startsWith("0::"))
            {
                own = line.substring(3);
            }
        }
        final Path dir = Path.of(mount, own.replaceFirst("^/+", ""));
        return Files.isWritable(dir) && Files.isWritable(dir.resolve("cgroup.procs")) ? Optional.of(dir)
            : Optional.empty();
    }
}

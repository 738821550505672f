package io.flowpic.sensor.export.ipfix;

import io.flowpic.sensor.export.ExportCounters;
import io.flowpic.sensor.journal.LabelRecord;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** External tools with a time limit, free loopback ports and a sink driven like the export agent drives it. */
final class IpfixTools
{
    static final String LOOPBACK = "127.0.0.1";

    private IpfixTools()
    {
    }

    /** Skips the test when the tool is not installed. */
    static String require(final String tool, final String debianPackage)
    {
        for (final String dir : new String[] {"/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"})
        {
            final Path path = Path.of(dir, tool);
            if (Files.isExecutable(path))
            {
                return path.toString();
            }
        }
        assumeTrue(false, "skipped: " + tool + " is not installed (apt-get install " + debianPackage + ")");
        return tool;
    }

    /** Runs a command in UTC (the tools print local time) and returns stdout+stderr; fails on exit != 0. */
    static String run(final Path dir, final long timeoutSeconds, final String... command)
        throws IOException, InterruptedException
    {
        final Path output = Files.createTempFile(dir, "out", ".txt");
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(output.toFile()).directory(dir.toFile());
        builder.environment().put("TZ", "UTC");
        final Process process = builder.start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IOException("timed out after " + timeoutSeconds + " s: " + String.join(" ", command));
        }
        final String text = Files.readString(output, StandardCharsets.UTF_8);
        if (process.exitValue() != 0)
        {
            throw new IOException("exit " + process.exitValue() + ": " + String.join(" ", command) + "\n" + text);
        }
        return text;
    }

    /** Starts a long-running tool with its output in {@code log}. */
    static Process start(final Path dir, final Path log, final String... command) throws IOException
    {
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(log.toFile()).directory(dir.toFile());
        builder.environment().put("TZ", "UTC");
        return builder.start();
    }

    /** SIGTERM, then SIGKILL after 10 s; only the given process. */
    static void stop(final Process process) throws InterruptedException
    {
        if (process != null && process.isAlive())
        {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** SIGINT, for daemons that shut down on it and not on SIGTERM (nfacctd); SIGTERM/SIGKILL after 10 s. */
    static void interrupt(final Process process) throws InterruptedException, IOException
    {
        if (process != null && process.isAlive())
        {
            new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                stop(process);
            }
        }
    }

    /** Waits (bounded) until the log holds {@code text}. */
    static void awaitLog(final Path log, final String text, final long timeoutMillis, final Process process)
        throws IOException, InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() - deadline < 0)
        {
            if (Files.exists(log) && Files.readString(log, StandardCharsets.ISO_8859_1).contains(text))
            {
                return;
            }
            if (!process.isAlive())
            {
                break;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no \"" + text + "\" in " + log + ":\n" +
            (Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "(no log)"));
    }

    static int freeUdpPort() throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName(LOOPBACK)))
        {
            return socket.getLocalPort();
        }
    }

    static int freeTcpPort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK)))
        {
            return socket.getLocalPort();
        }
    }

    static ExportCounters counters()
    {
        final int max = 16;
        final UnsafeBuffer metadata = new UnsafeBuffer(ByteBuffer.allocateDirect(max * CountersReader.METADATA_LENGTH));
        final UnsafeBuffer values = new UnsafeBuffer(ByteBuffer.allocateDirect(max * CountersReader.COUNTER_LENGTH));
        return new ExportCounters(new CountersManager(metadata, values), "ipfix-test");
    }

    /** Offers every record as the agent would (retrying with doWork in between), then flushes. */
    static void sendAll(final IpfixSink sink, final List<LabelRecord> records, final long firstIndex)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (int i = 0; i < records.size(); i++)
        {
            while (!sink.offer(records.get(i), firstIndex + i))
            {
                assertTrue(System.nanoTime() - deadline < 0, "sink kept refusing record " + i);
                sink.doWork(System.nanoTime());
                Thread.onSpinWait();
            }
        }
        assertTrue(sink.flush(TimeUnit.SECONDS.toNanos(5)), "flush did not complete");
    }
}

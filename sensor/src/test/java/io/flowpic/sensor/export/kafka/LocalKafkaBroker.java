package io.flowpic.sensor.export.kafka;

import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One combined KRaft node (broker and controller) of the test classpath's kafka_2.13, in a child JVM bound to
 * 127.0.0.1 only. A child process, so stopping it closes its ports and sockets as a real outage does, and a
 * restart reuses the same log directory and ports. Its output goes to {@code broker.log} in its directory.
 */
final class LocalKafkaBroker implements AutoCloseable
{
    private static final long START_TIMEOUT_MS = 60_000;
    private static final long STOP_TIMEOUT_MS = 30_000;

    private final Path dir;
    private final Path properties;
    private final int port;
    private Process process;

    LocalKafkaBroker(final Path dir) throws IOException, InterruptedException
    {
        this.dir = dir;
        this.port = freePort();
        final int controllerPort = freePort();
        properties = dir.resolve("server.properties");
        Files.writeString(properties, String.join("\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs=" + dir.resolve("data"),
            "num.partitions=3",
            "num.network.threads=1",
            "num.io.threads=2",
            "background.threads=2",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=false",
            "") + "\n", StandardCharsets.UTF_8);
        final Process format = java("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(),
            "-c", properties.toString());
        if (!format.waitFor(START_TIMEOUT_MS, TimeUnit.MILLISECONDS) || format.exitValue() != 0)
        {
            format.destroyForcibly();
            throw new IllegalStateException("kafka storage format failed; see " + dir.resolve("broker.log") + ":\n"
                + log());
        }
    }

    String bootstrapServers()
    {
        return "127.0.0.1:" + port;
    }

    /** Starts the node and waits until its broker port accepts connections. */
    void start() throws IOException, InterruptedException
    {
        if (process != null && process.isAlive())
        {
            throw new IllegalStateException("already running");
        }
        process = java(ExitWithParent.class.getName(), properties.toString());
        final long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline && process.isAlive())
        {
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                System.out.printf("kafka broker listening after %d ms%n",
                    START_TIMEOUT_MS - (deadline - System.currentTimeMillis()));
                return;
            }
            catch (final IOException notYet)
            {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("kafka did not start within " + START_TIMEOUT_MS + " ms:\n" + log());
    }

    /** Stops the node (SIGTERM: a controlled shutdown; killed if that takes too long). */
    void stop() throws InterruptedException
    {
        if (process == null)
        {
            return;
        }
        final long start = System.nanoTime();
        // SIGTERM through the handle: Process.destroy would also close the child's standard input, and
        // ExitWithParent would halt it before its controlled shutdown.
        process.toHandle().destroy();
        if (!process.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS))
        {
            process.destroyForcibly();
            process.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
        process = null;
        System.out.printf("kafka broker stopped in %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    String log()
    {
        try
        {
            final String text = Files.readString(dir.resolve("broker.log"), StandardCharsets.UTF_8);
            return text.length() > 20_000 ? text.substring(text.length() - 20_000) : text;
        }
        catch (final IOException ex)
        {
            return "(no log: " + ex + ")";
        }
    }

    @Override
    public void close() throws InterruptedException
    {
        stop();
    }

    private Process java(final String mainClass, final String... args) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xms64m");
        command.add("-Xmx512m");
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-Xshare:auto");
        command.add("-Djava.net.preferIPv4Stack=true");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()))
            .start();
    }

    /**
     * The broker's main, ending it when the test JVM goes away (even killed): the parent holds the child's
     * standard input open, and the end of that stream halts the child.
     */
    public static final class ExitWithParent
    {
        public static void main(final String[] args)
        {
            final Thread watch = new Thread(() ->
            {
                try
                {
                    while (System.in.read() != -1)
                    {
                        // nothing is ever written
                    }
                }
                catch (final IOException ignored)
                {
                    // the pipe is gone as well
                }
                Runtime.getRuntime().halt(3);
            }, "exit-with-parent");
            watch.setDaemon(true);
            watch.start();
            kafka.Kafka.main(args);
        }
    }

    private static int freePort()
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}

package io.flowpic.sensor.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A {@code flowpic} command in a child JVM, started with this JVM's flags and class path, so
 * signals, exit codes and privileges are tested for real.
 */
public final class SensorProcess implements AutoCloseable
{
    private final Process process;
    private final StringBuffer output = new StringBuffer();

    private SensorProcess(final Process process)
    {
        this.process = process;
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = in.readLine()) != null)
                {
                    output.append(line).append('\n');
                }
            }
            catch (final IOException ex)
            {
                output.append("(output closed: ").append(ex).append(")\n");
            }
        }, "sensor-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** The flag the launcher passes only to commands that classify (see the {@code flowpic} script). */
    public static final String VECTOR_MODULE = "--add-modules=jdk.incubator.vector";
    /** What the JVM prints once at start when that module is in use (README, Models). */
    public static final String VECTOR_MODULE_NOTE = "WARNING: Using incubator modules: jdk.incubator.vector";
    private static final java.util.Set<String> CLASSIFYING = java.util.Set.of("run", "replay", "evaluate", "train", "bench");

    /** Standard error without the JVM's one-line note about the Vector API module. */
    public static String withoutVectorModuleNote(final String stderr)
    {
        return stderr.replace(VECTOR_MODULE_NOTE + "\n", "");
    }

    /** The java command line for {@code flowpic ARGS}, optionally with another class path. */
    public static List<String> javaCommand(final String classPath, final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            // As the launcher: only commands that classify get the Vector API module (and the JVM's note about it).
            if (arg.equals(VECTOR_MODULE) && !(args.length > 0 && CLASSIFYING.contains(args[0])))
            {
                continue;
            }
            if (arg.startsWith("--add-") || arg.startsWith("-Dchronicle") ||
                arg.startsWith("-Dorg.bytedeco"))
            {
                command.add(arg);
            }
        }
        command.add("-Dflowpic.home=" + System.getProperty("flowpic.home", ""));
        command.add("-cp");
        command.add(classPath != null ? classPath : System.getProperty("java.class.path"));
        command.add("io.flowpic.sensor.cli.Main");
        command.addAll(List.of(args));
        return command;
    }

    public static SensorProcess start(final List<String> command) throws IOException
    {
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
        return new SensorProcess(builder.start());
    }

    public String output()
    {
        return output.toString();
    }

    public long pid()
    {
        return process.pid();
    }

    /** Waits until the output contains {@code text}; fails with the output so far when it does not. */
    public void awaitOutput(final String text, final long timeoutSeconds) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (output.indexOf(text) < 0)
        {
            if (System.nanoTime() > deadline || !process.isAlive() && output.indexOf(text) < 0)
            {
                Thread.sleep(200); // let the reader drain what the process printed last
                if (output.indexOf(text) >= 0)
                {
                    return;
                }
                throw new AssertionError("no '" + text + "' within " + timeoutSeconds + " s" +
                    (process.isAlive() ? "" : " (process exited " + process.exitValue() + ")") + "; output:\n" +
                    output);
            }
            Thread.sleep(50);
        }
    }

    public void signal(final String name) throws IOException, InterruptedException
    {
        Shell.run(10, "kill", "-s", name, Long.toString(process.pid()));
    }

    /** @return the exit code, or fails when the process does not exit in time. */
    public int awaitExit(final long timeoutSeconds) throws InterruptedException
    {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("process did not exit within " + timeoutSeconds + " s; output:\n" + output);
        }
        Thread.sleep(100);
        return process.exitValue();
    }

    public void close()
    {
        if (process.isAlive())
        {
            process.destroyForcibly();
        }
    }
}

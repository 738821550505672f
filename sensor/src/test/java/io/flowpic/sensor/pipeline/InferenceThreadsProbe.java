package io.flowpic.sensor.pipeline;

import io.flowpic.sensor.cli.Main;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Child-JVM main for {@link InferenceThreadsTest}: runs a flowpic command, then prints how many threads of
 * this process are unnamed native ones ({@code comm} still the launcher's "java"), which is what TensorFlow's
 * pools are.
 */
public final class InferenceThreadsProbe
{
    private InferenceThreadsProbe()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        final Map<String, Integer> before = nativeThreads();
        final StringWriter err = new StringWriter();
        final int exit = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
        final Map<String, Integer> after = nativeThreads();
        int added = 0;
        for (final Map.Entry<String, Integer> e : after.entrySet())
        {
            added += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0));
        }
        System.out.println("exit=" + exit + " native-threads-added=" + added + " before=" + before + " after=" +
            after + " err=" + err.toString().replace('\n', ' '));
        System.exit(0);
    }

    /**
     * Threads of this process the JVM does not list, by name ({@code comm}): a native thread takes the name of
     * the thread that created it, so TensorFlow's pool threads look like Java threads that are not there. The
     * JVM's garbage collector workers, started on demand, are left out.
     */
    static Map<String, Integer> nativeThreads() throws IOException
    {
        final Map<String, Integer> threads = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task")))
        {
            for (final Path task : tasks)
            {
                try
                {
                    threads.merge(Files.readString(task.resolve("comm")).trim(), 1, Integer::sum);
                }
                catch (final IOException ex)
                {
                    // the thread ended meanwhile
                }
            }
        }
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            final String name = thread.getName();
            threads.merge(name.length() > 15 ? name.substring(0, 15) : name, -1, Integer::sum);
        }
        threads.keySet().removeIf(name -> name.startsWith("GC Thread#") || name.startsWith("G1 "));
        threads.values().removeIf(n -> n <= 0);
        return threads;
    }
}

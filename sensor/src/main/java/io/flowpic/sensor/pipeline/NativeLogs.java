package io.flowpic.sensor.pipeline;

import com.sun.jna.NativeLibrary;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Keeps TensorFlow's native start-up chatter (cpu_feature_guard, "All log messages before
 * absl::InitializeLog()", the MLIR pass note) off stderr, where it comes before, and buries, the
 * sensor's own messages.
 * <p>
 * TensorFlow logs through two channels. tsl honours TF_CPP_MIN_LOG_LEVEL, read from the environment
 * at its first message, so it is set here (unless the user set it). absl reads no environment, and
 * libtensorflow_cc links its own private copy of absl whose log level no exported symbol can set. Its
 * messages are one-time, though (the absl warning once, the MLIR note LOG_FIRST_N, the CPU note once
 * per process), so one tiny graph run with native fd 2 pointed at a file uses them all up; what the
 * rest of the process writes to stderr meanwhile is copied back afterwards, TensorFlow's lines left out.
 * FLOWPIC_DEBUG=1 (or -Dflowpic.debug=true) leaves TensorFlow's logging as it is.
 */
public final class NativeLogs
{
    private static final int STDERR = 2;
    private static final int O_WRONLY = 1;
    private static final int O_APPEND = 02000;
    /** absl's "I0000 00:00:1796020112.315960   23308 file.cc:401] ..." (seconds since the epoch while absl has no time zone), tsl's "2026-11-30 06:29:34.956620: I ...". */
    private static final Pattern TENSORFLOW_LINE = Pattern.compile(
        "[IWEF]\\d{4} \\d\\d:\\d\\d:\\d+\\.\\d+ +\\d+ \\S+:\\d+\\] .*|" +
        "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d+: [IWEF] .*|" +
        "WARNING: All log messages before absl::InitializeLog\\(\\) is called are written to STDERR|" +
        "To enable the following instructions: .*");

    private static boolean done;

    private NativeLogs()
    {
    }

    public static boolean debug()
    {
        return "1".equals(System.getenv("FLOWPIC_DEBUG")) || Boolean.getBoolean("flowpic.debug");
    }

    /** Idempotent; call before the first TensorFlow use. Never fails: at worst the chatter stays. */
    public static synchronized void quiet()
    {
        quiet(0);
    }

    /**
     * @param threads the intra-op and inter-op pool size of the warm-up session (0 = TensorFlow's default, every
     *                core): TensorFlow's global pools take the size of the first session that asks, so the warm-up
     *                must ask for what the model's session will (inference.threads).
     */
    public static synchronized void quiet(final int threads)
    {
        if (done)
        {
            return;
        }
        done = true;
        if (debug())
        {
            return;
        }
        final NativeLibrary libc;
        try
        {
            libc = NativeLibrary.getInstance("c");
            // Overwrite 0: a TF_CPP_MIN_LOG_LEVEL the user (or the launcher) set wins.
            libc.getFunction("setenv").invokeInt(new Object[] {"TF_CPP_MIN_LOG_LEVEL", "3", 0});
        }
        catch (final Throwable ex)
        {
            return; // no JNA or no libc: only cosmetic
        }
        Path capture = null;
        int saved = -1;
        try
        {
            capture = Files.createTempFile("flowpic-tf-", ".log");
            final int file = libc.getFunction("open").invokeInt(new Object[] {capture.toString(), O_WRONLY | O_APPEND});
            if (file < 0)
            {
                return;
            }
            System.err.flush();
            saved = libc.getFunction("dup").invokeInt(new Object[] {STDERR});
            final boolean redirected = saved >= 0 &&
                libc.getFunction("dup2").invokeInt(new Object[] {file, STDERR}) == STDERR;
            libc.getFunction("close").invokeInt(new Object[] {file});
            if (!redirected)
            {
                return;
            }
            try
            {
                warmUp(threads);
            }
            finally
            {
                System.err.flush();
                libc.getFunction("dup2").invokeInt(new Object[] {saved, STDERR});
                // Even after a failed warm-up: what other threads wrote meanwhile must not be lost.
                copyBack(capture, System.err);
            }
        }
        catch (final Throwable ex)
        {
            // a failed warm-up shows again, with its message, when the model loads
        }
        finally
        {
            if (saved >= 0)
            {
                libc.getFunction("close").invokeInt(new Object[] {saved});
            }
            if (capture != null)
            {
                try
                {
                    Files.deleteIfExists(capture);
                }
                catch (final IOException ex)
                {
                    // a stray file in the temp directory
                }
            }
        }
    }

    /**
     * The smallest run of a graph that calls a function, as a SavedModel does: loads TensorFlow and runs its
     * function optimisation passes, which log their one-time notes.
     */
    private static void warmUp(final int threads)
    {
        try (Graph graph = new Graph(); Session session = new Session(graph, org.tensorflow.proto.ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(threads).build());
            ConcreteFunction twice = ConcreteFunction.create(ops ->
            {
                final Placeholder<TFloat32> x = ops.placeholder(TFloat32.class);
                return Signature.builder().input("x", x).output("y", ops.math.add(x, x)).build();
            }))
        {
            final Ops tf = Ops.create(graph);
            try (Result result = session.runner().fetch(twice.call(tf, tf.constant(1f))).run())
            {
                // the value does not matter
            }
        }
    }

    /** Writes back what others wrote to stderr while it was redirected, without TensorFlow's lines. */
    static void copyBack(final Path capture, final PrintStream err) throws IOException
    {
        final StringBuilder kept = new StringBuilder();
        for (final String line : Files.readAllLines(capture, StandardCharsets.UTF_8))
        {
            if (!TENSORFLOW_LINE.matcher(line).matches())
            {
                kept.append(line).append('\n');
            }
        }
        if (kept.length() > 0)
        {
            err.print(kept);
            err.flush();
        }
    }
}

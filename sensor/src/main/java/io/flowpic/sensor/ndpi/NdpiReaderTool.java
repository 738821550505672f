package io.flowpic.sensor.ndpi;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Runs nDPI's {@code ndpiReader} (Debian package {@code libndpi-bin}) on one capture and returns its flows.
 *
 * <p>Flags: {@code -q} quiet, {@code -v 2} list every flow with its confidence and category into the {@code -w}
 * file, {@code -I} ignore VLAN ids in the flow key and {@code -t} dissect GTP tunnels, so its flows are the
 * 5-tuples FlowPic's decoder sees (which also ignores VLANs and opens GTP-U). The capture is handed over as a
 * symbolic link with a plain name: ndpiReader reads a comma in {@code -i} as a list of captures.
 */
public final class NdpiReaderTool
{
    public static final String DEBIAN_PACKAGE = "libndpi-bin";
    public static final String DEFAULT_COMMAND = "ndpiReader";

    private final Path executable;

    private NdpiReaderTool(final Path executable)
    {
        this.executable = executable;
    }

    /**
     * @param command a path (contains '/') or a name looked up on PATH.
     * @throws NdpiReaderException naming the Debian package when it is not there.
     */
    public static NdpiReaderTool locate(final String command) throws NdpiReaderException
    {
        if (command.contains("/"))
        {
            final Path path = Path.of(command);
            if (Files.isRegularFile(path) && Files.isExecutable(path))
            {
                return new NdpiReaderTool(path.toAbsolutePath());
            }
            throw new NdpiReaderException(command + ": no such executable; ndpiReader comes with the Debian package " +
                DEBIAN_PACKAGE + " (apt-get install " + DEBIAN_PACKAGE + ")");
        }
        final String pathVariable = System.getenv().getOrDefault("PATH", "");
        for (final String dir : pathVariable.split(File.pathSeparator))
        {
            if (dir.isEmpty())
            {
                continue;
            }
            final Path candidate = Path.of(dir, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate))
            {
                return new NdpiReaderTool(candidate);
            }
        }
        throw new NdpiReaderException(command + " not found on PATH (" + pathVariable + "); install the Debian package " +
            DEBIAN_PACKAGE + " (apt-get install " + DEBIAN_PACKAGE + ")");
    }

    public Path executable()
    {
        return executable;
    }

    /**
     * Runs ndpiReader on {@code capture}, calling {@code waiting} with the seconds waited about once a second.
     *
     * @throws NdpiReaderException when ndpiReader fails (its exit code and last output lines in the message) or
     *                             its listing cannot be read.
     */
    public NdpiFlowListing.Result flowsOf(final Path capture, final LongConsumer waiting)
        throws NdpiReaderException, InterruptedException
    {
        Path work = null;
        try
        {
            work = Files.createTempDirectory("flowpic-ndpi-");
            final Path link = Files.createSymbolicLink(work.resolve("capture"), capture.toAbsolutePath());
            final Path listing = work.resolve("flows.txt");
            final Path output = work.resolve("output.txt");
            final Process process = new ProcessBuilder(executable.toString(), "-q", "-I", "-t", "-v", "2",
                "-i", link.toString(), "-w", listing.toString())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
            long seconds = 0;
            try
            {
                while (!process.waitFor(1, TimeUnit.SECONDS))
                {
                    waiting.accept(++seconds);
                }
            }
            finally
            {
                if (process.isAlive())
                {
                    process.destroyForcibly();
                }
            }
            if (process.exitValue() != 0 || !Files.exists(listing))
            {
                throw new NdpiReaderException(capture + ": ndpiReader exited with " + process.exitValue() + ": " +
                    tail(output));
            }
            try
            {
                return NdpiFlowListing.read(listing);
            }
            catch (final IOException e)
            {
                throw new NdpiReaderException(capture + ": reading ndpiReader's flow listing: " + e.getMessage());
            }
        }
        catch (final IOException e)
        {
            throw new NdpiReaderException(capture + ": running " + executable + ": " + e.getMessage());
        }
        finally
        {
            deleteQuietly(work);
        }
    }

    private static String tail(final Path output)
    {
        try
        {
            final List<String> lines = Files.readAllLines(output, StandardCharsets.ISO_8859_1).stream()
                .map(String::strip).filter(l -> !l.isEmpty()).toList();
            return lines.isEmpty() ? "(no output)" : String.join(" / ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        }
        catch (final IOException e)
        {
            return "(no output)";
        }
    }

    private static void deleteQuietly(final Path dir)
    {
        if (dir == null)
        {
            return;
        }
        try (var files = Files.list(dir))
        {
            for (final Path file : files.toList())
            {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        }
        catch (final IOException e)
        {
            // a temporary directory left behind is not worth failing the extract for
        }
    }
}

package io.flowpic.sensor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.flowpic.flowtable.capture.CaptureFileException;
import io.flowpic.flowtable.capture.CaptureReadResult;
import io.flowpic.flowtable.flow.FlowPicSpec;
import io.flowpic.inference.FlowDescriptors;
import io.flowpic.inference.dataset.CaptureSessions;
import io.flowpic.inference.dataset.FlowCsvReader;
import io.flowpic.inference.dataset.FlowCsvWriter;
import io.flowpic.inference.dataset.FlowSession;
import io.flowpic.inference.dataset.LabelRules;
import io.flowpic.inference.dataset.LabeledSessions;
import io.flowpic.inference.dataset.NpyWriter;
import io.flowpic.inference.dataset.SessionBlocks;
import io.flowpic.sensor.ndpi.NdpiClassMap;
import io.flowpic.sensor.ndpi.NdpiFlowListing;
import io.flowpic.sensor.ndpi.NdpiLabeller;
import io.flowpic.sensor.ndpi.NdpiMapException;
import io.flowpic.sensor.ndpi.NdpiReaderException;
import io.flowpic.sensor.ndpi.NdpiReaderTool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

@Command(
    name = "dataset",
    mixinStandardHelpOptions = true,
    description = "Make datasets: 'extract' captures into FlowPic CSV, 'build' FlowPic CSV into numpy arrays.",
    subcommands = {DatasetCommand.Extract.class, DatasetCommand.Build.class})
final class DatasetCommand
{
    /** {@code LABEL=FILE}, or with {@code allowBare} a bare {@code FILE} labelled by its name; null when malformed. */
    static Map.Entry<String, Path> labelled(final String item, final boolean allowBare)
    {
        final int eq = item.indexOf('=');
        if (eq < 0 && allowBare && !item.isEmpty())
        {
            final Path file = Path.of(item);
            return new AbstractMap.SimpleImmutableEntry<>(LabeledSessions.labelOf(file), file);
        }
        if (eq <= 0 || eq == item.length() - 1)
        {
            return null;
        }
        return new AbstractMap.SimpleImmutableEntry<>(item.substring(0, eq), Path.of(item.substring(eq + 1)));
    }

    /** Deletes a directory this run created, with what is in it; best effort, the failure is what gets reported. */
    static void removeTree(final Path dir)
    {
        if (dir == null)
        {
            return;
        }
        try (java.util.stream.Stream<Path> tree = Files.walk(dir))
        {
            for (final Path path : tree.sorted(java.util.Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(path);
            }
        }
        catch (final IOException | java.io.UncheckedIOException ex)
        {
            // nothing more to do
        }
    }

    /** A progress line on stderr, rewritten in place (\r) at most about once a second. */
    static final class Progress
    {
        private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
        private final PrintWriter err;
        private long next = System.nanoTime() + INTERVAL_NANOS;
        private boolean shown;

        Progress(final PrintWriter err)
        {
            this.err = err;
        }

        void update(final Supplier<String> line)
        {
            final long now = System.nanoTime();
            if (now >= next)
            {
                next = now + INTERVAL_NANOS;
                err.print("\r" + line.get() + "   ");
                err.flush();
                shown = true;
            }
        }

        void done()
        {
            if (shown)
            {
                err.println();
                err.flush();
                shown = false;
            }
        }
    }

    @Command(
        name = "extract",
        mixinStandardHelpOptions = true,
        description = "Cut captures into unidirectional sessions with the sensor's reader and decoder and write them " +
            "as FlowPic CSV (one row a session; gzip when FILE ends with .gz).")
    static final class Extract implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Option(names = "--out", required = true, paramLabel = "FILE.csv[.gz]", description = "Output CSV file.")
        Path out;

        @Option(names = "--min-packets", defaultValue = "10", description = "Sessions with fewer packets are left out (default: ${DEFAULT-VALUE}).")
        int minPackets;

        @Option(names = "--max-seconds", defaultValue = "0",
            description = "Keep only each session's first S seconds of packets (default: ${DEFAULT-VALUE} = whole session).")
        int maxSeconds;

        @Option(names = "--idle-timeout", defaultValue = "60",
            description = "A gap longer than this many seconds ends a session (default: ${DEFAULT-VALUE}, the flow table's).")
        int idleSeconds;

        @Option(names = "--label-rules", paramLabel = "FILE",
            description = "YAML list of {match: glob on capture name, ports: [..], proto: TCP|UDP, label: X}; first " +
                "match wins, unmatched sessions are dropped; writes <out>-<label>.csv[.gz] per label.")
        Path labelRules;

        @Option(names = "--label-with", paramLabel = "ndpi",
            description = "Label sessions with nDPI: runs ndpiReader (Debian libndpi-bin) on each capture, keeps the " +
                "flows nDPI recognised by DPI (not by port or IP guess), maps their protocol and category to classes " +
                "with --ndpi-map and writes <out>-<class>.csv[.gz] per class (both directions of each flow).")
        String labelWith;

        @Option(names = "--ndpi-map", paramLabel = "FILE",
            description = "YAML map from nDPI protocol/category names to classes (default: the shipped " +
                "config/ndpi-map.yaml, documented there).")
        Path ndpiMap;

        @Option(names = "--ndpi-reader", paramLabel = "COMMAND", defaultValue = NdpiReaderTool.DEFAULT_COMMAND,
            description = "The ndpiReader to run: a path, or a name looked up on PATH (default: ${DEFAULT-VALUE}).")
        String ndpiReader;

        @Parameters(arity = "1..*", paramLabel = "CAPTURE", description = "pcap or pcapng files.")
        List<Path> captures;

        public Integer call()
        {
            final PrintWriter err = spec.commandLine().getErr();
            final PrintWriter stdout = spec.commandLine().getOut();
            OptionChecks.atLeast(spec, "--min-packets", minPackets, 1);
            OptionChecks.atLeast(spec, "--max-seconds", maxSeconds, 0);
            OptionChecks.atLeast(spec, "--idle-timeout", idleSeconds, 1);
            if (labelWith != null && !labelWith.equals("ndpi"))
            {
                throw OptionChecks.fail(spec, "Invalid value for option '--label-with': '" + labelWith +
                    "' (the one labeller is: ndpi)");
            }
            if (labelWith != null && labelRules != null)
            {
                throw OptionChecks.fail(spec, "--label-with and --label-rules exclude each other: label by nDPI or by rules");
            }
            if (labelWith == null && ndpiMap != null)
            {
                throw OptionChecks.fail(spec, "--ndpi-map needs --label-with ndpi");
            }
            NdpiLabeller labeller = null;
            NdpiReaderTool ndpi = null;
            if (labelWith != null)
            {
                try
                {
                    final NdpiClassMap map = ndpiMap == null ? NdpiClassMap.loadDefault() : NdpiClassMap.load(ndpiMap);
                    ndpi = NdpiReaderTool.locate(ndpiReader);
                    labeller = new NdpiLabeller(map);
                }
                catch (final NdpiMapException | NdpiReaderException e)
                {
                    err.println("flowpic: " + e.getMessage());
                    return ExitCodes.CONFIG_ERROR;
                }
            }
            final NdpiLabeller ndpiLabels = labeller;
            final boolean labelled = labelRules != null || labeller != null;
            final LabelRules rules;
            try
            {
                rules = labelRules == null ? null : readRules(labelRules);
            }
            catch (final IOException | IllegalArgumentException e)
            {
                err.println("flowpic: label rules " + labelRules + ": " + e.getMessage());
                return ExitCodes.CONFIG_ERROR;
            }
            final CaptureSessions extractor = new CaptureSessions(TimeUnit.SECONDS.toNanos(idleSeconds), maxSeconds,
                minPackets);
            final Map<String, FlowCsvWriter> writers = new LinkedHashMap<>();
            final Map<String, Long> perLabel = new LinkedHashMap<>();
            final long[] unmatched = {0};
            final Progress progress = new Progress(err);
            final List<String> failures = new ArrayList<>();
            final List<String> ndpiFailures = new ArrayList<>();
            try
            {
                int index = 0;
                for (final Path capture : captures)
                {
                    index++;
                    final String name = capture.getFileName().toString();
                    try
                    {
                        if (ndpi != null && !labelWithNdpi(ndpi, ndpiLabels, capture, name, index, progress, ndpiFailures))
                        {
                            continue;
                        }
                        final CaptureReadResult result = extractor.read(capture, name, session ->
                        {
                            String label = null;
                            if (labelled)
                            {
                                label = rules != null ? rules.labelOf(name, session) : ndpiLabels.labelOf(session);
                                if (label == null)
                                {
                                    unmatched[0]++;
                                    return;
                                }
                            }
                            final String key = label == null ? "" : label;
                            FlowCsvWriter w = writers.get(key);
                            if (w == null)
                            {
                                w = FlowCsvWriter.open(label == null ? out : perLabelFile(out, label));
                                writers.put(key, w);
                            }
                            w.write(session);
                            perLabel.merge(key, 1L, Long::sum);
                            progress.update(() -> "extract: " + name + ": " + extractor.packetsRead() + " packets, " +
                                extractor.sessions() + " sessions");
                        });
                        if (!result.isClean())
                        {
                            progress.done();
                            err.println("flowpic: warning: " + capture + ": " + result.warning() + " at offset " +
                                result.warningOffset());
                        }
                    }
                    catch (final CaptureFileException e)
                    {
                        failures.add(capture + ": " + e.getMessage());
                    }
                }
                // Captures read but holding no session give an empty file (a result); no capture read gives none,
                // so nothing downstream mistakes a failed extract for an empty one.
                if (!labelled && writers.isEmpty() && failures.size() < captures.size())
                {
                    FlowCsvWriter.open(out).close();
                }
            }
            catch (final IOException | InterruptedException e)
            {
                closeAll(writers, err);
                writers.keySet().forEach(key -> removeQuietly(key.isEmpty() ? out : perLabelFile(out, key)));
                progress.done();
                err.println("flowpic: extract failed: " + e.getMessage() + "; output removed");
                return ExitCodes.INPUT_ERROR;
            }
            finally
            {
                closeAll(writers, err);
            }
            progress.done();
            failures.forEach(f -> err.println("flowpic: not a capture: " + f));
            ndpiFailures.forEach(f -> err.println("flowpic: ndpiReader failed: " + f));
            stdout.printf("files %d, packets %d, decoded %d, sessions written %d, sessions too small %d%s%n",
                captures.size(), extractor.packetsRead(), extractor.packetsDecoded(), extractor.sessions() - unmatched[0],
                extractor.sessionsTooSmall(), rules == null ? "" : ", sessions unmatched by rules " + unmatched[0]);
            if (labelled)
            {
                perLabel.forEach((label, n) -> stdout.printf("  %s: %d sessions -> %s%n", label, n, perLabelFile(out, label)));
            }
            if (ndpiLabels != null)
            {
                ndpiLabels.printSummary(stdout);
            }
            stdout.flush();
            return failures.isEmpty() && ndpiFailures.isEmpty() ? ExitCodes.OK : ExitCodes.INPUT_ERROR;
        }

        /**
         * Runs ndpiReader on the capture and hands its flows to the labeller; false (the capture is skipped) when
         * ndpiReader fails on it. A file that is not a capture at all is still reported as such by the read after.
         */
        private boolean labelWithNdpi(final NdpiReaderTool ndpi, final NdpiLabeller labeller, final Path capture,
            final String name, final int index, final Progress progress, final List<String> ndpiFailures)
            throws CaptureFileException, IOException, InterruptedException
        {
            try
            {
                final NdpiFlowListing.Result listing = ndpi.flowsOf(capture, seconds -> progress.update(() ->
                    "extract: ndpiReader on " + name + " (" + index + "/" + captures.size() + "): " + seconds + " s"));
                if (listing.skippedLines() > 0)
                {
                    progress.done();
                    spec.commandLine().getErr().println("flowpic: warning: " + capture + ": ndpiReader listed " +
                        listing.skippedLines() + " flow(s) with an unreadable address, left out (first: " +
                        listing.firstSkipped() + ")");
                }
                labeller.startCapture(listing);
                return true;
            }
            catch (final NdpiReaderException e)
            {
                // Not a capture (ndpiReader then fails too) is what to report about such a file.
                new CaptureSessions(TimeUnit.SECONDS.toNanos(idleSeconds), 0, Integer.MAX_VALUE).read(capture, name, s -> { });
                ndpiFailures.add(e.getMessage());
                return false;
            }
        }

        private static void closeAll(final Map<String, FlowCsvWriter> writers, final PrintWriter err)
        {
            for (final FlowCsvWriter w : writers.values())
            {
                try
                {
                    w.close();
                }
                catch (final IOException e)
                {
                    err.println("flowpic: closing output: " + e.getMessage());
                }
            }
        }

        private static void removeQuietly(final Path file)
        {
            try
            {
                Files.deleteIfExists(file);
            }
            catch (final IOException e)
            {
                // the extract failure is what gets reported
            }
        }

        /** {@code dir/name.csv.gz} + label → {@code dir/name-label.csv.gz} (also for .csv, .gz or no extension). */
        static Path perLabelFile(final Path out, final String label)
        {
            final String name = out.getFileName().toString();
            String ext = "";
            for (final String candidate : new String[] {".csv.gz", ".csv", ".gz"})
            {
                if (name.endsWith(candidate))
                {
                    ext = candidate;
                    break;
                }
            }
            final String base = name.substring(0, name.length() - ext.length());
            return out.resolveSibling(base + "-" + RenderCommand.safe(label) + ext);
        }

        static LabelRules readRules(final Path file) throws IOException
        {
            final JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
            if (root == null || !root.isArray())
            {
                throw new IllegalArgumentException("expected a list of rules");
            }
            final List<LabelRules.Rule> rules = new ArrayList<>();
            int index = 0;
            for (final JsonNode node : root)
            {
                final String where = "rule " + (++index);
                if (!node.isObject())
                {
                    throw new IllegalArgumentException(where + ": expected a mapping");
                }
                final Iterator<String> names = node.fieldNames();
                while (names.hasNext())
                {
                    final String key = names.next();
                    if (!Set.of("match", "ports", "proto", "label").contains(key))
                    {
                        throw new IllegalArgumentException(where + ": unknown key '" + key + "' (match, ports, proto, label)");
                    }
                }
                final Set<Integer> ports = new LinkedHashSet<>();
                final JsonNode p = node.get("ports");
                if (p != null)
                {
                    if (!p.isArray())
                    {
                        throw new IllegalArgumentException(where + ": 'ports' must be a list");
                    }
                    for (final JsonNode port : p)
                    {
                        if (!port.canConvertToInt() || port.asInt() < 0 || port.asInt() > 65535 || !port.isIntegralNumber())
                        {
                            throw new IllegalArgumentException(where + ": port '" + port.asText() + "' is not in 0..65535");
                        }
                        ports.add(port.asInt());
                    }
                }
                Integer protocol = null;
                final JsonNode proto = node.get("proto");
                if (proto != null)
                {
                    if ("TCP".equalsIgnoreCase(proto.asText()))
                    {
                        protocol = FlowSession.TCP;
                    }
                    else if ("UDP".equalsIgnoreCase(proto.asText()))
                    {
                        protocol = FlowSession.UDP;
                    }
                    else
                    {
                        throw new IllegalArgumentException(where + ": 'proto' must be TCP or UDP, got '" + proto.asText() + "'");
                    }
                }
                try
                {
                    rules.add(new LabelRules.Rule(text(node, "match"), ports, protocol, text(node, "label")));
                }
                catch (final IllegalArgumentException e)
                {
                    throw new IllegalArgumentException(where + ": " + e.getMessage());
                }
            }
            return new LabelRules(rules);
        }

        private static String text(final JsonNode node, final String key)
        {
            final JsonNode v = node.get(key);
            return v == null || v.isNull() ? null : v.asText();
        }
    }

    @Command(
        name = "build",
        mixinStandardHelpOptions = true,
        description = "Turn labelled FlowPic CSV files into numpy arrays: x.npy (float32 [N,R,R] raw counts), y.npy " +
            "(int64 label index), flow.npy (float32 [N,1] flow descriptors: 1 for UDP, 0 for TCP), labels.txt and " +
            "groups.txt (pcap_name per sample).")
    static final class Build implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Option(names = "--data", required = true, paramLabel = "LABEL=FILE", description = "Labelled FlowPic CSV file. Repeat.")
        List<String> data;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
        Path out;

        @Mixin
        BlockOptions shape;

        public Integer call()
        {
            final PrintWriter err = spec.commandLine().getErr();
            final PrintWriter stdout = spec.commandLine().getOut();
            shape.validate(spec);
            OptionChecks.directoryOrAbsent(spec, "--out", out);
            final FlowPicSpec flowPic = shape.spec();
            final List<Map.Entry<String, Path>> files = new ArrayList<>();
            final List<String> labels = new ArrayList<>();
            for (final String item : data)
            {
                final Map.Entry<String, Path> entry = labelled(item, false);
                if (entry == null)
                {
                    err.println("flowpic: --data expects LABEL=FILE, got '" + item + "'");
                    return ExitCodes.USAGE;
                }
                files.add(entry);
                if (!labels.contains(entry.getKey()))
                {
                    labels.add(entry.getKey());
                }
            }
            final int cells = flowPic.cellsPerImage();
            final float[] counts = new float[cells];
            final float[] flow = new float[FlowDescriptors.WIDTH];
            final Progress progress = new Progress(err);
            long rows;
            // The arrays are written into a hidden directory inside --out and moved into place only when every
            // file was read: a failure leaves --out as it was, never x.npy without labels.txt.
            final boolean outCreated = !Files.exists(out);
            Path staging = null;
            try
            {
                Files.createDirectories(out);
                staging = Files.createTempDirectory(out, ".flowpic-build-");
                final SessionBlocks blocks = new SessionBlocks(flowPic);
                try (NpyWriter x = NpyWriter.open(staging.resolve("x.npy"), NpyWriter.FLOAT32, shape.resolution, shape.resolution);
                     NpyWriter y = NpyWriter.open(staging.resolve("y.npy"), NpyWriter.INT64);
                     NpyWriter f = NpyWriter.open(staging.resolve("flow.npy"), NpyWriter.FLOAT32, FlowDescriptors.WIDTH);
                     BufferedWriter groups = Files.newBufferedWriter(staging.resolve("groups.txt"), StandardCharsets.UTF_8))
                {
                    final IOException[] failure = new IOException[1];
                    for (final Map.Entry<String, Path> entry : files)
                    {
                        final int label = labels.indexOf(entry.getKey());
                        try (FlowCsvReader reader = FlowCsvReader.open(entry.getValue(), shape.skipBadRows))
                        {
                            FlowSession session;
                            while ((session = reader.next()) != null)
                            {
                                final String group = session.pcapName();
                                blocks.forEachBlock(session, block ->
                                {
                                    if (failure[0] != null)
                                    {
                                        return;
                                    }
                                    java.util.Arrays.fill(counts, 0f);
                                    block.addCountsTo(counts, 0);
                                    try
                                    {
                                        x.writeFloats(counts, 0, cells);
                                        y.writeLong(label);
                                        FlowDescriptors.fill(block, flow, 0);
                                        f.writeFloats(flow, 0, FlowDescriptors.WIDTH);
                                        groups.write(group);
                                        groups.write('\n');
                                    }
                                    catch (final IOException e)
                                    {
                                        failure[0] = e;
                                    }
                                });
                                if (failure[0] != null)
                                {
                                    throw failure[0];
                                }
                                progress.update(() -> "build: " + blocks.qualifyingBlocks() + " blocks");
                            }
                        }
                    }
                    rows = x.rows();
                }
                Files.write(staging.resolve("labels.txt"), labels, StandardCharsets.UTF_8);
                for (final String name : List.of("x.npy", "y.npy", "flow.npy", "groups.txt", "labels.txt"))
                {
                    Files.move(staging.resolve(name), out.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
                Files.delete(staging);
            }
            catch (final Exception e)
            {
                removeTree(staging);
                if (outCreated)
                {
                    removeTree(out);
                }
                progress.done();
                err.println("flowpic: dataset build failed: " + e.getMessage());
                return ExitCodes.INPUT_ERROR;
            }
            progress.done();
            stdout.printf("wrote %d samples of %dx%d, %d labels to %s%n", rows, shape.resolution, shape.resolution, labels.size(), out);
            stdout.flush();
            return ExitCodes.OK;
        }
    }
}

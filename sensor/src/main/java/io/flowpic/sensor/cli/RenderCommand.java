package io.flowpic.sensor.cli;

import io.flowpic.flowtable.flow.FlowPicSpec;
import io.flowpic.inference.dataset.FlowCsvReader;
import io.flowpic.inference.dataset.FlowSession;
import io.flowpic.inference.dataset.SessionBlocks;
import io.flowpic.inference.render.FlowPicImages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(
    name = "render",
    mixinStandardHelpOptions = true,
    description = "Draw FlowPics of FlowPic CSV files as PNG (size vertical, small sizes at the bottom; time horizontal; " +
        "log-scaled intensity), one image per block, plus a per-class average grid when several labels are given.")
final class RenderCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "[LABEL=]FILE",
        description = "FlowPic CSV file, optionally labelled (default label: the file name up to the first '.'). Repeat.")
    List<String> data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Option(names = "--limit", defaultValue = "20", description = "Images per file (default: ${DEFAULT-VALUE}; 0 = none, only the averages).")
    int limit;

    @Mixin
    BlockOptions shape;

    public Integer call()
    {
        final PrintWriter err = spec.commandLine().getErr();
        final PrintWriter stdout = spec.commandLine().getOut();
        shape.validate(spec);
        OptionChecks.atLeast(spec, "--limit", limit, 0);
        OptionChecks.directoryOrAbsent(spec, "--out", out);
        final List<Map.Entry<String, Path>> files = new ArrayList<>();
        for (final String item : data)
        {
            final Map.Entry<String, Path> entry = DatasetCommand.labelled(item, true);
            if (entry == null)
            {
                throw OptionChecks.fail(spec, "Invalid value for option '--data': expected [LABEL=]FILE but was '" +
                    item + "'");
            }
            files.add(entry);
        }
        final FlowPicSpec flowPic = shape.spec();
        final int r = shape.resolution;
        final int cells = flowPic.cellsPerImage();
        final int scale = FlowPicImages.scaleFor(r);
        final Map<String, double[]> sums = new LinkedHashMap<>();
        final Map<String, long[]> blockCounts = new LinkedHashMap<>();
        long images = 0;
        // A failed render takes back what it wrote, so the directory never holds half of one run.
        final List<Path> written = new ArrayList<>();
        final boolean outCreated = !Files.exists(out);
        // Sessions are numbered per label across files: two files of one label must not share image names.
        final Map<String, int[]> sessionsOfLabel = new LinkedHashMap<>();
        try
        {
            Files.createDirectories(out);
            final SessionBlocks blocks = new SessionBlocks(flowPic);
            for (final Map.Entry<String, Path> entry : files)
            {
                final String label = entry.getKey();
                final double[] sum = sums.computeIfAbsent(label, k -> new double[cells]);
                final long[] n = blockCounts.computeIfAbsent(label, k -> new long[1]);
                final int[] writtenOfFile = {0};
                final int[] sessionIndex = sessionsOfLabel.computeIfAbsent(label, k -> new int[1]);
                final IOHolder failure = new IOHolder();
                try (FlowCsvReader reader = FlowCsvReader.open(entry.getValue(), shape.skipBadRows))
                {
                    FlowSession session;
                    while ((session = reader.next()) != null)
                    {
                        final int s = sessionIndex[0]++;
                        final int[] blockIndex = {0};
                        final float[] counts = new float[cells];
                        blocks.forEachBlock(session, block ->
                        {
                            java.util.Arrays.fill(counts, 0f);
                            block.addCountsTo(counts, 0);
                            for (int i = 0; i < cells; i++)
                            {
                                sum[i] += counts[i];
                            }
                            n[0]++;
                            final int b = blockIndex[0]++;
                            if (writtenOfFile[0] < limit && failure.e == null)
                            {
                                final String name = String.format(Locale.ROOT, "%s-s%05d-b%03d.png", safe(label), s, b);
                                try
                                {
                                    final Path png = out.resolve(name);
                                    written.add(png);
                                    FlowPicImages.writePng(FlowPicImages.flowPic(counts, r, scale), png);
                                    writtenOfFile[0]++;
                                }
                                catch (final java.io.IOException e)
                                {
                                    failure.e = e;
                                }
                            }
                        });
                        if (failure.e != null)
                        {
                            throw failure.e;
                        }
                    }
                }
                images += writtenOfFile[0];
            }
            if (sums.size() > 1)
            {
                final List<String> titles = new ArrayList<>();
                final List<BufferedImage> pictures = new ArrayList<>();
                for (final Map.Entry<String, double[]> e : sums.entrySet())
                {
                    final long n = blockCounts.get(e.getKey())[0];
                    final float[] mean = new float[cells];
                    for (int i = 0; i < cells; i++)
                    {
                        mean[i] = n == 0 ? 0 : (float)(e.getValue()[i] / n);
                    }
                    titles.add(e.getKey() + " (" + n + ")");
                    pictures.add(FlowPicImages.flowPic(mean, r, scale));
                }
                final Path average = out.resolve("average-by-class.png");
                written.add(average);
                FlowPicImages.writePng(FlowPicImages.grid(titles, pictures), average);
                images++;
            }
        }
        catch (final Exception e)
        {
            removeWritten(written, outCreated ? out : null);
            err.println("flowpic: render failed: " + e.getMessage() + "; no images written");
            return ExitCodes.INPUT_ERROR;
        }
        stdout.println("wrote " + images + " images to " + out);
        stdout.flush();
        return ExitCodes.OK;
    }

    private static void removeWritten(final List<Path> written, final Path createdDir)
    {
        try
        {
            for (final Path png : written)
            {
                Files.deleteIfExists(png);
            }
            if (createdDir != null)
            {
                Files.deleteIfExists(createdDir);
            }
        }
        catch (final java.io.IOException ex)
        {
            // best effort: the failure itself is what gets reported
        }
    }

    private static final class IOHolder
    {
        java.io.IOException e;
    }

    static String safe(final String label)
    {
        return label.replaceAll("[^A-Za-z0-9_.-]", "_");
    }
}

package io.flowpic.inference.train;

import io.flowpic.inference.dataset.FlowCsvException;
import io.flowpic.inference.dataset.FlowSession;
import io.flowpic.inference.dataset.LabeledSessions;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Leave-one-source-out validation: for every source ({@code pcap_name} up to the first '/'), a model is trained
 * on all other sources and measured on the held-out one. The held-out blocks never choose anything (no early
 * stopping, last epoch kept), so the pooled figure predicts what a model trained this way does on a network and
 * applications it has never seen, which capture-held-out validation overstates.
 */
public final class SourceCrossValidation
{
    private SourceCrossValidation()
    {
    }

    /** Runs one fold per source in a temporary directory of its own, removed afterwards. */
    public static CrossValidationReport run(final Supplier<TrainingOptions> optionsPerFold, final PrintStream progress)
        throws IOException, FlowCsvException
    {
        final Path work = Files.createTempDirectory("flowpic-loso");
        try
        {
            return run(optionsPerFold, work, progress);
        }
        finally
        {
            deleteTree(work);
        }
    }

    /**
     * Runs one fold per source. {@code optionsPerFold} gives fresh options for each fold (data files, shape,
     * features, augmentation, epochs); the held-out source, monitor and output directory are set here.
     */
    public static CrossValidationReport run(
        final Supplier<TrainingOptions> optionsPerFold, final Path workDir, final PrintStream progress)
        throws IOException, FlowCsvException
    {
        final long started = System.nanoTime();
        final TrainingOptions first = optionsPerFold.get();
        final LabeledSessions data = Trainer.loadSessions(first);
        final Set<String> sources = new TreeSet<>();
        for (final FlowSession s : data.sessions())
        {
            sources.add(s.source());
        }
        final List<CrossValidationReport.Fold> folds = new ArrayList<>();
        final List<float[]> scores = new ArrayList<>();
        final List<int[]> trueLabels = new ArrayList<>();
        int index = 0;
        for (final String source : sources)
        {
            index++;
            final long foldStarted = System.nanoTime();
            final Path foldDir = workDir.resolve("fold-" + index);
            final TrainingOptions options = optionsPerFold.get()
                .preloaded(data)
                .validationSources(Set.of(source))
                .monitor(TrainingOptions.Monitor.NONE)
                .outputDir(foldDir)
                .progress(null);
            final TrainingResult result = Trainer.train(options);
            deleteTree(foldDir);
            final double seconds = (System.nanoTime() - foldStarted) / 1e9;
            final Evaluation held = result.validation();
            folds.add(new CrossValidationReport.Fold(source, held.confusion(), seconds));
            scores.add(result.validationScores());
            trueLabels.add(result.validationLabels());
            if (progress != null)
            {
                final double elapsed = (System.nanoTime() - started) / 1e9;
                progress.printf("fold %d/%d held out %-48s %5d blocks accuracy %.3f  %.0f s (about %.0f s left)%n",
                    index, sources.size(), source, held.total(), held.accuracy(), seconds,
                    elapsed / index * (sources.size() - index));
                progress.flush();
            }
        }
        return new CrossValidationReport(data.labels(), folds, concatScores(scores), concatLabels(trueLabels),
            (System.nanoTime() - started) / 1e9);
    }

    private static float[] concatScores(final List<float[]> parts)
    {
        final float[] all = new float[parts.stream().mapToInt(a -> a.length).sum()];
        int at = 0;
        for (final float[] a : parts)
        {
            System.arraycopy(a, 0, all, at, a.length);
            at += a.length;
        }
        return all;
    }

    private static int[] concatLabels(final List<int[]> parts)
    {
        final int[] all = new int[parts.stream().mapToInt(a -> a.length).sum()];
        int at = 0;
        for (final int[] a : parts)
        {
            System.arraycopy(a, 0, all, at, a.length);
            at += a.length;
        }
        return all;
    }

    private static void deleteTree(final Path dir) throws IOException
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir))
        {
            walk.sorted(Comparator.reverseOrder()).forEach(p ->
            {
                try
                {
                    Files.delete(p);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
            });
        }
    }
}

package io.flowpic.inference.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link SourceCrossValidation} measured: each held-out source's confusion matrix and, pooled over all
 * folds, every held-out block's scores and true label (what calibration is fitted on).
 */
public final class CrossValidationReport
{
    /** One held-out source: its blocks' confusion matrix (rows true, columns predicted, in label order). */
    public record Fold(String source, long[][] confusion, double seconds)
    {
        public long blocks()
        {
            long n = 0;
            for (final long[] row : confusion)
            {
                for (final long v : row)
                {
                    n += v;
                }
            }
            return n;
        }
    }

    private final List<String> labels;
    private final List<Fold> folds;
    private final float[] scores;
    private final int[] trueLabels;
    private final double seconds;

    CrossValidationReport(
        final List<String> labels, final List<Fold> folds, final float[] scores, final int[] trueLabels,
        final double seconds)
    {
        this.labels = List.copyOf(labels);
        this.folds = List.copyOf(folds);
        this.scores = scores;
        this.trueLabels = trueLabels;
        this.seconds = seconds;
    }

    public List<String> labels() { return labels; }
    public List<Fold> folds() { return folds; }
    public double seconds() { return seconds; }

    /** Every held-out block's scores, {@code labels().size()} per block, fold after fold. */
    public float[] scores() { return scores.clone(); }

    /** The true label index of every held-out block, in the order of {@link #scores()}. */
    public int[] trueLabels() { return trueLabels.clone(); }

    /** All held-out predictions together: the figure that selects the model is its macro-F1. */
    public Evaluation pooled()
    {
        final Evaluation all = new Evaluation(labels);
        for (final Fold fold : folds)
        {
            final long[][] c = fold.confusion();
            for (int t = 0; t < c.length; t++)
            {
                for (int p = 0; p < c.length; p++)
                {
                    for (long k = 0; k < c[t][p]; k++)
                    {
                        all.add(t, p);
                    }
                }
            }
        }
        return all;
    }

    /** A table: one row per held-out source, each class's recall on it with its block count, then the pooled row. */
    public String table()
    {
        final StringBuilder out = new StringBuilder();
        out.append(String.format("%-48s", "held-out source"));
        for (final String label : labels)
        {
            out.append(String.format(" %16s", label));
        }
        out.append(String.format("%n"));
        for (final Fold fold : folds)
        {
            out.append(String.format("%-48s", fold.source()));
            appendRecalls(out, fold.confusion());
            out.append(String.format("%n"));
        }
        final Evaluation pooled = pooled();
        out.append(String.format("%-48s", "all held-out blocks (recall)"));
        appendRecalls(out, pooled.confusion());
        out.append(String.format("%n"));
        out.append(String.format("pooled over %d held-out blocks from %d sources: accuracy %.3f, macro-F1 %.3f%n",
            pooled.total(), folds.size(), pooled.accuracy(), pooled.macroF1()));
        for (final Evaluation.ClassMetrics m : pooled.perClass())
        {
            out.append(String.format("  %-16s precision %.3f recall %.3f F1 %.3f support %d%n", m.label(), m.precision(),
                m.recall(), m.f1(), m.support()));
        }
        out.append("  confusion (rows true, cols predicted, ").append(labels).append("): ")
            .append(java.util.Arrays.deepToString(pooled.confusion())).append(String.format("%n"));
        return out.toString();
    }

    private static void appendRecalls(final StringBuilder out, final long[][] confusion)
    {
        for (int c = 0; c < confusion.length; c++)
        {
            long support = 0;
            for (final long v : confusion[c])
            {
                support += v;
            }
            out.append(support == 0 ? String.format(" %16s", "-") :
                String.format(" %9.2f (%4d)", (double)confusion[c][c] / support, support));
        }
    }

    public void writeJson(final Path file, final Map<String, Object> options) throws IOException
    {
        final Map<String, Object> root = new LinkedHashMap<>();
        root.put("method", "leave-one-source-out");
        root.put("options", options);
        root.put("labels", labels);
        final Evaluation pooled = pooled();
        final Map<String, Object> all = new LinkedHashMap<>();
        all.put("blocks", pooled.total());
        all.put("accuracy", pooled.accuracy());
        all.put("macroF1", pooled.macroF1());
        all.put("perClass", pooled.perClass());
        all.put("confusionMatrix", pooled.confusion());
        root.put("pooled", all);
        final List<Map<String, Object>> perSource = new ArrayList<>();
        for (final Fold fold : folds)
        {
            final Map<String, Object> f = new LinkedHashMap<>();
            f.put("source", fold.source());
            f.put("blocks", fold.blocks());
            final Map<String, Object> recall = new LinkedHashMap<>();
            final long[][] c = fold.confusion();
            for (int t = 0; t < c.length; t++)
            {
                long support = 0;
                for (final long v : c[t])
                {
                    support += v;
                }
                if (support > 0)
                {
                    recall.put(labels.get(t), Map.of("recall", (double)c[t][t] / support, "blocks", support));
                }
            }
            f.put("recall", recall);
            f.put("confusionMatrix", c);
            f.put("seconds", fold.seconds());
            perSource.add(f);
        }
        root.put("folds", perSource);
        root.put("seconds", seconds);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
    }
}

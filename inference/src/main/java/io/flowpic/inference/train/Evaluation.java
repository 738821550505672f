package io.flowpic.inference.train;

import java.util.ArrayList;
import java.util.List;

/** Confusion matrix (rows = true, columns = predicted, in label order) and the figures derived from it. */
public final class Evaluation
{
    /** Per-class figures; precision is 0 when the class was never predicted, recall 0 when it has no support. */
    public record ClassMetrics(String label, double precision, double recall, double f1, int support)
    {
    }

    private final List<String> labels;
    private final long[][] confusion;

    public Evaluation(final List<String> labels)
    {
        this.labels = List.copyOf(labels);
        this.confusion = new long[labels.size()][labels.size()];
    }

    public void add(final int trueLabel, final int predicted)
    {
        confusion[trueLabel][predicted]++;
    }

    public List<String> labels()
    {
        return labels;
    }

    public long[][] confusion()
    {
        final long[][] copy = new long[confusion.length][];
        for (int i = 0; i < copy.length; i++)
        {
            copy[i] = confusion[i].clone();
        }
        return copy;
    }

    public long total()
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

    public double accuracy()
    {
        long correct = 0;
        for (int i = 0; i < confusion.length; i++)
        {
            correct += confusion[i][i];
        }
        final long n = total();
        return n == 0 ? 0 : (double)correct / n;
    }

    public List<ClassMetrics> perClass()
    {
        final List<ClassMetrics> out = new ArrayList<>();
        for (int c = 0; c < confusion.length; c++)
        {
            long predicted = 0;
            long support = 0;
            for (int k = 0; k < confusion.length; k++)
            {
                predicted += confusion[k][c];
                support += confusion[c][k];
            }
            final long tp = confusion[c][c];
            final double p = predicted == 0 ? 0 : (double)tp / predicted;
            final double r = support == 0 ? 0 : (double)tp / support;
            final double f1 = p + r == 0 ? 0 : 2 * p * r / (p + r);
            out.add(new ClassMetrics(labels.get(c), p, r, f1, (int)support));
        }
        return out;
    }

    /** Mean F1 over the classes present in the evaluated data (support > 0). */
    public double macroF1()
    {
        double sum = 0;
        int n = 0;
        for (final ClassMetrics m : perClass())
        {
            if (m.support() > 0)
            {
                sum += m.f1();
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }

    /** Share of the largest class: the accuracy of always predicting it. */
    public double majorityRate()
    {
        long max = 0;
        for (final long[] row : confusion)
        {
            long s = 0;
            for (final long v : row)
            {
                s += v;
            }
            max = Math.max(max, s);
        }
        final long n = total();
        return n == 0 ? 0 : (double)max / n;
    }
}

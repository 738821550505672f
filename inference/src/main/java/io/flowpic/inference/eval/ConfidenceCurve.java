package io.flowpic.inference.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The top (calibrated) score of every evaluated block and whether its top class was right: what a
 * {@code flowpic.min-confidence} threshold would do to the labels. A block whose top score is below the threshold
 * is journaled as {@code unknown}; coverage is the share of blocks that keep a label, accuracy is measured over
 * those alone.
 */
public final class ConfidenceCurve
{
    /** Thresholds of the curve: 0, 0.05, ..., 1. */
    public static final int STEPS = 20;

    /** One point of the curve; {@code accuracy} is NaN when no block is covered. */
    public record Point(double threshold, long covered, double coverage, double accuracy)
    {
    }

    private double[] top = new double[1024];
    private boolean[] correct = new boolean[1024];
    private int n;

    public void add(final double topScore, final boolean right)
    {
        if (n == top.length)
        {
            top = Arrays.copyOf(top, n * 2);
            correct = Arrays.copyOf(correct, n * 2);
        }
        top[n] = topScore;
        correct[n++] = right;
    }

    public int samples()
    {
        return n;
    }

    /** Coverage and accuracy when blocks with a top score below {@code threshold} become unknown. */
    public Point at(final double threshold)
    {
        long covered = 0;
        long right = 0;
        for (int i = 0; i < n; i++)
        {
            if (io.flowpic.inference.ConfidenceThreshold.keepsLabel(top[i], threshold))
            {
                covered++;
                if (correct[i])
                {
                    right++;
                }
            }
        }
        return new Point(threshold, covered, n == 0 ? Double.NaN : (double)covered / n,
            covered == 0 ? Double.NaN : (double)right / covered);
    }

    /** The curve at thresholds 0, 1/{@value #STEPS}, ..., 1. */
    public List<Point> points()
    {
        final List<Point> points = new ArrayList<>(STEPS + 1);
        for (int i = 0; i <= STEPS; i++)
        {
            points.add(at((double)i / STEPS));
        }
        return points;
    }

    /** Expected calibration error of the top scores ({@link CalibrationError}). */
    public double expectedCalibrationError()
    {
        return CalibrationError.of(top, correct, n);
    }
}

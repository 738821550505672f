package io.flowpic.inference.render;

import io.flowpic.inference.eval.ConfidenceCurve;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * The accuracy/coverage curve of {@code flowpic evaluate} as a chart: min-confidence threshold on the horizontal
 * axis, coverage (blue) and accuracy of the covered blocks (red) on the vertical, both 0..1, and the chosen
 * threshold, if any, as a dashed line with its figures. Drawn with java.awt in headless mode, as
 * {@link FlowPicImages#confusion} is.
 */
public final class ConfidenceCurveChart
{
    private static final int WIDTH = 640;
    private static final int HEIGHT = 420;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 50;
    private static final int BOTTOM = 50;
    private static final Color COVERAGE = new Color(40, 90, 200);
    private static final Color ACCURACY = new Color(200, 50, 40);

    static
    {
        System.setProperty("java.awt.headless", "true");
    }

    private ConfidenceCurveChart()
    {
    }

    /** @param threshold the evaluated min-confidence, or null for none */
    public static BufferedImage draw(final ConfidenceCurve curve, final Double threshold)
    {
        final BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        try
        {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setColor(Color.LIGHT_GRAY);
            for (int i = 0; i <= 10; i++)
            {
                g.drawLine(x(i / 10.0), y(0), x(i / 10.0), y(1));
                g.drawLine(x(0), y(i / 10.0), x(1), y(i / 10.0));
            }
            g.setColor(Color.BLACK);
            g.drawRect(x(0), y(1), x(1) - x(0), y(0) - y(1));
            for (int i = 0; i <= 10; i += 2)
            {
                final String v = String.format(Locale.ROOT, "%.1f", i / 10.0);
                g.drawString(v, x(i / 10.0) - 9, y(0) + 16);
                g.drawString(v, x(0) - 28, y(i / 10.0) + 5);
            }
            g.drawString("min-confidence threshold (top calibrated score)", x(0.2), HEIGHT - 12);
            g.drawString(String.format(Locale.ROOT, "blocks %d   ECE %.3f", curve.samples(),
                curve.expectedCalibrationError()), LEFT, 18);
            final List<ConfidenceCurve.Point> points = curve.points();
            g.setStroke(new BasicStroke(2f));
            line(g, points, true, COVERAGE);
            line(g, points, false, ACCURACY);
            g.setColor(COVERAGE);
            g.drawString("coverage", LEFT, 38);
            g.setColor(ACCURACY);
            g.drawString("accuracy of labelled blocks", LEFT + 80, 38);
            if (threshold != null)
            {
                final ConfidenceCurve.Point p = curve.at(threshold);
                g.setColor(Color.DARK_GRAY);
                g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
                g.drawLine(x(threshold), y(0), x(threshold), y(1));
                g.drawString(String.format(Locale.ROOT, "at %.2f: coverage %.3f, accuracy %.3f", threshold,
                    p.coverage(), p.accuracy()), LEFT + 300, 38);
            }
        }
        finally
        {
            g.dispose();
        }
        return image;
    }

    private static void line(final Graphics2D g, final List<ConfidenceCurve.Point> points, final boolean coverage,
        final Color color)
    {
        g.setColor(color);
        ConfidenceCurve.Point last = null;
        for (final ConfidenceCurve.Point p : points)
        {
            final double v = coverage ? p.coverage() : p.accuracy();
            if (Double.isNaN(v))
            {
                last = null; // no block covered from here on: nothing to draw
                continue;
            }
            if (last != null)
            {
                g.drawLine(x(last.threshold()), y(coverage ? last.coverage() : last.accuracy()), x(p.threshold()), y(v));
            }
            g.fillOval(x(p.threshold()) - 3, y(v) - 3, 6, 6);
            last = p;
        }
    }

    private static int x(final double v)
    {
        return LEFT + (int)Math.round(v * (WIDTH - LEFT - RIGHT));
    }

    private static int y(final double v)
    {
        return HEIGHT - BOTTOM - (int)Math.round(v * (HEIGHT - TOP - BOTTOM));
    }
}

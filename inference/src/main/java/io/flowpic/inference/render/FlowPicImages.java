package io.flowpic.inference.render;

import io.flowpic.inference.train.Evaluation;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * PNG pictures of FlowPics and evaluation results, drawn with java.awt in headless mode.
 *
 * <p>A FlowPic is drawn with packet size on the vertical axis, small sizes at the bottom (row 0 of the
 * histogram is the lowest line of pixels), time in the block on the horizontal axis, and intensity
 * log-scaled: a cell with count c is drawn with brightness log1p(c) / log1p(max) (black = empty,
 * white = the fullest cell). Small resolutions are scaled up by nearest neighbour so the picture is at least
 * {@value #TARGET_PIXELS} pixels wide.
 */
public final class FlowPicImages
{
    public static final int TARGET_PIXELS = 256;

    static
    {
        System.setProperty("java.awt.headless", "true");
    }

    private FlowPicImages()
    {
    }

    /** Integer up-scaling factor for resolution {@code r}: 32 → 8 (256 px), 64 → 4, 1500 → 1. */
    public static int scaleFor(final int r)
    {
        return Math.max(1, TARGET_PIXELS / r);
    }

    /**
     * @param counts R*R row-major counts (row = size bin, column = time bin).
     * @return an (R*scale) x (R*scale) greyscale image, size bin 0 at the bottom.
     */
    public static BufferedImage flowPic(final float[] counts, final int r, final int scale)
    {
        float max = 0;
        for (int i = 0; i < r * r; i++)
        {
            max = Math.max(max, counts[i]);
        }
        final double denom = max > 0 ? Math.log1p(max) : 1;
        final int side = r * scale;
        final BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        for (int row = 0; row < r; row++)
        {
            final int y0 = (r - 1 - row) * scale;
            for (int col = 0; col < r; col++)
            {
                final float c = counts[row * r + col];
                if (c <= 0)
                {
                    continue; // image starts black
                }
                final int level = (int)Math.round(Math.log1p(c) / denom * 255);
                // Any non-empty cell is at least dimly visible.
                final int v = Math.max(48, Math.min(255, level));
                final int rgb = (v << 16) | (v << 8) | v;
                for (int dy = 0; dy < scale; dy++)
                {
                    for (int dx = 0; dx < scale; dx++)
                    {
                        image.setRGB(col * scale + dx, y0 + dy, rgb);
                    }
                }
            }
        }
        return image;
    }

    /** One picture per class side by side, each titled with its label and the number of blocks averaged. */
    public static BufferedImage grid(final List<String> titles, final List<BufferedImage> pictures)
    {
        final int n = pictures.size();
        final int side = pictures.isEmpty() ? TARGET_PIXELS : pictures.get(0).getWidth();
        final int pad = 10;
        final int titleHeight = 24;
        final int width = pad + n * (side + pad);
        final int height = pad + titleHeight + side + pad;
        final BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        try
        {
            g.setColor(new Color(40, 40, 40));
            g.fillRect(0, 0, width, height);
            text(g);
            g.setColor(Color.WHITE);
            final FontMetrics fm = g.getFontMetrics();
            for (int i = 0; i < n; i++)
            {
                final int x = pad + i * (side + pad);
                final String title = titles.get(i);
                g.drawString(title, x + Math.max(0, (side - fm.stringWidth(title)) / 2), pad + fm.getAscent());
                g.drawImage(pictures.get(i), x, pad + titleHeight, null);
            }
        }
        finally
        {
            g.dispose();
        }
        return image;
    }

    /**
     * A labelled confusion matrix: rows true, columns predicted, each cell shaded by its share of the row
     * (the recall of that class for the diagonal) and printed with its count.
     */
    public static BufferedImage confusion(final Evaluation evaluation)
    {
        final List<String> labels = evaluation.labels();
        final long[][] m = evaluation.confusion();
        final int n = labels.size();
        final BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        final Graphics2D pg = probe.createGraphics();
        text(pg);
        final FontMetrics fm = pg.getFontMetrics();
        int labelWidth = fm.stringWidth("true \\ predicted");
        for (final String l : labels)
        {
            labelWidth = Math.max(labelWidth, fm.stringWidth(l));
        }
        pg.dispose();
        // Columns as wide as the widest label: cut to 8 characters, file_transfer read as "file_tra".
        int widest = 0;
        for (final String l : labels)
        {
            widest = Math.max(widest, fm.stringWidth(l));
        }
        final int cell = Math.max(64, widest + 12);
        final int left = labelWidth + 20;
        final int top = 60;
        final int width = left + n * cell + 20;
        final int height = top + n * cell + 20;
        final BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        try
        {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            text(g);
            g.setColor(Color.BLACK);
            g.drawString(String.format(java.util.Locale.ROOT, "accuracy %.3f  macro-F1 %.3f  samples %d",
                evaluation.accuracy(), evaluation.macroF1(), evaluation.total()), 10, 18);
            g.drawString("true \\ predicted", 10, top - 8);
            for (int j = 0; j < n; j++)
            {
                final String l = labels.get(j);
                g.drawString(l, left + j * cell + (cell - fm.stringWidth(l)) / 2, top - 8);
            }
            for (int i = 0; i < n; i++)
            {
                long rowTotal = 0;
                for (final long v : m[i])
                {
                    rowTotal += v;
                }
                g.setColor(Color.BLACK);
                g.drawString(labels.get(i), 10, top + i * cell + cell / 2 + fm.getAscent() / 2);
                for (int j = 0; j < n; j++)
                {
                    final double share = rowTotal == 0 ? 0 : (double)m[i][j] / rowTotal;
                    final int shade = (int)Math.round(255 - share * 200);
                    g.setColor(i == j ? new Color(shade, shade, 255) : new Color(255, shade, shade));
                    g.fillRect(left + j * cell, top + i * cell, cell, cell);
                    g.setColor(Color.GRAY);
                    g.setStroke(new BasicStroke(1));
                    g.drawRect(left + j * cell, top + i * cell, cell, cell);
                    g.setColor(share > 0.6 ? Color.WHITE : Color.BLACK);
                    final String count = Long.toString(m[i][j]);
                    g.drawString(count, left + j * cell + (cell - fm.stringWidth(count)) / 2,
                        top + i * cell + cell / 2 + fm.getAscent() / 2);
                }
            }
        }
        finally
        {
            g.dispose();
        }
        return image;
    }

    public static void writePng(final BufferedImage image, final Path file) throws IOException
    {
        final Path parent = file.toAbsolutePath().getParent();
        if (parent != null)
        {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(image, "png", file.toFile()))
        {
            throw new IOException("no PNG writer available for " + file);
        }
    }

    private static void text(final Graphics2D g)
    {
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    }
}

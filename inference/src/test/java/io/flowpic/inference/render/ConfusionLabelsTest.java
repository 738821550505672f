package io.flowpic.inference.render;

import io.flowpic.inference.train.Evaluation;
import org.junit.jupiter.api.Test;

import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The confusion PNG's column headings are whole labels: "file_transfer" was drawn as "file_tra". */
class ConfusionLabelsTest
{
    @Test
    void aLongLabelIsDrawnWholeAboveItsColumn()
    {
        final Evaluation evaluation = new Evaluation(List.of("voip", "file_transfer"));
        evaluation.add(0, 0);
        evaluation.add(1, 1);
        final BufferedImage image = FlowPicImages.confusion(evaluation);

        final Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        final FontMetrics fm = g.getFontMetrics();
        g.dispose();
        // The second column, from the image's width (left + 2 cells + 20) and the row-label margin (left).
        final int left = Math.max(fm.stringWidth("true \\ predicted"), fm.stringWidth("file_transfer")) + 20;
        final int cell = (image.getWidth() - 20 - left) / 2;
        // Headings sit on the baseline 8 px above the grid (top = 60).
        int first = Integer.MAX_VALUE;
        int last = -1;
        for (int y = 60 - 8 - fm.getAscent(); y <= 60 - 8 + fm.getDescent(); y++)
        {
            for (int x = left + cell; x < left + 2 * cell; x++)
            {
                if ((image.getRGB(x, y) & 0xFF) < 128)
                {
                    first = Math.min(first, x);
                    last = Math.max(last, x);
                }
            }
        }
        final int drawn = last - first + 1;
        assertTrue(drawn >= fm.stringWidth("file_transfer") - 3,
            "heading drawn " + drawn + " px wide, the whole label is " + fm.stringWidth("file_transfer"));
    }
}

package io.flowpic.inference.train;

import java.util.Locale;

/** The CNN variants. */
public enum Architecture
{
    /**
     * LeNet-5 style for R = 32/64: conv 6@5×5 SAME → relu → maxpool 2 → conv 16@5×5 VALID → relu →
     * maxpool 2 → fc 120 → fc 84 → softmax.
     */
    MINI,
    /**
     * The original FlowPic network for R = 1500: conv 10@10×10 stride 5 SAME → relu → maxpool 2 →
     * conv 20@10×10 stride 5 SAME → relu → dropout .25 → maxpool 2 → dense 64 → relu → dropout .5 → softmax.
     */
    FULL;

    public String id()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Architecture parse(final String text)
    {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
    }
}

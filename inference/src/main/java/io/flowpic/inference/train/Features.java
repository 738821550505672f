package io.flowpic.inference.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What the dense layers of a FlowPic net see, written as a '+'-joined list: {@code image} (the CNN's features
 * of the picture, the published FlowPic), {@code stats} ({@link BlockStatistics} computed inside the model from
 * the same picture) and {@code transport} (the {@link io.flowpic.inference.FlowDescriptors} second input).
 */
public final class Features
{
    public static final Features IMAGE = new Features(true, false, false);

    private final boolean image;
    private final boolean stats;
    private final boolean transport;

    private Features(final boolean image, final boolean stats, final boolean transport)
    {
        this.image = image;
        this.stats = stats;
        this.transport = transport;
    }

    public static Features of(final boolean image, final boolean stats, final boolean transport)
    {
        if (!image && !stats)
        {
            throw new IllegalArgumentException("features need image or stats (or both)");
        }
        return new Features(image, stats, transport);
    }

    /** Parses e.g. {@code image+stats+transport}. */
    public static Features parse(final String text)
    {
        boolean image = false;
        boolean stats = false;
        boolean transport = false;
        for (final String part : text.trim().toLowerCase(Locale.ROOT).split("\\+"))
        {
            switch (part.trim())
            {
                case "image" -> image = true;
                case "stats" -> stats = true;
                case "transport" -> transport = true;
                default -> throw new IllegalArgumentException("unknown feature '" + part.trim() + "' in '" + text +
                    "' (a '+'-joined list of image, stats, transport)");
            }
        }
        return of(image, stats, transport);
    }

    public boolean image()
    {
        return image;
    }

    public boolean stats()
    {
        return stats;
    }

    public boolean transport()
    {
        return transport;
    }

    public String id()
    {
        final List<String> parts = new ArrayList<>(3);
        if (image)
        {
            parts.add("image");
        }
        if (stats)
        {
            parts.add("stats");
        }
        if (transport)
        {
            parts.add("transport");
        }
        return String.join("+", parts);
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof Features f && f.image == image && f.stats == stats && f.transport == transport;
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(image, stats, transport);
    }

    @Override
    public String toString()
    {
        return id();
    }
}

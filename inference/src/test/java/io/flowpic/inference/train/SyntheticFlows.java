package io.flowpic.inference.train;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Writes synthetic FlowPic CSV files whose classes differ clearly in packet sizes and timing. */
public final class SyntheticFlows
{
    public static final String[] CLASSES = {"bulk", "chatty", "voice"};

    private SyntheticFlows()
    {
    }

    /** One gzip file per class, {@code pcaps} captures per class, {@code sessions} sessions per capture. */
    public static Path[] write(final Path dir, final int pcaps, final int sessions, final long seed) throws IOException
    {
        final Random random = new Random(seed);
        final Path[] files = new Path[CLASSES.length];
        for (int c = 0; c < CLASSES.length; c++)
        {
            files[c] = dir.resolve(CLASSES[c] + ".csv.gz");
            try (OutputStream raw = new GZIPOutputStream(Files.newOutputStream(files[c]));
                 Writer out = new OutputStreamWriter(raw, StandardCharsets.US_ASCII))
            {
                for (int p = 0; p < pcaps; p++)
                {
                    final String pcap = "src" + (p % 3) + "/" + CLASSES[c] + "-" + p + ".pcap";
                    for (int s = 0; s < sessions; s++)
                    {
                        out.write(row(c, pcap, s, random));
                        out.write('\n');
                    }
                }
            }
        }
        return files;
    }

    private static String row(final int cls, final String pcap, final int s, final Random random)
    {
        final double duration = 20 + random.nextDouble() * 25;
        final StringBuilder ts = new StringBuilder();
        final StringBuilder sizes = new StringBuilder();
        double t = 0;
        int n = 0;
        while (t < duration)
        {
            final int size;
            final double gap;
            switch (cls)
            {
                case 0 -> { size = 1300 + random.nextInt(201); gap = random.nextDouble() * 0.1; }          // dense, large
                case 1 -> { size = 60 + random.nextInt(140); gap = 0.2 + random.nextDouble() * 1.2; }        // sparse, small
                default -> { size = 180 + random.nextInt(80); gap = 0.02 + random.nextGaussian() * 0.002; } // steady, medium
            }
            ts.append(String.format(Locale.ROOT, "%.6f,", t));
            sizes.append(',').append(size);
            t += Math.max(0.0005, gap);
            n++;
        }
        final boolean v6 = (s & 1) == 1;
        final String src = v6 ? "2001:db8::" + Integer.toHexString(s + 1) : "10.0." + cls + "." + (s + 1);
        final String dst = v6 ? "2001:db8:ffff::1" : "192.168.1.1";
        return pcap + "," + src + "," + (40000 + s) + "," + dst + ",443," + (cls == 2 ? "UDP" : "TCP") + "," +
            String.format(Locale.ROOT, "%.6f", 1_700_000_000 + s * 100.0 + random.nextDouble()) + "," + n + "," + ts + sizes;
    }
}

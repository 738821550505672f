package io.flowpic.inference.train;

import io.flowpic.inference.dataset.BlockSample;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SampleWeightsTest
{
    private static void add(final List<BlockSample> to, final String pcap, final int label, final int blocks)
    {
        for (int i = 0; i < blocks; i++)
        {
            to.add(new BlockSample(pcap, label, null));
        }
    }

    @Test
    void balancingGivesEverySourceOfAClassTheClassWeightTimesItsShareOfSources()
    {
        // Class 0: 90 blocks from one lab, 10 from a home network; class 1: 20 blocks from one source.
        final List<BlockSample> train = new ArrayList<>();
        add(train, "lab/a.pcap", 0, 60);
        add(train, "lab/b.pcap", 0, 30);
        add(train, "home/c.pcap", 0, 10);
        add(train, "ndpi/d.pcap", 1, 20);
        final float[] classWeights = {0.6f, 3.0f};

        final float[] plain = Trainer.sampleWeights(train, classWeights, false);
        assertEquals(0.6f, plain[0]);
        assertEquals(0.6f, plain[95]);
        assertEquals(3.0f, plain[100]);

        final float[] balanced = Trainer.sampleWeights(train, classWeights, true);
        final double lab = sum(balanced, 0, 90);
        final double home = sum(balanced, 90, 100);
        final double ndpi = sum(balanced, 100, 120);
        // Each class keeps its total weight (100 blocks x 0.6, 20 x 3.0); its two sources share class 0's equally.
        assertEquals(30.0, lab, 1e-4);
        assertEquals(30.0, home, 1e-4);
        assertEquals(60.0, ndpi, 1e-4);
        assertEquals(balanced[0], balanced[89], "blocks of one source weigh the same, whatever their capture");
    }

    private static double sum(final float[] a, final int from, final int to)
    {
        double s = 0;
        for (int i = from; i < to; i++)
        {
            s += a[i];
        }
        return s;
    }
}

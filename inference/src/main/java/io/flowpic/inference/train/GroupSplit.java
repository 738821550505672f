package io.flowpic.inference.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Grouped, class-stratified train/validation split: whole groups (captures or sources) go to one side,
 * chosen so each class's share of validation blocks is as close as possible to the target fraction and,
 * where a class spans at least two groups, both sides hold some of it. Seeded random restarts plus
 * single-group-flip hill climbing; deterministic for a seed.
 */
final class GroupSplit
{
    private GroupSplit()
    {
    }

    /**
     * @param blockCounts group → per-class block counts.
     * @return the groups chosen for validation.
     */
    static List<String> chooseValidation(
        final Map<String, int[]> blockCounts, final int classes, final double fraction, final long seed)
    {
        final TreeMap<String, int[]> sorted = new TreeMap<>(blockCounts);
        final List<String> names = new ArrayList<>(sorted.keySet());
        final int g = names.size();
        final int[][] counts = new int[g][];
        final int[] totals = new int[classes];
        final int[] groupsWithClass = new int[classes];
        for (int i = 0; i < g; i++)
        {
            counts[i] = sorted.get(names.get(i));
            for (int c = 0; c < classes; c++)
            {
                totals[c] += counts[i][c];
                if (counts[i][c] > 0)
                {
                    groupsWithClass[c]++;
                }
            }
        }
        final Random random = new Random(seed);
        boolean[] best = null;
        double bestCost = Double.MAX_VALUE;
        final int restarts = 64;
        for (int restart = 0; restart < restarts; restart++)
        {
            final boolean[] inVal = new boolean[g];
            final int[] val = new int[classes];
            for (int i = 0; i < g; i++)
            {
                if (random.nextDouble() < fraction)
                {
                    inVal[i] = true;
                    add(val, counts[i], 1);
                }
            }
            double cost = cost(val, totals, groupsWithClass, fraction);
            final Integer[] order = new Integer[g];
            for (int i = 0; i < g; i++)
            {
                order[i] = i;
            }
            boolean improved = true;
            while (improved)
            {
                improved = false;
                shuffle(order, random);
                for (final int i : order)
                {
                    add(val, counts[i], inVal[i] ? -1 : 1);
                    final double flipped = cost(val, totals, groupsWithClass, fraction);
                    if (flipped < cost - 1e-12)
                    {
                        inVal[i] = !inVal[i];
                        cost = flipped;
                        improved = true;
                    }
                    else
                    {
                        add(val, counts[i], inVal[i] ? 1 : -1);
                    }
                }
            }
            if (cost < bestCost - 1e-12)
            {
                bestCost = cost;
                best = inVal.clone();
            }
        }
        final List<String> chosen = new ArrayList<>();
        for (int i = 0; i < g; i++)
        {
            if (best != null && best[i])
            {
                chosen.add(names.get(i));
            }
        }
        return chosen;
    }

    private static void add(final int[] acc, final int[] counts, final int sign)
    {
        for (int c = 0; c < acc.length; c++)
        {
            acc[c] += sign * counts[c];
        }
    }

    private static double cost(final int[] val, final int[] totals, final int[] groupsWithClass, final double fraction)
    {
        double cost = 0;
        for (int c = 0; c < val.length; c++)
        {
            if (totals[c] == 0)
            {
                continue;
            }
            final double share = (double)val[c] / totals[c];
            cost += (share - fraction) * (share - fraction);
            if (groupsWithClass[c] >= 2 && (val[c] == 0 || val[c] == totals[c]))
            {
                cost += 10; // a class missing from one side
            }
        }
        return cost;
    }

    private static void shuffle(final Integer[] a, final Random random)
    {
        for (int i = a.length - 1; i > 0; i--)
        {
            final int j = random.nextInt(i + 1);
            final Integer t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    static Map<String, int[]> countByGroup(final List<String> groups, final int[] labels, final int classes)
    {
        final Map<String, int[]> counts = new HashMap<>();
        for (int i = 0; i < labels.length; i++)
        {
            counts.computeIfAbsent(groups.get(i), k -> new int[classes])[labels[i]]++;
        }
        return counts;
    }

    static String describe(final int[] counts)
    {
        return Arrays.toString(counts);
    }
}

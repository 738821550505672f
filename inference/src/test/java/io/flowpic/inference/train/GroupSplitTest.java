package io.flowpic.inference.train;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupSplitTest
{
    @Test
    void holdsOutWholeGroupsNearTheTargetShareOfEveryClass()
    {
        final Map<String, int[]> counts = new LinkedHashMap<>();
        for (int g = 0; g < 10; g++)
        {
            counts.put("a" + g, new int[] {10, 0});
            counts.put("b" + g, new int[] {0, 3});
        }
        counts.put("mixed", new int[] {5, 5});
        final List<String> val = GroupSplit.chooseValidation(counts, 2, 0.3, 1);
        final int[] valCounts = new int[2];
        for (final String g : val)
        {
            valCounts[0] += counts.get(g)[0];
            valCounts[1] += counts.get(g)[1];
        }
        assertEquals(0.3, valCounts[0] / 105.0, 0.06);
        assertEquals(0.3, valCounts[1] / 35.0, 0.06);
        assertEquals(val, GroupSplit.chooseValidation(counts, 2, 0.3, 1), "seeded");
    }

    @Test
    void aClassInSeveralGroupsAppearsOnBothSides()
    {
        final Map<String, int[]> counts = new LinkedHashMap<>();
        counts.put("big", new int[] {100, 0});
        counts.put("small", new int[] {2, 0});
        counts.put("other1", new int[] {0, 10});
        counts.put("other2", new int[] {0, 10});
        final List<String> val = GroupSplit.chooseValidation(counts, 2, 0.3, 3);
        assertTrue(val.contains("small") ^ val.contains("big"), val.toString());
        assertTrue(val.contains("other1") ^ val.contains("other2"), val.toString());
    }
}

package io.flowpic.inference.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowpic.inference.train.Evaluation;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ToolsEvaluationMetricsTest
{
    private static final double EPS = 1e-9;

    /**
     * Confusion (rows true, columns predicted), labels a, b, c:
     * <pre>
     *        a  b  c   | support
     *   a    5  2  1   |  8
     *   b    1  3  0   |  4
     *   c    0  2  6   |  8
     *  pred  6  7  7     total 20, correct 5+3+6 = 14
     * </pre>
     * accuracy = 14/20 = 0.7
     * a: P = 5/6 = 0.833333.., R = 5/8 = 0.625, F1 = 2*(5/6)(5/8)/((5/6)+(5/8)) = (50/48)/(35/24) = 50/70 = 0.714285714..
     * b: P = 3/7 = 0.428571.., R = 3/4 = 0.75,  F1 = 2*(3/7)(3/4)/((3/7)+(3/4)) = (18/28)/(33/28) = 18/33 = 0.545454..
     * c: P = 6/7 = 0.857142.., R = 6/8 = 0.75,  F1 = 2*(6/7)(3/4)/((6/7)+(3/4)) = (36/28)/(45/28) = 36/45 = 0.8
     * macro-F1 = (50/70 + 18/33 + 0.8)/3 = (0.714285714 + 0.545454545 + 0.8)/3 = 0.686580087
     */
    @Test
    void handComputedConfusion() throws Exception
    {
        final Evaluation e = new Evaluation(List.of("a", "b", "c"));
        final long[][] m = {{5, 2, 1}, {1, 3, 0}, {0, 2, 6}};
        for (int t = 0; t < 3; t++)
        {
            for (int p = 0; p < 3; p++)
            {
                for (int k = 0; k < m[t][p]; k++)
                {
                    e.add(t, p);
                }
            }
        }
        assertEquals(20, e.total());
        assertEquals(0.7, e.accuracy(), EPS);
        final List<Evaluation.ClassMetrics> pc = e.perClass();
        assertEquals(0.8333333333333334, pc.get(0).precision(), EPS);
        assertEquals(0.625, pc.get(0).recall(), EPS);
        assertEquals(0.7142857142857143, pc.get(0).f1(), EPS);
        assertEquals(8, pc.get(0).support());
        assertEquals(0.42857142857142855, pc.get(1).precision(), EPS);
        assertEquals(0.75, pc.get(1).recall(), EPS);
        assertEquals(0.5454545454545454, pc.get(1).f1(), EPS);
        assertEquals(4, pc.get(1).support());
        assertEquals(0.8571428571428571, pc.get(2).precision(), EPS);
        assertEquals(0.75, pc.get(2).recall(), EPS);
        assertEquals(0.8, pc.get(2).f1(), EPS);
        assertEquals(8, pc.get(2).support());
        assertEquals(0.6865800865800866, e.macroF1(), EPS);

        final JsonNode json = new ObjectMapper().readTree(EvaluationReport.json(e));
        final List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("samples", "accuracy", "macro_f1", "labels", "per_class", "confusion"), keys);
        assertEquals(20, json.get("samples").asLong());
        assertEquals(0.6865800865800866, json.get("macro_f1").asDouble(), EPS);
        assertEquals(0.5454545454545454, json.get("per_class").get("b").get("f1").asDouble(), EPS);
        assertEquals(4, json.get("per_class").get("b").get("support").asInt());
        assertEquals(2, json.get("confusion").get(2).get(1).asLong());

        final String text = EvaluationReport.text(e);
        assertTrue(text.contains("macro_f1   0.6866"), text);
        assertTrue(text.contains("b         0.4286     0.7500     0.5455          4"), text);
    }

    /** A class never predicted has precision 0; a class without support is left out of macro-F1. */
    @Test
    void emptyRowsAndColumns()
    {
        final Evaluation e = new Evaluation(List.of("a", "b", "c"));
        e.add(0, 0); // a correct
        e.add(0, 2); // a predicted as c
        e.add(1, 0); // b predicted as a; b never predicted
        // a: P = 1/2, R = 1/2, F1 = 0.5; b: P = 0 (never predicted), R = 0, F1 = 0; c: no support, P = 0/1 = 0
        // macro-F1 over a and b only = (0.5 + 0)/2 = 0.25
        assertEquals(0.5, e.perClass().get(0).f1(), EPS);
        assertEquals(0.0, e.perClass().get(1).precision(), EPS);
        assertEquals(0, e.perClass().get(2).support());
        assertEquals(0.25, e.macroF1(), EPS);
    }
}

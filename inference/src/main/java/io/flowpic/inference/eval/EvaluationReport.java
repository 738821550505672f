package io.flowpic.inference.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowpic.inference.train.Evaluation;

import java.util.List;
import java.util.Locale;

/**
 * Renders an {@link Evaluation} as the {@code flowpic evaluate} report: a JSON object with exactly the keys
 * {@code samples}, {@code accuracy}, {@code macro_f1}, {@code labels}, {@code per_class} (label → precision,
 * recall, f1, support) and {@code confusion} (rows true, columns predicted, in label order), or the same as
 * an aligned text table. With the blocks' top scores ({@link ConfidenceCurve}) it adds {@code calibration_error}
 * (ECE), {@code confidence_curve} (threshold → coverage and accuracy of the blocks that keep a label) and, for a
 * given {@code --min-confidence}, {@code at_min_confidence}.
 */
public final class EvaluationReport
{
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private EvaluationReport()
    {
    }

    public static ObjectNode toJson(final Evaluation evaluation)
    {
        final ObjectNode root = MAPPER.createObjectNode();
        root.put("samples", evaluation.total());
        root.put("accuracy", evaluation.accuracy());
        root.put("macro_f1", evaluation.macroF1());
        final ArrayNode labels = root.putArray("labels");
        evaluation.labels().forEach(labels::add);
        final ObjectNode perClass = root.putObject("per_class");
        for (final Evaluation.ClassMetrics m : evaluation.perClass())
        {
            final ObjectNode c = perClass.putObject(m.label());
            c.put("precision", m.precision());
            c.put("recall", m.recall());
            c.put("f1", m.f1());
            c.put("support", m.support());
        }
        final ArrayNode confusion = root.putArray("confusion");
        for (final long[] row : evaluation.confusion())
        {
            final ArrayNode r = confusion.addArray();
            for (final long v : row)
            {
                r.add(v);
            }
        }
        return root;
    }

    /**
     * As {@link #toJson(Evaluation)} plus the confidence figures; {@code threshold} null = no
     * {@code at_min_confidence}. Accuracies of thresholds no block reaches are null.
     */
    public static ObjectNode toJson(final Evaluation evaluation, final ConfidenceCurve curve, final Double threshold)
    {
        final ObjectNode root = toJson(evaluation);
        number(root, "calibration_error", curve.expectedCalibrationError());
        final ArrayNode points = root.putArray("confidence_curve");
        for (final ConfidenceCurve.Point p : curve.points())
        {
            point(points.addObject(), p);
        }
        if (threshold != null)
        {
            point(root.putObject("at_min_confidence"), curve.at(threshold));
        }
        return root;
    }

    private static void point(final ObjectNode node, final ConfidenceCurve.Point p)
    {
        node.put("threshold", p.threshold());
        node.put("covered", p.covered());
        number(node, "coverage", p.coverage());
        number(node, "accuracy", p.accuracy());
    }

    private static void number(final ObjectNode node, final String key, final double value)
    {
        if (Double.isFinite(value))
        {
            node.put(key, value);
        }
        else
        {
            node.putNull(key); // NaN is not JSON
        }
    }

    public static String json(final Evaluation evaluation, final ConfidenceCurve curve, final Double threshold)
    {
        try
        {
            return MAPPER.writeValueAsString(toJson(evaluation, curve, threshold));
        }
        catch (final com.fasterxml.jackson.core.JsonProcessingException e)
        {
            throw new IllegalStateException(e);
        }
    }

    /** As {@link #text(Evaluation)} followed by the confidence figures. */
    public static String text(final Evaluation evaluation, final ConfidenceCurve curve, final Double threshold)
    {
        final StringBuilder sb = new StringBuilder(text(evaluation));
        sb.append(String.format(Locale.ROOT, "%n%-10s %.4f  (expected calibration error of the top scores)%n",
            "ece", curve.expectedCalibrationError()));
        if (threshold != null)
        {
            final ConfidenceCurve.Point p = curve.at(threshold);
            sb.append(String.format(Locale.ROOT, "at min-confidence %s: coverage %.4f (%d of %d blocks keep a label), " +
                "accuracy %.4f%n", threshold, p.coverage(), p.covered(), curve.samples(), p.accuracy()));
        }
        sb.append(String.format(Locale.ROOT, "%nconfidence curve (blocks whose top score is below the threshold " +
            "become unknown)%n%9s  %8s  %8s  %8s%n", "threshold", "coverage", "accuracy", "blocks"));
        for (final ConfidenceCurve.Point p : curve.points())
        {
            sb.append(String.format(Locale.ROOT, "%9.2f  %8.4f  %8s  %8d%n", p.threshold(), p.coverage(),
                Double.isNaN(p.accuracy()) ? "-" : String.format(Locale.ROOT, "%.4f", p.accuracy()), p.covered()));
        }
        return sb.toString();
    }

    public static String json(final Evaluation evaluation)
    {
        try
        {
            return MAPPER.writeValueAsString(toJson(evaluation));
        }
        catch (final com.fasterxml.jackson.core.JsonProcessingException e)
        {
            throw new IllegalStateException(e);
        }
    }

    /** The same figures as an aligned table. */
    public static String text(final Evaluation evaluation)
    {
        final List<String> labels = evaluation.labels();
        int w = "label".length();
        for (final String l : labels)
        {
            w = Math.max(w, l.length());
        }
        final long[][] confusion = evaluation.confusion();
        long maxCount = 0;
        for (final long[] row : confusion)
        {
            for (final long v : row)
            {
                maxCount = Math.max(maxCount, v);
            }
        }
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-10s %d%n", "samples", evaluation.total()));
        sb.append(String.format(Locale.ROOT, "%-10s %.4f%n", "accuracy", evaluation.accuracy()));
        sb.append(String.format(Locale.ROOT, "%-10s %.4f%n%n", "macro_f1", evaluation.macroF1()));
        final String labelFormat = "%-" + w + "s";
        sb.append(String.format(Locale.ROOT, labelFormat + "  %9s  %9s  %9s  %9s%n", "label", "precision", "recall", "f1",
            "support"));
        for (final Evaluation.ClassMetrics m : evaluation.perClass())
        {
            sb.append(String.format(Locale.ROOT, labelFormat + "  %9.4f  %9.4f  %9.4f  %9d%n", m.label(), m.precision(),
                m.recall(), m.f1(), m.support()));
        }
        sb.append(String.format(Locale.ROOT, "%nconfusion (rows true, columns predicted)%n"));
        int cw = Long.toString(maxCount).length();
        for (final String l : labels)
        {
            cw = Math.max(cw, l.length());
        }
        final String cellFormat = "  %" + cw + "s";
        sb.append(String.format(Locale.ROOT, labelFormat, ""));
        for (final String l : labels)
        {
            sb.append(String.format(Locale.ROOT, cellFormat, l));
        }
        sb.append(System.lineSeparator());
        for (int i = 0; i < labels.size(); i++)
        {
            sb.append(String.format(Locale.ROOT, labelFormat, labels.get(i)));
            for (final long v : confusion[i])
            {
                sb.append(String.format(Locale.ROOT, cellFormat, v));
            }
            sb.append(System.lineSeparator());
        }
        return sb.toString();
    }
}

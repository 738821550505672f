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
 * an aligned text table.
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

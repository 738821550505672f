package io.flowpic.sensor.metrics;

import io.flowpic.sensor.pipeline.LatencyHistogram;
import org.agrona.concurrent.status.CountersReader;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Renders the sensor's counters in the Prometheus text exposition format 0.0.4, from the counters area
 * itself: each counter's label is its sample name ({@link MetricCatalog}), counters sharing a label (one per
 * flow agent) are summed, and families come out in the catalog's order. Reads Agrona counters only (no locks,
 * no allocation on the agents' side), so any thread, or {@code flowpic stat} in another process, may read
 * while the agents run.
 */
public final class PrometheusFormatter
{
    /** The Content-Type of {@link #format()}'s output. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final CountersReader counters;
    private final Supplier<String> modelId;

    /** @param modelId the model in use, or null to leave {@code flowpic_model_info} out (no model known). */
    public PrometheusFormatter(final CountersReader counters, final Supplier<String> modelId)
    {
        this.counters = Objects.requireNonNull(counters, "counters");
        this.modelId = modelId;
    }

    /** The exposition: help, type and samples of every family. */
    public String format()
    {
        return render(true);
    }

    /** Only the sample lines ({@code name value}), as {@code flowpic stat} prints them. */
    public String samples()
    {
        return render(false);
    }

    private String render(final boolean withHeaders)
    {
        final StringBuilder out = new StringBuilder(8192);
        final Map<String, Long> values = summedByLabel();
        for (final MetricCatalog.Metric metric : MetricCatalog.ALL)
        {
            if (metric == MetricCatalog.MODEL_INFO)
            {
                if (modelId != null)
                {
                    header(out, metric, withHeaders);
                    final String id = modelId.get();
                    out.append(metric.sample("model", id == null ? "" : id)).append(" 1\n");
                }
            }
            else if ("histogram".equals(metric.type()))
            {
                histogram(out, metric, values, withHeaders);
            }
            else
            {
                family(out, metric, values, withHeaders);
            }
        }
        return out.toString();
    }

    /** Every allocated counter's value, summed over counters with the same label, in allocation order. */
    private Map<String, Long> summedByLabel()
    {
        final Map<String, Long> values = new LinkedHashMap<>();
        counters.forEach((value, id, label) -> values.merge(label, value, Long::sum));
        return values;
    }

    private static void family(final StringBuilder out, final MetricCatalog.Metric metric,
        final Map<String, Long> values, final boolean withHeaders)
    {
        final String name = metric.name();
        final String labelled = name + "{";
        boolean any = false;
        for (final Map.Entry<String, Long> entry : values.entrySet())
        {
            final String label = entry.getKey();
            if (label.equals(name) || label.startsWith(labelled))
            {
                if (!any)
                {
                    header(out, metric, withHeaders);
                    any = true;
                }
                out.append(label).append(' ').append(scaled(entry.getValue(), metric.decimals())).append('\n');
            }
        }
    }

    private static void histogram(final StringBuilder out, final MetricCatalog.Metric metric,
        final Map<String, Long> values, final boolean withHeaders)
    {
        final String name = metric.name();
        final Long countValue = values.get(name + "_count");
        if (countValue == null)
        {
            return;
        }
        header(out, metric, withHeaders);
        // Buckets before count: the writer bumps buckets first, so this order keeps +Inf >= every bucket;
        // clamping keeps the buckets cumulative even if a record lands between two reads.
        final String[] les = LatencyHistogram.LE_LABELS;
        final long[] buckets = new long[les.length];
        for (int i = 0; i < les.length; i++)
        {
            buckets[i] = values.getOrDefault(name + "_bucket{le=\"" + les[i] + "\"}", 0L);
        }
        for (int i = buckets.length - 2; i >= 0; i--)
        {
            buckets[i] = Math.min(buckets[i], buckets[i + 1]);
        }
        final long count = Math.max(countValue, buckets[buckets.length - 1]);
        for (int i = 0; i < les.length; i++)
        {
            out.append(name).append("_bucket{le=\"").append(les[i]).append("\"} ").append(buckets[i]).append('\n');
        }
        out.append(name).append("_bucket{le=\"+Inf\"} ").append(count).append('\n');
        out.append(name).append("_sum ").append(scaled(values.getOrDefault(name + "_sum", 0L), 6)).append('\n');
        out.append(name).append("_count ").append(count).append('\n');
    }

    private static String scaled(final long value, final int decimals)
    {
        return decimals == 0 ? Long.toString(value) : BigDecimal.valueOf(value, decimals).toPlainString();
    }

    private static void header(final StringBuilder out, final MetricCatalog.Metric metric, final boolean withHeaders)
    {
        if (!withHeaders)
        {
            return;
        }
        final String help = metric.help();
        out.append("# HELP ").append(metric.name()).append(' ');
        for (int i = 0; i < help.length(); i++)
        {
            final char c = help.charAt(i);
            if (c == '\\')
            {
                out.append("\\\\");
            }
            else if (c == '\n')
            {
                out.append("\\n");
            }
            else
            {
                out.append(c);
            }
        }
        out.append('\n').append("# TYPE ").append(metric.name()).append(' ').append(metric.type()).append('\n');
    }
}

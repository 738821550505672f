package io.flowpic.inference.dataset;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sessions of several labelled FlowPic CSV files held in memory (a few bytes per packet), so that blocks
 * can be regenerated, e.g. for augmentation.
 *
 * @param labels      class names; a session's label is an index into this list.
 * @param sessions    every session read.
 * @param sessionLabels label index per session, parallel to {@code sessions}.
 * @param skippedRows rows skipped per file (skip mode only).
 */
public record LabeledSessions(List<String> labels, List<FlowSession> sessions, int[] sessionLabels, Map<Path, Long> skippedRows)
{
    /** The label a file gets by default: its name up to the first '.', e.g. {@code voip.csv.gz} → {@code voip}. */
    public static String labelOf(final Path file)
    {
        final String name = file.getFileName().toString();
        final int dot = name.indexOf('.');
        return dot <= 0 ? name : name.substring(0, dot);
    }

    /**
     * @param filesByLabel label → files, in label order (the label order becomes the model's output order).
     */
    public static LabeledSessions load(final Map<String, List<Path>> filesByLabel, final boolean skipBadRows)
        throws IOException, FlowCsvException
    {
        final List<String> labels = new ArrayList<>(filesByLabel.keySet());
        final List<FlowSession> sessions = new ArrayList<>();
        final List<Integer> sessionLabels = new ArrayList<>();
        final Map<Path, Long> skipped = new LinkedHashMap<>();
        for (int label = 0; label < labels.size(); label++)
        {
            for (final Path file : filesByLabel.get(labels.get(label)))
            {
                try (FlowCsvReader reader = FlowCsvReader.open(file, skipBadRows))
                {
                    FlowSession s;
                    while ((s = reader.next()) != null)
                    {
                        sessions.add(s);
                        sessionLabels.add(label);
                    }
                    skipped.put(file, reader.rowsSkipped());
                }
            }
        }
        return new LabeledSessions(List.copyOf(labels), sessions,
            sessionLabels.stream().mapToInt(Integer::intValue).toArray(), skipped);
    }
}

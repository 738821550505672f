package io.flowpic.sensor.ndpi;

import io.flowpic.inference.dataset.FlowSession;

import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Labels FlowPic's unidirectional sessions of one capture at a time with the classes the map gives ndpiReader's
 * flows of that capture, joined on the 5-tuple: both directions of an nDPI flow get its class. Counts every nDPI
 * flow by name and fate, and every session that gets no class by why.
 *
 * <p>ndpiReader (reading a file) keeps one flow per 5-tuple for the whole capture, so a tuple normally has one
 * verdict. Should it list a tuple twice with different outcomes, that tuple's sessions get none (counted as
 * conflicting): which of the verdicts a session belongs to cannot be told from the tuple.
 */
public final class NdpiLabeller
{
    /** A tuple's outcome: its class, or null (not kept); {@code conflict} when its flows disagree. */
    private record Outcome(String label, boolean conflict)
    {
        static final Outcome NOT_KEPT = new Outcome(null, false);
        static final Outcome CONFLICT = new Outcome(null, true);
    }

    /** One nDPI name's flows by fate, and kept flows by class. */
    private static final class NameTally
    {
        final Map<NdpiClassMap.Fate, Long> byFate = new EnumMap<>(NdpiClassMap.Fate.class);
        final Map<String, Long> keptByClass = new TreeMap<>();
    }

    private final NdpiClassMap map;
    private final Map<String, NameTally> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private final Map<FlowTuple, Outcome> current = new HashMap<>();
    private final Map<String, Outcome> kept = new HashMap<>();
    private long flows;
    private long unreadableFlows;
    private long sessionsWithoutFlow;
    private long sessionsNotKept;
    private long sessionsConflicting;

    public NdpiLabeller(final NdpiClassMap map)
    {
        this.map = map;
    }

    /** Forgets the previous capture's flows and takes these. */
    public void startCapture(final NdpiFlowListing.Result listing)
    {
        current.clear();
        unreadableFlows += listing.skippedLines();
        for (final NdpiFlow flow : listing.flows())
        {
            flows++;
            final NdpiClassMap.Verdict verdict = map.verdict(flow);
            final NameTally tally = byName.computeIfAbsent(flow.name(), n -> new NameTally());
            tally.byFate.merge(verdict.fate(), 1L, Long::sum);
            if (verdict.label() != null)
            {
                tally.keptByClass.merge(verdict.label(), 1L, Long::sum);
            }
            // One Outcome per class, shared by its tuples: a capture can hold millions of flows.
            final Outcome outcome = verdict.label() == null ? Outcome.NOT_KEPT
                : kept.computeIfAbsent(verdict.label(), label -> new Outcome(label, false));
            current.merge(flow.tuple(), outcome,
                (a, b) -> a.conflict() || !Objects.equals(a.label(), b.label()) ? Outcome.CONFLICT : a);
        }
    }

    /** The session's class, or null when it gets none (counted). */
    public String labelOf(final FlowSession session)
    {
        final Outcome outcome = current.get(FlowTuple.of(session));
        if (outcome == null)
        {
            sessionsWithoutFlow++;
            return null;
        }
        if (outcome.conflict())
        {
            sessionsConflicting++;
            return null;
        }
        if (outcome.label() == null)
        {
            sessionsNotKept++;
        }
        return outcome.label();
    }

    public long sessionsUnlabelled()
    {
        return sessionsWithoutFlow + sessionsNotKept + sessionsConflicting;
    }

    /**
     * Prints the sessions that got no class by why, then one line per nDPI name:
     * {@code   TLS.YouTube: 3 flows, kept 2 (video 2), confidence not kept 1, unmapped 0, dropped by map 0}.
     */
    public void printSummary(final PrintWriter out)
    {
        out.printf("sessions without a class %d: no nDPI flow %d, nDPI verdict not kept %d, conflicting nDPI verdicts %d%n",
            sessionsUnlabelled(), sessionsWithoutFlow, sessionsNotKept, sessionsConflicting);
        out.printf("nDPI flows %d by name (map: %s; kept = confidence accepted and a rule gives a class)%s:%n", flows,
            map.source(), unreadableFlows == 0 ? "" : "; " + unreadableFlows + " more left out, their address unreadable");
        for (final Map.Entry<String, NameTally> e : byName.entrySet())
        {
            final NameTally t = e.getValue();
            final long total = t.byFate.values().stream().mapToLong(Long::longValue).sum();
            final StringBuilder line = new StringBuilder("  ").append(e.getKey()).append(": ").append(total)
                .append(" flows");
            for (final NdpiClassMap.Fate fate : NdpiClassMap.Fate.values())
            {
                line.append(", ").append(fate.text()).append(' ').append(t.byFate.getOrDefault(fate, 0L));
                if (fate == NdpiClassMap.Fate.KEPT && !t.keptByClass.isEmpty())
                {
                    line.append(" (");
                    t.keptByClass.forEach((label, n) -> line.append(label).append(' ').append(n).append(", "));
                    line.setLength(line.length() - 2);
                    line.append(')');
                }
            }
            out.println(line);
        }
    }
}

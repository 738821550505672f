package io.flowpic.inference.dataset;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Set;

/**
 * Labels sessions by the capture file they came from: a list of rules, the first that matches wins. A rule
 * matches a session when the glob matches the capture's file name, and, when given, one of the session's two
 * ports is in {@code ports}, and its protocol is {@code protocol} (6 TCP, 17 UDP).
 */
public final class LabelRules
{
    public record Rule(String match, Set<Integer> ports, Integer protocol, String label)
    {
        public Rule
        {
            if (match == null || match.isBlank())
            {
                throw new IllegalArgumentException("rule without 'match'");
            }
            if (label == null || label.isBlank())
            {
                throw new IllegalArgumentException("rule '" + match + "' without 'label'");
            }
            if (label.contains("/") || label.contains("\\"))
            {
                throw new IllegalArgumentException("rule '" + match + "': label '" + label + "' may not contain a path separator");
            }
            ports = ports == null ? Set.of() : Set.copyOf(ports);
        }
    }

    private final List<Rule> rules;
    private final PathMatcher[] matchers;

    public LabelRules(final List<Rule> rules)
    {
        this.rules = List.copyOf(rules);
        this.matchers = new PathMatcher[rules.size()];
        for (int i = 0; i < matchers.length; i++)
        {
            matchers[i] = FileSystems.getDefault().getPathMatcher("glob:" + rules.get(i).match());
        }
    }

    public List<Rule> rules()
    {
        return rules;
    }

    /** @return the label of the first matching rule, or null when none matches. */
    public String labelOf(final String captureFileName, final FlowSession session)
    {
        final Path name = Path.of(captureFileName).getFileName();
        for (int i = 0; i < matchers.length; i++)
        {
            final Rule rule = rules.get(i);
            if (!matchers[i].matches(name))
            {
                continue;
            }
            if (!rule.ports().isEmpty() && !rule.ports().contains(session.srcPort()) &&
                !rule.ports().contains(session.dstPort()))
            {
                continue;
            }
            if (rule.protocol() != null && rule.protocol() != session.protocol())
            {
                continue;
            }
            return rule.label();
        }
        return null;
    }
}

package io.flowpic.sensor.ndpi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.flowpic.inference.dataset.FlowSession;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The map from nDPI verdicts to FlowPic classes ({@code config/ndpi-map.yaml}, documented there): the classes
 * rules may give, the confidences kept, and an ordered list of rules, first match wins. Loaded and checked
 * whole before any capture is read; every error names the file and the key ({@code rules[3].class}).
 */
public final class NdpiClassMap
{
    /** The class {@code drop} gives: matched, deliberately not labelled. */
    public static final String DROP = "drop";
    public static final String DEFAULT_RESOURCE = "ndpi-map.yaml";
    /** Confidence names ndpiReader prints (nDPI 4.2 and later). */
    static final Set<String> KNOWN_CONFIDENCES = Set.of("Unknown", "Match by port", "Match by IP", "DPI (partial)",
        "DPI (partial cache)", "DPI (cache)", "DPI", "DPI (aggressive)", "nBPF", "Match by custom rule");

    /** What the map makes of one nDPI flow. */
    public enum Fate
    {
        KEPT("kept"), NOT_DPI("confidence not kept"), UNMAPPED("unmapped"), DROPPED("dropped by map");

        private final String text;

        Fate(final String text)
        {
            this.text = text;
        }

        public String text()
        {
            return text;
        }
    }

    /** A flow's fate and, when kept, its class. */
    public record Verdict(Fate fate, String label)
    {
    }

    record Rule(Pattern protocol, Pattern category, Integer transport, String label)
    {
        boolean matches(final NdpiFlow flow)
        {
            if (transport != null && transport != flow.protocol())
            {
                return false;
            }
            if (category != null && !category.matcher(flow.category()).matches())
            {
                return false;
            }
            if (protocol == null)
            {
                return true;
            }
            final String name = flow.name();
            if (protocol.matcher(name).matches())
            {
                return true;
            }
            final int dot = name.indexOf('.');
            return dot > 0 && (protocol.matcher(name.substring(0, dot)).matches() ||
                protocol.matcher(name.substring(dot + 1)).matches());
        }
    }

    private final String source;
    private final List<String> classes;
    private final Set<String> confidences;
    private final List<Rule> rules;

    private NdpiClassMap(final String source, final List<String> classes, final Set<String> confidences,
        final List<Rule> rules)
    {
        this.source = source;
        this.classes = List.copyOf(classes);
        this.confidences = Set.copyOf(confidences);
        this.rules = List.copyOf(rules);
    }

    /** Where the map came from: the file, or the packaged default. */
    public String source()
    {
        return source;
    }

    public List<String> classes()
    {
        return classes;
    }

    public Verdict verdict(final NdpiFlow flow)
    {
        if (!confidences.contains(flow.confidence()))
        {
            return new Verdict(Fate.NOT_DPI, null);
        }
        for (final Rule rule : rules)
        {
            if (rule.matches(flow))
            {
                return DROP.equals(rule.label()) ? new Verdict(Fate.DROPPED, null) : new Verdict(Fate.KEPT, rule.label());
            }
        }
        return new Verdict(Fate.UNMAPPED, null);
    }

    /** The map shipped in the jar (config/ndpi-map.yaml). */
    public static NdpiClassMap loadDefault() throws NdpiMapException
    {
        final String where = "default nDPI map (" + DEFAULT_RESOURCE + " in the jar)";
        try (InputStream in = NdpiClassMap.class.getResourceAsStream(DEFAULT_RESOURCE))
        {
            if (in == null)
            {
                throw new NdpiMapException(where + ": missing from the jar");
            }
            return parse(where, yaml().readTree(in));
        }
        catch (final IOException e)
        {
            throw new NdpiMapException(where + ": " + e.getMessage());
        }
    }

    public static NdpiClassMap load(final Path file) throws NdpiMapException
    {
        if (Files.isDirectory(file))
        {
            throw new NdpiMapException(file + ": is a directory, not an nDPI map file");
        }
        if (!Files.exists(file))
        {
            throw new NdpiMapException(file + ": no such file");
        }
        final JsonNode root;
        try
        {
            root = yaml().readTree(file.toFile());
        }
        catch (final JsonProcessingException e)
        {
            throw new NdpiMapException(file + ": not valid YAML: " + e.getOriginalMessage());
        }
        catch (final IOException e)
        {
            throw new NdpiMapException(file + ": " + e.getMessage());
        }
        return parse(file.toString(), root);
    }

    private static ObjectMapper yaml()
    {
        // A key given twice is a mistake to report, not one to settle silently by keeping the last.
        return new ObjectMapper(new YAMLFactory()).enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }

    static NdpiClassMap parse(final String where, final JsonNode root) throws NdpiMapException
    {
        if (root == null || !root.isObject())
        {
            throw new NdpiMapException(where + ": expected a mapping with keys classes, confidence, rules");
        }
        onlyKeys(where, "", root, Set.of("classes", "confidence", "rules"));
        final List<String> classes = new ArrayList<>();
        for (final String label : strings(where, "classes", root.get("classes")))
        {
            if (label.equals(DROP) || label.contains("/") || label.contains("\\") || label.isBlank())
            {
                throw new NdpiMapException(where + ": classes: '" + label +
                    "' is not a usable class name (not 'drop', no path separator)");
            }
            classes.add(label);
        }
        final Set<String> confidences = new LinkedHashSet<>();
        for (final String confidence : strings(where, "confidence", root.get("confidence")))
        {
            if (!KNOWN_CONFIDENCES.contains(confidence))
            {
                throw new NdpiMapException(where + ": confidence: '" + confidence + "' is not one of " +
                    KNOWN_CONFIDENCES.stream().sorted().toList());
            }
            confidences.add(confidence);
        }
        final JsonNode list = root.get("rules");
        if (list == null || !list.isArray() || list.isEmpty())
        {
            throw new NdpiMapException(where + ": rules: expected a non-empty list of rules");
        }
        final List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < list.size(); i++)
        {
            final String key = "rules[" + (i + 1) + "]";
            final JsonNode node = list.get(i);
            if (!node.isObject())
            {
                throw new NdpiMapException(where + ": " + key + ": expected a mapping {protocol, category, transport, class}");
            }
            onlyKeys(where, key + ".", node, Set.of("protocol", "category", "transport", "class"));
            final Pattern protocol = glob(where, key + ".protocol", node.get("protocol"));
            final Pattern category = glob(where, key + ".category", node.get("category"));
            if (protocol == null && category == null)
            {
                throw new NdpiMapException(where + ": " + key + ": needs 'protocol' or 'category'");
            }
            Integer transport = null;
            final JsonNode t = node.get("transport");
            if (t != null)
            {
                if ("TCP".equalsIgnoreCase(t.asText()) && t.isTextual())
                {
                    transport = FlowSession.TCP;
                }
                else if ("UDP".equalsIgnoreCase(t.asText()) && t.isTextual())
                {
                    transport = FlowSession.UDP;
                }
                else
                {
                    throw new NdpiMapException(where + ": " + key + ".transport: '" + t.asText() + "' is not TCP or UDP");
                }
            }
            final JsonNode c = node.get("class");
            if (c == null || !c.isTextual() || !(c.asText().equals(DROP) || classes.contains(c.asText())))
            {
                throw new NdpiMapException(where + ": " + key + ".class: " +
                    (c == null ? "missing" : "'" + c.asText() + "'") + " is not one of " + classes + " or 'drop'");
            }
            rules.add(new Rule(protocol, category, transport, c.asText()));
        }
        return new NdpiClassMap(where, classes, confidences, rules);
    }

    private static void onlyKeys(final String where, final String prefix, final JsonNode node, final Set<String> allowed)
        throws NdpiMapException
    {
        final Iterator<String> names = node.fieldNames();
        while (names.hasNext())
        {
            final String name = names.next();
            if (!allowed.contains(name))
            {
                throw new NdpiMapException(where + ": " + prefix + name + ": unknown key (expected one of " +
                    allowed.stream().sorted().toList() + ")");
            }
        }
    }

    private static List<String> strings(final String where, final String key, final JsonNode node) throws NdpiMapException
    {
        if (node == null || !node.isArray() || node.isEmpty())
        {
            throw new NdpiMapException(where + ": " + key + ": expected a non-empty list");
        }
        final List<String> out = new ArrayList<>();
        for (final JsonNode item : node)
        {
            if (!item.isTextual())
            {
                throw new NdpiMapException(where + ": " + key + ": '" + item + "' is not a string");
            }
            out.add(item.asText());
        }
        return out;
    }

    /** {@code *} any run, {@code ?} one character, everything else literal; case-insensitive. */
    private static Pattern glob(final String where, final String key, final JsonNode node) throws NdpiMapException
    {
        if (node == null)
        {
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank())
        {
            throw new NdpiMapException(where + ": " + key + ": expected a name or glob, got '" + node.asText() + "'");
        }
        final StringBuilder regex = new StringBuilder();
        final String text = node.asText();
        int literal = 0;
        for (int i = 0; i <= text.length(); i++)
        {
            final char ch = i < text.length() ? text.charAt(i) : 0;
            if (i == text.length() || ch == '*' || ch == '?')
            {
                if (i > literal)
                {
                    regex.append(Pattern.quote(text.substring(literal, i)));
                }
                if (i < text.length())
                {
                    regex.append(ch == '*' ? ".*" : ".");
                }
                literal = i + 1;
            }
        }
        return Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    }
}

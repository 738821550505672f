package io.flowpic.sensor.ndpi;

import io.flowpic.inference.dataset.FlowSession;
import io.flowpic.inference.dataset.IpText;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the per-flow listing {@code ndpiReader -v 2 -w FILE} writes (nDPI 4.2), one line a flow:
 * <pre>	7	TCP 192.168.2.126:45380 &lt;-&gt; 161.117.13.29:80 [proto: 7/HTTP][ClearText][Confidence: DPI][cat: Web/5]...</pre>
 * This listing, not ndpiReader's {@code -C} CSV, because 4.2's CSV has neither the confidence nor the category.
 * Fields are found by their names ({@code proto:}, {@code Confidence:}, {@code cat:}), not by position, among the
 * fields before the packet counts: ndpiReader prints text taken from the packets (host names, URLs) only after
 * those, so a host name that contains "[Confidence: DPI]" cannot forge a verdict. Flows other than TCP and UDP are skipped.
 * A flow line without a {@code proto:} or {@code Confidence:} field means another ndpiReader output format and
 * is an error naming the file and line, not a silently empty result. A flow line whose address ndpiReader itself
 * garbled (seen on a fuzzed capture: {@code 302e::3d00::8001}) is skipped and counted, with the first one named.
 */
public final class NdpiFlowListing
{
    /** The flows read, and the flow lines skipped because an endpoint did not parse (the first one described). */
    public record Result(List<NdpiFlow> flows, int skippedLines, String firstSkipped)
    {
    }

    /** An endpoint that is not an address: that line is skipped, not the listing. */
    private static final class BadEndpoint extends IllegalArgumentException
    {
        BadEndpoint(final String message)
        {
            super(message);
        }
    }

    private static final String ENDPOINT = "(\\[[0-9A-Fa-f:.]+\\]|[0-9.]+):(\\d{1,5})";
    private static final Pattern FLOW = Pattern.compile(
        "^\\t\\d+\\t(TCP|UDP) " + ENDPOINT + " (?:<->|->) " + ENDPOINT + " (\\[.*)$");

    private NdpiFlowListing()
    {
    }

    public static Result read(final Path file) throws IOException
    {
        final List<NdpiFlow> flows = new ArrayList<>();
        // Names, categories and confidences repeat across flows: one String each, not one per flow.
        final Map<String, String> texts = new HashMap<>();
        int skipped = 0;
        String firstSkipped = null;
        // ISO-8859-1: every byte is a character, so packet text in the listing never breaks the decoding.
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1))
        {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null)
            {
                number++;
                final Matcher m = FLOW.matcher(line);
                if (!m.matches())
                {
                    continue;
                }
                try
                {
                    flows.add(parse(m, texts));
                }
                catch (final BadEndpoint e)
                {
                    if (skipped++ == 0)
                    {
                        firstSkipped = "line " + number + ": " + e.getMessage();
                    }
                }
                catch (final IllegalArgumentException e)
                {
                    throw new IOException(file + " line " + number + ": " + e.getMessage());
                }
            }
        }
        return new Result(flows, skipped, firstSkipped);
    }

    private static NdpiFlow parse(final Matcher m, final Map<String, String> texts)
    {
        final int protocol = "TCP".equals(m.group(1)) ? FlowSession.TCP : FlowSession.UDP;
        final IpText.Address src = address(m.group(2));
        final IpText.Address dst = address(m.group(4));
        if (src.version() != dst.version())
        {
            throw new BadEndpoint("endpoints of different IP versions");
        }
        final String fields = m.group(6);
        final String proto = field(fields, "proto");
        final String confidence = field(fields, "Confidence");
        if (proto == null || confidence == null)
        {
            throw new IllegalArgumentException("flow without " + (proto == null ? "[proto: ...]" : "[Confidence: ...]") +
                " (not the nDPI 4.2 ndpiReader -v 2 listing?)");
        }
        // "7/HTTP", "91.119/TLS.Facebook", "GTP:87/RTP" (inside a tunnel): the name follows the ids.
        final int slash = proto.indexOf('/');
        if (slash < 0 || slash == proto.length() - 1)
        {
            throw new IllegalArgumentException("protocol '" + proto + "' is not IDS/NAME");
        }
        final String cat = field(fields, "cat"); // "Web/5"
        final int catSlash = cat == null ? -1 : cat.lastIndexOf('/');
        final String category = cat == null ? "" : catSlash < 0 ? cat : cat.substring(0, catSlash);
        return new NdpiFlow(protocol,
            FlowTuple.of(src.version(), protocol, src.hi(), src.lo(), port(m.group(3)), dst.hi(), dst.lo(), port(m.group(5))),
            texts.computeIfAbsent(proto.substring(slash + 1), t -> t), texts.computeIfAbsent(category, t -> t),
            texts.computeIfAbsent(confidence, t -> t));
    }

    /**
     * The value of the {@code [name: value]} field among the leading fields, those before the packet counts
     * ({@code [7 pkts/...}), or null. Text from the packets (host names, URLs) comes after the counts.
     */
    static String field(final String fields, final String name)
    {
        final String key = name + ": ";
        int pos = 0;
        while (pos < fields.length() && fields.charAt(pos) == '[')
        {
            final int end = fields.indexOf(']', pos);
            if (end < 0 || (pos + 1 < end && Character.isDigit(fields.charAt(pos + 1))))
            {
                return null;
            }
            if (fields.startsWith(key, pos + 1))
            {
                return fields.substring(pos + 1 + key.length(), end);
            }
            pos = end + 1;
        }
        return null;
    }

    private static IpText.Address address(final String text)
    {
        try
        {
            return IpText.parse(text.startsWith("[") ? text.substring(1, text.length() - 1) : text);
        }
        catch (final IllegalArgumentException e)
        {
            throw new BadEndpoint(e.getMessage());
        }
    }

    private static int port(final String text)
    {
        final int port = Integer.parseInt(text);
        if (port > 65535)
        {
            throw new BadEndpoint("port " + port + " out of range");
        }
        return port;
    }
}

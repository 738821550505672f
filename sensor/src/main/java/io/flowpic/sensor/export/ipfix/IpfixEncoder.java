package io.flowpic.sensor.export.ipfix;

import io.flowpic.sensor.journal.LabelRecord;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Writes IPFIX messages (RFC 7011) holding one data record per {@link LabelRecord}, one message at a time:
 * {@link #begin}, {@link #append} until it returns false or the linger passes, {@link #finish}.
 * <p>
 * Two templates, one per address family, with the same fields otherwise:
 * <pre>
 *  256 (IPv4): sourceIPv4Address(8) destinationIPv4Address(12)
 *  257 (IPv6): sourceIPv6Address(27) destinationIPv6Address(28)
 *  then both:  sourceTransportPort(7) destinationTransportPort(11) protocolIdentifier(4)
 *              flowStartMilliseconds(152) flowEndMilliseconds(153)   = the labelled block's start and end
 *              packetDeltaCount(2) octetDeltaCount(1)                = 8 bytes each
 *              flowEndReason(136) = 2 (active timeout: a block of a flow that may go on)
 *              applicationName(96)                                   = the label, variable length
 *              PEN/1 flowpicConfidence   float32
 *              PEN/2 flowpicModelId      string, variable length
 *              PEN/3 flowpicClassScores  string, variable length
 *              PEN/4 flowpicLabel        string, variable length = applicationName again
 * </pre>
 * PEN is {@link IpfixOptions#enterpriseNumber()}; {@code flowpic-elements.xml} beside this class defines the four
 * for tools that import element definitions (ipfixDump {@code -e}). PEN/4 repeats the label because nfacctd (pmacct 1.7.7) reads variable-length strings of enterprise elements
 * but not of standard ones (its {@code applicationName} custom primitive comes out empty); see COLLECTORS.md at the repository root.
 * The class scores are one string {@code label=score;label=score;...} in model output order, each score with
 * four decimals ({@code 0.9312}): every collector that keeps an unknown string keeps it whole, while a
 * basicList (RFC 6313) of subTemplateLists is decoded by few. A record whose strings cannot fit in an empty
 * message loses its trailing scores at a {@code ;} boundary; label and model id are cut (UTF-8 safe) at
 * {@value #MAX_NAME_BYTES} bytes.
 * <p>
 * Not thread-safe; one per sink.
 */
public final class IpfixEncoder
{
    public static final int VERSION = 10;
    public static final int HEADER_BYTES = 16;
    public static final int TEMPLATE_IPV4 = 256;
    public static final int TEMPLATE_IPV6 = 257;
    public static final int IE_CONFIDENCE = 1;
    public static final int IE_MODEL_ID = 2;
    public static final int IE_CLASS_SCORES = 3;
    public static final int IE_LABEL = 4;
    /** flowEndReason "active timeout" (RFC 5102): a block ends while its flow may go on. */
    public static final int FLOW_END_ACTIVE_TIMEOUT = 2;
    static final int MAX_NAME_BYTES = 64;

    private static final int SET_HEADER_BYTES = 4;
    private static final int TEMPLATE_SET_ID = 2;
    private static final int VARIABLE = 65535;
    private static final int ENTERPRISE_BIT = 0x8000;
    /** {id, length} of the fields after the two addresses, standard ones first. */
    private static final int[][] COMMON_FIELDS = {
        {7, 2}, {11, 2}, {4, 1}, {152, 8}, {153, 8}, {2, 8}, {1, 8}, {136, 1}, {96, VARIABLE}};
    private static final int[][] ENTERPRISE_FIELDS = {
        {IE_CONFIDENCE, 4}, {IE_MODEL_ID, VARIABLE}, {IE_CLASS_SCORES, VARIABLE}, {IE_LABEL, VARIABLE}};

    private final long enterpriseNumber;
    private final long observationDomain;
    private final int maxMessageBytes;
    private final StringBuilder scoresText = new StringBuilder(256);

    private int messageStart = -1;
    private int setStart = -1;
    private int setTemplate;
    private int records;

    public IpfixEncoder(final long enterpriseNumber, final long observationDomain, final int maxMessageBytes)
    {
        this.enterpriseNumber = enterpriseNumber;
        this.observationDomain = observationDomain;
        this.maxMessageBytes = maxMessageBytes;
    }

    public IpfixEncoder(final IpfixOptions options)
    {
        this(options.enterpriseNumber(), options.observationDomain(), options.maxMessageBytes());
    }

    /** Starts a message at the buffer's writer index, with the template set first when asked. */
    public void begin(final ByteBuf buf, final boolean withTemplates)
    {
        messageStart = buf.writerIndex();
        setStart = -1;
        records = 0;
        buf.writeZero(HEADER_BYTES);
        if (withTemplates)
        {
            final int start = buf.writerIndex();
            buf.writeShort(TEMPLATE_SET_ID).writeShort(0);
            writeTemplate(buf, TEMPLATE_IPV4, 8, 12, 4);
            writeTemplate(buf, TEMPLATE_IPV6, 27, 28, 16);
            buf.setShort(start + 2, buf.writerIndex() - start);
        }
    }

    /** @return true when a message is begun and not yet finished. */
    public boolean inMessage()
    {
        return messageStart >= 0;
    }

    /** Data records in the current message. */
    public int records()
    {
        return records;
    }

    /**
     * Adds one data record.
     *
     * @return false, with the message unchanged, when the record would make it larger than the maximum; a
     * message without records always takes it (shortening its scores).
     */
    public boolean append(final ByteBuf buf, final LabelRecord record)
    {
        final byte[] label = name(record.label);
        final byte[] modelId = name(record.modelId);
        byte[] scores = scores(record);
        final int template = record.ipVersion == 6 ? TEMPLATE_IPV6 : TEMPLATE_IPV4;
        final int addressBytes = template == TEMPLATE_IPV6 ? 16 : 4;
        final int setHeader = setStart >= 0 && setTemplate == template ? 0 : SET_HEADER_BYTES;
        final int fixed = setHeader + 2 * addressBytes + 2 + 2 + 1 + 8 + 8 + 8 + 8 + 1 + 4 +
            2 * varLength(label.length) + varLength(modelId.length);
        final int room = maxMessageBytes - (buf.writerIndex() - messageStart);
        if (fixed + varLength(scores.length) > room)
        {
            if (records > 0)
            {
                return false;
            }
            scores = cutScores(scores, room - fixed - 3);
        }
        if (setHeader > 0)
        {
            closeSet(buf);
            setStart = buf.writerIndex();
            setTemplate = template;
            buf.writeShort(template).writeShort(0);
        }
        buf.writeBytes(record.srcAddress, 0, addressBytes);
        buf.writeBytes(record.dstAddress, 0, addressBytes);
        buf.writeShort(record.srcPort);
        buf.writeShort(record.dstPort);
        buf.writeByte(record.protocol);
        buf.writeLong(Math.floorDiv(record.startNanos, 1_000_000L));
        buf.writeLong(Math.floorDiv(record.endNanos, 1_000_000L));
        buf.writeLong(Integer.toUnsignedLong(record.packets));
        buf.writeLong(record.bytes);
        buf.writeByte(FLOW_END_ACTIVE_TIMEOUT);
        writeVariable(buf, label);
        buf.writeFloat(record.confidence);
        writeVariable(buf, modelId);
        writeVariable(buf, scores);
        writeVariable(buf, label);
        records++;
        return true;
    }

    /** Completes the header; the message is the bytes from {@link #begin}'s writer index to the current one. */
    public void finish(final ByteBuf buf, final long exportTimeSeconds, final long sequenceNumber)
    {
        closeSet(buf);
        buf.setShort(messageStart, VERSION);
        buf.setShort(messageStart + 2, buf.writerIndex() - messageStart);
        buf.setInt(messageStart + 4, (int)exportTimeSeconds);
        buf.setInt(messageStart + 8, (int)sequenceNumber);
        buf.setInt(messageStart + 12, (int)observationDomain);
        messageStart = -1;
    }

    /** Forgets the current message (its bytes are the caller's to discard). */
    public void abandon()
    {
        messageStart = -1;
        setStart = -1;
        records = 0;
    }

    private void closeSet(final ByteBuf buf)
    {
        if (setStart >= 0)
        {
            // RFC 7011 §3.3.1 allows padding; none is needed, so none is written.
            buf.setShort(setStart + 2, buf.writerIndex() - setStart);
            setStart = -1;
        }
    }

    private void writeTemplate(final ByteBuf buf, final int id, final int srcIe, final int dstIe, final int addressBytes)
    {
        buf.writeShort(id).writeShort(2 + COMMON_FIELDS.length + ENTERPRISE_FIELDS.length);
        buf.writeShort(srcIe).writeShort(addressBytes);
        buf.writeShort(dstIe).writeShort(addressBytes);
        for (final int[] field : COMMON_FIELDS)
        {
            buf.writeShort(field[0]).writeShort(field[1]);
        }
        for (final int[] field : ENTERPRISE_FIELDS)
        {
            buf.writeShort(ENTERPRISE_BIT | field[0]).writeShort(field[1]).writeInt((int)enterpriseNumber);
        }
    }

    private byte[] scores(final LabelRecord record)
    {
        final StringBuilder text = scoresText;
        text.setLength(0);
        final int n = Math.min(record.scoreLabels.length, record.scores.length);
        for (int i = 0; i < n; i++)
        {
            if (i > 0)
            {
                text.append(';');
            }
            text.append(record.scoreLabels[i]).append('=');
            appendScore(text, record.scores[i]);
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Four decimals without Locale or exponent ("0.0312", "1.0000"). */
    static void appendScore(final StringBuilder text, final float score)
    {
        if (!Float.isFinite(score))
        {
            text.append(Float.isNaN(score) ? "NaN" : score > 0 ? "Infinity" : "-Infinity");
            return;
        }
        long scaled = Math.round(score * 10_000.0);
        if (scaled < 0)
        {
            text.append('-');
            scaled = -scaled;
        }
        text.append(scaled / 10_000).append('.');
        final long fraction = scaled % 10_000;
        for (long digit = 1000; digit > 0; digit /= 10)
        {
            text.append((char)('0' + fraction / digit % 10));
        }
    }

    private static byte[] name(final String text)
    {
        if (text == null)
        {
            return new byte[0];
        }
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return bytes.length <= MAX_NAME_BYTES ? bytes : utf8Prefix(bytes, MAX_NAME_BYTES);
    }

    /** The longest whole {@code label=score} entries within {@code max} bytes. */
    private static byte[] cutScores(final byte[] scores, final int max)
    {
        int end = Math.max(0, Math.min(max, scores.length));
        while (end > 0 && end < scores.length && scores[end] != ';')
        {
            end--;
        }
        return java.util.Arrays.copyOf(scores, end);
    }

    private static byte[] utf8Prefix(final byte[] bytes, final int max)
    {
        int end = max;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80)
        {
            end--;
        }
        return java.util.Arrays.copyOf(bytes, end);
    }

    private static int varLength(final int length)
    {
        return length < 255 ? 1 + length : 3 + length;
    }

    private static void writeVariable(final ByteBuf buf, final byte[] value)
    {
        if (value.length < 255)
        {
            buf.writeByte(value.length);
        }
        else
        {
            buf.writeByte(255).writeShort(value.length);
        }
        buf.writeBytes(value);
    }
}

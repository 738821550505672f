package io.flowpic.sensor.export;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.flowpic.sensor.journal.LabelRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * One journal record as an Elastic Common Schema document (nested objects, not dotted keys), the value
 * of the JSON-lines and Kafka exporters: Filebeat, Vector, Logstash and Elastic ingest it without a
 * mapping of their own, and {@code network.community_id} joins it to Zeek's and Suricata's records.
 * One instance per thread: it reuses its buffer and Community ID digest.
 */
public final class EcsDocument
{
    /** The ECS release whose field names and types this document follows. */
    public static final String ECS_VERSION = "8.11.0";
    private static final DateTimeFormatter ISO_MILLIS =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final JsonFactory factory = new JsonFactory();
    private final ByteArrayBuilder buffer = new ByteArrayBuilder(1024);
    private final CommunityId communityId;
    private final String observerHostname;

    public EcsDocument(final CommunityId communityId, final String observerHostname)
    {
        this.communityId = communityId;
        this.observerHostname = observerHostname;
    }

    /** The record's Community ID, as the document carries it (also the Kafka key). */
    public String communityId(final LabelRecord record)
    {
        return communityId.of(record);
    }

    /** @return the UTF-8 document, without a line end. */
    public byte[] toJson(final LabelRecord record)
    {
        return toJson(record, communityId.of(record));
    }

    public byte[] toJson(final LabelRecord record, final String community)
    {
        buffer.reset();
        try (JsonGenerator json = factory.createGenerator(buffer, JsonEncoding.UTF8))
        {
            json.writeStartObject();
            json.writeStringField("@timestamp", iso(record.endNanos));
            json.writeObjectFieldStart("ecs");
            json.writeStringField("version", ECS_VERSION);
            json.writeEndObject();

            json.writeObjectFieldStart("event");
            json.writeStringField("kind", "event");
            json.writeArrayFieldStart("category");
            json.writeString("network");
            json.writeEndArray();
            json.writeArrayFieldStart("type");
            json.writeString("connection");
            json.writeString("info");
            json.writeEndArray();
            json.writeStringField("start", iso(record.startNanos));
            json.writeStringField("end", iso(record.endNanos));
            json.writeNumberField("duration", record.endNanos - record.startNanos);
            json.writeEndObject();

            json.writeObjectFieldStart("source");
            json.writeStringField("ip", record.srcIp());
            json.writeNumberField("port", record.srcPort);
            json.writeNumberField("packets", record.packets);
            json.writeNumberField("bytes", record.bytes);
            json.writeEndObject();

            json.writeObjectFieldStart("destination");
            json.writeStringField("ip", record.dstIp());
            json.writeNumberField("port", record.dstPort);
            json.writeEndObject();

            json.writeObjectFieldStart("network");
            json.writeStringField("transport", transport(record.protocol));
            json.writeStringField("iana_number", Integer.toString(record.protocol));
            json.writeStringField("type", record.ipVersion == 4 ? "ipv4" : "ipv6");
            json.writeStringField("community_id", community);
            json.writeEndObject();

            json.writeObjectFieldStart("observer");
            json.writeStringField("hostname", observerHostname);
            json.writeStringField("type", "sensor");
            json.writeEndObject();

            json.writeObjectFieldStart("flowpic");
            json.writeStringField("label", record.label);
            json.writeNumberField("confidence", record.confidence);
            json.writeObjectFieldStart("scores");
            for (int i = 0; i < record.scores.length; i++)
            {
                json.writeNumberField(record.scoreLabels[i], record.scores[i]);
            }
            json.writeEndObject();
            json.writeStringField("model", record.modelId);
            json.writeEndObject();

            json.writeEndObject();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("writing to memory cannot fail", ex);
        }
        return buffer.toByteArray();
    }

    static String transport(final int protocol)
    {
        return protocol == 6 ? "tcp" : protocol == 17 ? "udp" : Integer.toString(protocol);
    }

    public static String iso(final long epochNanos)
    {
        return ISO_MILLIS.format(Instant.ofEpochSecond(0, epochNanos));
    }
}

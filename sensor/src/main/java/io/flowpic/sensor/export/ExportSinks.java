package io.flowpic.sensor.export;

import io.flowpic.sensor.config.SensorConfig;
import io.flowpic.sensor.export.ipfix.IpfixOptions;
import io.flowpic.sensor.export.ipfix.IpfixSink;
import io.flowpic.sensor.export.kafka.KafkaExportSink;
import io.flowpic.sensor.export.kafka.KafkaOptions;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Opens the sink a destination names, with its options. */
public final class ExportSinks
{
    private ExportSinks()
    {
    }

    public static ExportSink open(final SensorConfig.Export export, final ExportCounters counters,
        final String observerHostname) throws IOException
    {
        final ExportUri uri = ExportUri.parse(export.to());
        final EcsDocument document = new EcsDocument(new CommunityId(export.communityIdSeedOrDefault()),
            observerHostname);
        switch (uri.scheme())
        {
            case JSON:
                return new JsonLinesSink(export.to(), "-".equals(uri.path()) ? null : Path.of(uri.path()),
                    (long)export.maxSizeMbOrDefault() << 20, export.maxFilesOrDefault(), document, counters);
            case IPFIX_UDP:
            case IPFIX_TCP:
                try
                {
                    return new IpfixSink(IpfixOptions.fromUri(export.to())
                        .withEnterpriseNumber(export.enterpriseNumberOrDefault())
                        .withObservationDomain(export.observationDomainOrDefault())
                        .withMaxMessageBytes(export.maxMessageBytesOrDefault())
                        .withTemplateResend(TimeUnit.SECONDS.toNanos(export.templateResendSecondsOrDefault()),
                            IpfixOptions.fromUri(export.to()).templateResendMessages()), counters);
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new IOException(export.to() + ": " + ex.getMessage(), ex);
                }
            case KAFKA:
                try
                {
                    return new KafkaExportSink(KafkaOptions.parse(export.to(), export.producerOrEmpty()), document,
                        counters);
                }
                catch (final IllegalArgumentException | org.apache.kafka.common.KafkaException ex)
                {
                    throw new IOException(export.to() + ": " + ex.getMessage(), ex);
                }
            default:
                throw new IOException(export.to() + ": this build cannot export to " + uri.scheme());
        }
    }

    /** The name {@code observer.hostname} carries: the kernel's host name, as Zeek and Suricata report it. */
    public static String hostname()
    {
        try
        {
            final String etc = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!etc.isEmpty())
            {
                return etc;
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // not Linux: ask the resolver below
        }
        try
        {
            return InetAddress.getLocalHost().getHostName();
        }
        catch (final IOException ex)
        {
            return "localhost";
        }
    }
}

package io.flowpic.sensor.capture;

import io.flowpic.sensor.config.SensorConfig;
import io.flowpic.sensor.pipeline.FlowDispatch;
import io.flowpic.sensor.pipeline.SensorCounters;
import org.agrona.concurrent.UnsafeBuffer;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.PcapStat;
import org.pcap4j.core.Pcaps;
import org.pcap4j.core.RawPacketListener;

import java.io.IOException;
import java.sql.Timestamp;

/**
 * Live capture with pcap4j: {@code loop()} on a thread of its own, copying each packet into the
 * ring and nothing else. A full ring is a counted drop: capture is never back-pressured.
 */
public final class LiveCapture implements RawPacketListener, AutoCloseable
{
    private final PcapHandle handle;
    private final FlowDispatch rings;
    private final SensorCounters counters;
    private final int linkType;
    private final UnsafeBuffer packetView = new UnsafeBuffer(new byte[0]);
    private final boolean nanosecondTimestamps;
    private Thread thread;
    private volatile Throwable failure;
    private volatile boolean running;

    private LiveCapture(
        final PcapHandle handle,
        final boolean nanosecondTimestamps,
        final FlowDispatch rings,
        final SensorCounters counters)
    {
        this.handle = handle;
        this.nanosecondTimestamps = nanosecondTimestamps;
        this.rings = rings;
        this.counters = counters;
        linkType = handle.getDlt().value();
    }

    /** Opens and configures the handle; every failure names the interface and the setting. */
    public static LiveCapture open(
        final String interfaceName, final SensorConfig.Capture config, final FlowDispatch rings,
        final SensorCounters counters) throws IOException
    {
        final Opened opened = openHandle(interfaceName, config);
        return new LiveCapture(opened.handle, opened.nanos, rings, counters);
    }

    /**
     * Opens the handle as {@link #open} would, sets the filter, and closes it again: lets {@code run} find a
     * missing or down interface, a filter that does not compile or missing privileges before it creates
     * anything (journal directory, counters file).
     */
    public static void probe(final String interfaceName, final SensorConfig.Capture config) throws IOException
    {
        openHandle(interfaceName, config).handle.close();
    }

    private record Opened(PcapHandle handle, boolean nanos)
    {
    }

    private static Opened openHandle(final String interfaceName, final SensorConfig.Capture config)
        throws IOException
    {
        final PcapNetworkInterface device;
        try
        {
            device = Pcaps.getDevByName(interfaceName);
        }
        catch (final PcapNativeException ex)
        {
            throw new IOException("capture.interface '" + interfaceName + "': " + ex.getMessage() +
                privilegeHint(ex.getMessage()), ex);
        }
        if (device == null)
        {
            throw new IOException("capture.interface '" + interfaceName + "': no such interface");
        }
        PcapHandle handle = null;
        boolean nanos = config.nanosecondTimestamps();
        try
        {
            try
            {
                handle = builder(interfaceName, config, nanos).build();
            }
            catch (final PcapNativeException ex)
            {
                if (!nanos)
                {
                    throw ex;
                }
                nanos = false; // the platform may lack nanosecond timestamps; microseconds still work
                handle = builder(interfaceName, config, false).build();
            }
            if (!config.filter().isBlank())
            {
                try
                {
                    handle.setFilter(config.filter(), BpfProgram.BpfCompileMode.OPTIMIZE);
                }
                catch (final PcapNativeException ex)
                {
                    // pcap4j prefixes libpcap's own words with the C function's name, which tells an operator nothing
                    throw new IOException("capture.filter '" + config.filter() + "' on '" + interfaceName + "': " +
                        String.valueOf(ex.getMessage()).replaceFirst("^Error occurred in \\w+: ", ""), ex);
                }
            }
            return new Opened(handle, nanos);
        }
        catch (final IOException | PcapNativeException | NotOpenException ex)
        {
            if (handle != null)
            {
                handle.close();
            }
            if (ex instanceof IOException io)
            {
                throw io;
            }
            throw new IOException("cannot capture on '" + interfaceName + "' (filter '" + config.filter() + "'): " +
                ex.getMessage() + privilegeHint(ex.getMessage()), ex);
        }
    }

    /**
     * The privileges hint only where privileges are the problem: appended to a filter syntax error or to
     * "That device is not up" it sent operators (often already root) after the wrong cause.
     */
    static String privilegeHint(final String pcapMessage)
    {
        final String m = pcapMessage == null ? "" : pcapMessage.toLowerCase(java.util.Locale.ROOT);
        return m.contains("permission") || m.contains("not permitted") ?
            " (capturing needs root or CAP_NET_RAW and CAP_NET_ADMIN)" : "";
    }

    private static PcapHandle.Builder builder(final String name, final SensorConfig.Capture config, final boolean nanos)
    {
        return new PcapHandle.Builder(name)
            .snaplen(config.snapLength())
            .promiscuousMode(config.promiscuous() ?
                PcapNetworkInterface.PromiscuousMode.PROMISCUOUS : PcapNetworkInterface.PromiscuousMode.NONPROMISCUOUS)
            .bufferSize(config.bufferSizeMb() << 20)
            .timeoutMillis(100)
            .immediateMode(false)
            .timestampPrecision(nanos ? PcapHandle.TimestampPrecision.NANO : PcapHandle.TimestampPrecision.MICRO);
    }

    public int linkType()
    {
        return linkType;
    }

    public boolean nanosecondTimestamps()
    {
        return nanosecondTimestamps;
    }

    public void start()
    {
        running = true;
        thread = new Thread(this::captureLoop, "flowpic-capture");
        thread.setDaemon(true);
        thread.start();
    }

    private void captureLoop()
    {
        try
        {
            handle.loop(-1, this);
        }
        catch (final InterruptedException ex)
        {
            // breakLoop(): a requested stop.
        }
        catch (final Throwable ex)
        {
            failure = ex;
        }
        finally
        {
            running = false;
        }
    }

    public void gotPacket(final byte[] packet)
    {
        counters.packetsReceived.incrementRelease();
        final Timestamp ts = handle.getTimestamp();
        final long nanos = Math.floorDiv(ts.getTime(), 1000L) * 1_000_000_000L + ts.getNanos();
        final Integer original = handle.getOriginalLength();
        packetView.wrap(packet);
        final int wireLength = original != null ? original : packet.length;
        // Sharded flow agents: the ring of the agent owning this packet's flow.
        if (!rings.ringFor(linkType, packetView, 0, packet.length, wireLength)
            .offer(linkType, packetView, 0, packet.length, wireLength, nanos))
        {
            counters.packetsRingDropped.incrementRelease();
        }
    }

    /** Copies libpcap's counters (ps_recv, ps_drop) into the sensor's. */
    public void updateKernelStats()
    {
        try
        {
            final PcapStat stats = handle.getStats();
            counters.kernelReceived.setRelease(stats.getNumPacketsReceived());
            counters.kernelDropped.setRelease(stats.getNumPacketsDropped());
        }
        catch (final PcapNativeException | NotOpenException ex)
        {
            // stats are best effort; a closed handle just stops updating them
        }
    }

    public boolean isRunning()
    {
        return running;
    }

    public Throwable failure()
    {
        return failure;
    }

    /** Stops the loop promptly and waits for the capture thread. */
    public void stop() throws InterruptedException
    {
        if (thread == null)
        {
            return;
        }
        try
        {
            handle.breakLoop();
        }
        catch (final NotOpenException ex)
        {
            // already closed
        }
        thread.join(5000);
    }

    public void close()
    {
        updateKernelStats();
        handle.close();
    }
}

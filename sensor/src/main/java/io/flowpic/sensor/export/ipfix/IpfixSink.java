package io.flowpic.sensor.export.ipfix;

import io.flowpic.sensor.export.ExportCounters;
import io.flowpic.sensor.export.ExportSink;
import io.flowpic.sensor.journal.LabelRecord;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Sends journal records to an IPFIX collector over UDP or TCP, one data record per journal record (see
 * {@link IpfixEncoder} for the templates). Records are batched into one message until the next one does not
 * fit in {@link IpfixOptions#maxMessageBytes()} or {@link IpfixOptions#lingerNanos()} has passed since the
 * message's first record; only one message is in flight, so while the kernel has not taken it whole
 * {@link #offer} returns false.
 * <p>
 * <b>UDP:</b> a record is accepted once its datagram is handed to the kernel; nothing tells whether a collector
 * listens. Templates go at the start of the first message and again after
 * {@link IpfixOptions#templateResendNanos()} or {@link IpfixOptions#templateResendMessages()} messages, in front
 * of the next data. The sequence number runs on for the sink's life. A failed send (no route, unresolvable
 * host) drops the batch, asks for it again ({@link #takeRewind()}) and backs off like a TCP reconnect.
 * <p>
 * <b>TCP:</b> each connection is a new transport session: templates first, sequence numbers from 0. While
 * disconnected or backing off (from {@link IpfixOptions#backoffMinNanos()}, doubling to
 * {@link IpfixOptions#backoffMaxNanos()}), {@link #offer} returns false. A record is accepted once its message
 * is written to the socket whole. On a failed connection the records not accepted yet are asked for again
 * ({@link #takeRewind()}), so nothing the sink still held is lost. What it cannot see: IPFIX has no
 * acknowledgement, so the messages written whole shortly before a connection breaks may still sit in the
 * kernel's send buffer and be lost with it (at most a socket buffer's worth). Holding acceptance back until a
 * later write succeeded would not close that gap, since a later write succeeds into the same buffer; only the
 * collector's output can tell.
 * <p>
 * Every failure (resolve, connect, write, peer close) is counted once in {@link ExportCounters#error}. The
 * sink reads its own monotonic clock, so the {@code nowNanos} of {@link #doWork} may come from any clock.
 */
public final class IpfixSink implements ExportSink
{
    private static final long NEVER = Long.MIN_VALUE;

    private final IpfixOptions options;
    private final ExportCounters counters;
    private final IpfixTransport transport;
    private final LongSupplier clock;
    private final IpfixEncoder encoder;
    private final ByteBuf message;

    /** The sealed message the kernel has not taken whole yet, or null. */
    private ByteBuffer outbound;
    private int outboundRecords;
    private long outboundLastIndex;
    private boolean outboundHasTemplates;

    private boolean messageHasTemplates;
    private long messageFirstNanos;
    private long messageLastIndex;

    private long acceptedIndex = NO_INDEX;
    private long offeredIndex = NO_INDEX;
    private boolean rewind;
    private long sequence;
    private long session = -1;
    private boolean sessionHasTemplates;
    private long lastTemplatesNanos = NEVER;
    private int messagesSinceTemplates;
    private long retryAtNanos = NEVER;
    private long backoffNanos;
    private boolean closed;

    public IpfixSink(final IpfixOptions options, final ExportCounters counters)
    {
        this(options, counters, System::nanoTime);
    }

    IpfixSink(final IpfixOptions options, final ExportCounters counters, final LongSupplier clock)
    {
        this.options = options;
        this.counters = counters;
        this.clock = clock;
        transport = options.tcp() ? new TcpTransport(options.host(), options.port()) :
            new UdpTransport(options.host(), options.port());
        encoder = new IpfixEncoder(options);
        message = Unpooled.buffer(options.maxMessageBytes(), options.maxMessageBytes());
        backoffNanos = options.backoffMinNanos();
    }

    @Override
    public boolean offer(final LabelRecord record, final long journalIndex)
    {
        final long now = clock.getAsLong();
        if (!writable(now))
        {
            return false;
        }
        if (!encoder.inMessage())
        {
            begin(now);
        }
        if (!encoder.append(message, record))
        {
            if (!sendMessage(now))
            {
                return false;
            }
            begin(now);
            encoder.append(message, record);
        }
        messageLastIndex = journalIndex;
        offeredIndex = journalIndex;
        return true;
    }

    @Override
    public int doWork(final long nowNanos)
    {
        final long now = clock.getAsLong();
        if (!writable(now))
        {
            return 0;
        }
        if (encoder.inMessage() && now - messageFirstNanos >= options.lingerNanos())
        {
            final boolean sent = sendMessage(now);
            return sent ? 1 : 0;
        }
        return 0;
    }

    @Override
    public long acceptedIndex()
    {
        return acceptedIndex;
    }

    @Override
    public boolean takeRewind()
    {
        final boolean taken = rewind;
        rewind = false;
        return taken;
    }

    @Override
    public boolean flush(final long timeoutNanos)
    {
        final long deadline = clock.getAsLong() + timeoutNanos;
        while (true)
        {
            final long now = clock.getAsLong();
            if (!encoder.inMessage() && outbound == null)
            {
                return acceptedIndex == offeredIndex && !rewind;
            }
            if (writable(now) && (!encoder.inMessage() || sendMessage(now)))
            {
                return acceptedIndex == offeredIndex && !rewind;
            }
            if (now - deadline >= 0)
            {
                return false;
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    @Override
    public String destination()
    {
        return options.uri();
    }

    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            transport.close();
            message.release();
        }
    }

    /**
     * Connects when due, notices a new session and drains the message in flight.
     *
     * @return true when a new message may be sent now.
     */
    private boolean writable(final long now)
    {
        if (retryAtNanos != NEVER && now - retryAtNanos < 0)
        {
            return false;
        }
        try
        {
            if (!transport.ready(now))
            {
                return false;
            }
            if (transport.sessionPerConnection() && transport.connections() != session)
            {
                session = transport.connections();
                sequence = 0;
                sessionHasTemplates = false;
            }
            if (outbound != null && transport.write(outbound))
            {
                accepted(now);
            }
            return outbound == null;
        }
        catch (final IOException ex)
        {
            fail(now, ex);
            return false;
        }
    }

    private void begin(final long now)
    {
        message.clear();
        messageHasTemplates = templatesDue(now);
        encoder.begin(message, messageHasTemplates);
        messageFirstNanos = now;
    }

    private boolean templatesDue(final long now)
    {
        if (transport.sessionPerConnection())
        {
            return !sessionHasTemplates;
        }
        return lastTemplatesNanos == NEVER || now - lastTemplatesNanos >= options.templateResendNanos() ||
            options.templateResendMessages() > 0 && messagesSinceTemplates >= options.templateResendMessages();
    }

    /** Seals the current message and writes it; @return true when the kernel took it whole. */
    private boolean sendMessage(final long now)
    {
        outboundRecords = encoder.records();
        outboundLastIndex = messageLastIndex;
        outboundHasTemplates = messageHasTemplates;
        encoder.finish(message, System.currentTimeMillis() / 1000, sequence);
        outbound = message.nioBuffer(0, message.writerIndex());
        try
        {
            if (transport.write(outbound))
            {
                accepted(now);
                return true;
            }
            return false;
        }
        catch (final IOException ex)
        {
            fail(now, ex);
            return false;
        }
    }

    private void accepted(final long now)
    {
        outbound = null;
        sequence += outboundRecords;
        messagesSinceTemplates++;
        if (outboundHasTemplates)
        {
            sessionHasTemplates = true;
            lastTemplatesNanos = now;
            messagesSinceTemplates = 0;
        }
        if (outboundRecords > 0)
        {
            acceptedIndex = outboundLastIndex;
            counters.accepted(outboundRecords);
        }
        backoffNanos = options.backoffMinNanos();
        retryAtNanos = NEVER;
    }

    /** Drops the session and whatever it held; the agent offers those records again after the backoff. */
    private void fail(final long now, final IOException ex)
    {
        counters.error(options.uri() + ": " + ex);
        transport.close();
        outbound = null;
        encoder.abandon();
        message.clear();
        if (offeredIndex != acceptedIndex)
        {
            rewind = true;
            offeredIndex = acceptedIndex;
        }
        retryAtNanos = now + backoffNanos;
        backoffNanos = Math.min(backoffNanos * 2, options.backoffMaxNanos());
    }
}

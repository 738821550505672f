package io.flowpic.sensor.export.ipfix;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/** A non-blocking connection to the collector; {@link IpfixSink} closes it on any error and backs off. */
final class TcpTransport implements IpfixTransport
{
    private static final long CONNECT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Often enough to notice a restarted collector before writing into a dead connection, not a read per record. */
    private static final long PROBE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final String host;
    private final int port;
    /** Collectors never send over an IPFIX session, so a read only tells end-of-stream (the peer closed). */
    private final ByteBuffer probe = ByteBuffer.allocate(64);
    private SocketChannel channel;
    private long connectStartNanos;
    private boolean connected;
    private long connections;
    private long probedNanos;

    TcpTransport(final String host, final int port)
    {
        this.host = host;
        this.port = port;
    }

    @Override
    public boolean ready(final long nowNanos) throws IOException
    {
        if (channel == null)
        {
            final InetSocketAddress address = IpfixTransport.resolve(host, port);
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            connectStartNanos = nowNanos;
            connected = channel.connect(address);
            if (connected)
            {
                connections++;
            }
        }
        if (!connected)
        {
            if (!channel.finishConnect())
            {
                if (nowNanos - connectStartNanos > CONNECT_TIMEOUT_NANOS)
                {
                    throw new IOException("connect to " + host + ":" + port + " timed out");
                }
                return false;
            }
            connected = true;
            connections++;
            probedNanos = nowNanos;
        }
        if (nowNanos - probedNanos >= PROBE_INTERVAL_NANOS)
        {
            probedNanos = nowNanos;
            probe.clear();
            if (channel.read(probe) < 0)
            {
                throw new IOException("collector " + host + ":" + port + " closed the connection");
            }
        }
        return true;
    }

    @Override
    public boolean write(final ByteBuffer message) throws IOException
    {
        channel.write(message);
        return !message.hasRemaining();
    }

    @Override
    public boolean sessionPerConnection()
    {
        return true;
    }

    @Override
    public long connections()
    {
        return connections;
    }

    @Override
    public void close()
    {
        if (channel != null)
        {
            IpfixTransport.closeQuietly(channel);
            channel = null;
            connected = false;
        }
    }
}

package io.flowpic.sensor.export.ipfix;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * One datagram per message. The channel is not connected: a connected one would throw on the ICMP "port
 * unreachable" of a collector that is down, and over UDP a collector's absence is not the exporter's error.
 */
final class UdpTransport implements IpfixTransport
{
    private final String host;
    private final int port;
    private DatagramChannel channel;
    private InetSocketAddress address;

    UdpTransport(final String host, final int port)
    {
        this.host = host;
        this.port = port;
    }

    @Override
    public boolean ready(final long nowNanos) throws IOException
    {
        if (channel == null)
        {
            address = IpfixTransport.resolve(host, port);
            channel = DatagramChannel.open();
            channel.configureBlocking(false);
        }
        return true;
    }

    @Override
    public boolean write(final ByteBuffer message) throws IOException
    {
        // A datagram goes whole or not at all; 0 means the socket buffer is full for now.
        return channel.send(message, address) > 0;
    }

    @Override
    public boolean sessionPerConnection()
    {
        return false;
    }

    @Override
    public long connections()
    {
        return 0;
    }

    @Override
    public void close()
    {
        if (channel != null)
        {
            IpfixTransport.closeQuietly(channel);
            channel = null;
        }
    }
}

package io.flowpic.sensor.export.ipfix;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** How {@link IpfixSink} hands whole messages to the kernel; non-blocking, used by one thread. */
interface IpfixTransport extends AutoCloseable
{
    /**
     * Opens or progresses the connection and notices a peer that went away.
     *
     * @return true when {@link #write} may be called now.
     */
    boolean ready(long nowNanos) throws IOException;

    /**
     * Writes what the kernel takes now.
     *
     * @return true when the message is written whole; false leaves the rest in {@code message} for a later
     * call.
     */
    boolean write(ByteBuffer message) throws IOException;

    /** True when each connection is a new IPFIX transport session: templates once and sequence from 0. */
    boolean sessionPerConnection();

    /** Counts established connections, so the sink sees a new session; constant for UDP. */
    long connections();

    @Override
    void close();

    /** Closes a channel whose failure to close leaves nothing to do: the descriptor is released regardless. */
    static void closeQuietly(final java.nio.channels.Channel channel)
    {
        try
        {
            channel.close();
        }
        catch (final IOException ignored)
        {
            // released regardless; the next ready() opens a new channel
        }
    }

    /** The collector's address, looked up at every (re)connect so that a moved name is followed. */
    static InetSocketAddress resolve(final String host, final int port) throws IOException
    {
        final InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved())
        {
            throw new IOException("cannot resolve IPFIX collector " + host);
        }
        return address;
    }
}

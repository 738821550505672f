package io.flowpic.sensor.metrics;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Serves {@code GET /metrics} (Prometheus text format 0.0.4) and {@code GET /healthz} over HTTP/1.1
 * on one Netty event-loop thread that both accepts and serves. It only reads Agrona counters, so it
 * never blocks or slows the capture, flow and inference agents. Requests are bounded: request line
 * 4 KiB, headers 8 KiB, body 8 KiB (larger bodies get 413), idle connections close after 30 s.
 */
public final class MetricsServer implements AutoCloseable
{
    /** Largest request body accepted; /metrics and /healthz take none. */
    public static final int MAX_CONTENT_LENGTH = 8 * 1024;
    static final int MAX_INITIAL_LINE_LENGTH = 4 * 1024;
    static final int MAX_HEADER_SIZE = 8 * 1024;
    static final int READ_TIMEOUT_SECONDS = 30;

    private static final String ALLOW = "GET, HEAD";

    private final EventLoopGroup group;
    private final Channel channel;
    private final int boundPort;
    private boolean closed;

    private MetricsServer(final EventLoopGroup group, final Channel channel)
    {
        this.group = group;
        this.channel = channel;
        this.boundPort = ((InetSocketAddress)channel.localAddress()).getPort();
    }

    /**
     * Binds {@code bind:port} (port 0 = ephemeral, see {@link #boundPort()}) and starts serving.
     *
     * @param health returns why the sensor is unhealthy (the 503 body of /healthz), or null when it is healthy
     *
     * @throws IOException naming {@code bind:port} when the address does not resolve or cannot be bound.
     */
    public static MetricsServer start(
        final String bind, final int port, final PrometheusFormatter formatter, final Supplier<String> health)
        throws IOException
    {
        return start(bind, port, formatter, health, () -> null);
    }

    /**
     * @param notes what a healthy sensor still wants said (an exporter behind: not unhealthy, the journal
     *              holds its backlog), appended to the 200 body of /healthz; null for nothing
     */
    public static MetricsServer start(final String bind, final int port, final PrometheusFormatter formatter,
        final Supplier<String> health, final Supplier<String> notes) throws IOException
    {
        Objects.requireNonNull(formatter, "formatter");
        Objects.requireNonNull(health, "health");
        final String where = hostPort(bind, port);
        if (port < 0 || port > 65535)
        {
            throw new IOException("metrics: cannot bind " + where + ": port out of range");
        }
        final InetSocketAddress address = new InetSocketAddress(bind, port);
        if (address.isUnresolved())
        {
            throw new IOException("metrics: cannot bind " + where + ": address does not resolve");
        }

        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("flowpic-metrics", true), NioIoHandler.newFactory());
        final ServerBootstrap bootstrap = new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 64)
            .childHandler(new ChannelInitializer<SocketChannel>()
            {
                @Override
                protected void initChannel(final SocketChannel ch)
                {
                    ch.pipeline()
                        .addLast(new ReadTimeoutHandler(READ_TIMEOUT_SECONDS))
                        .addLast(new HttpServerCodec(MAX_INITIAL_LINE_LENGTH, MAX_HEADER_SIZE, MAX_CONTENT_LENGTH))
                        .addLast(new BoundedAggregator())
                        .addLast(new Handler(formatter, health, notes));
                }
            });
        final ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
        if (!bound.isSuccess())
        {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            final Throwable cause = bound.cause();
            throw new IOException("metrics: cannot bind " + where + ": " +
                (cause == null ? "unknown error" : cause.getMessage()), cause);
        }
        return new MetricsServer(group, bound.channel());
    }

    /** The TCP port actually bound (the ephemeral one when started with port 0). */
    public int boundPort()
    {
        return boundPort;
    }

    /** Stops accepting, closes open connections and ends the event-loop thread. Idempotent. */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private static String hostPort(final String bind, final int port)
    {
        return (bind != null && bind.indexOf(':') >= 0 ? "[" + bind + "]" : bind) + ":" + port;
    }

    /** Answers an oversized request with 413 and always closes: the rest of its body is never read. */
    private static final class BoundedAggregator extends HttpObjectAggregator
    {
        BoundedAggregator()
        {
            super(MAX_CONTENT_LENGTH);
        }

        @Override
        protected void handleOversizedMessage(final ChannelHandlerContext ctx, final HttpMessage oversized)
        {
            final byte[] body = "request too large\n".getBytes(StandardCharsets.UTF_8);
            final FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(body));
            response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest>
    {
        private final PrometheusFormatter formatter;
        /** Returns why the sensor is unhealthy, or null when it is healthy. */
        private final Supplier<String> health;

        /** Returns what a healthy sensor wants said on /healthz besides "ok", or null. */
        private final Supplier<String> notes;

        Handler(final PrometheusFormatter formatter, final Supplier<String> health, final Supplier<String> notes)
        {
            this.notes = notes;
            this.formatter = formatter;
            this.health = health;
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request)
        {
            if (request.decoderResult().isFailure())
            {
                final Throwable cause = request.decoderResult().cause();
                final HttpResponseStatus status;
                if (cause instanceof TooLongHttpLineException)
                {
                    status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
                }
                else if (cause instanceof TooLongHttpHeaderException)
                {
                    status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
                }
                else if (cause instanceof TooLongFrameException)
                {
                    status = HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
                }
                else
                {
                    status = HttpResponseStatus.BAD_REQUEST;
                }
                respond(ctx, request, status, status.reasonPhrase() + "\n", false, false);
                return;
            }

            final boolean keepAlive = HttpUtil.isKeepAlive(request);
            final HttpMethod method = request.method();
            final String path = new QueryStringDecoder(request.uri()).path();
            final boolean known = "/metrics".equals(path) || "/healthz".equals(path);
            if (!known)
            {
                respond(ctx, request, HttpResponseStatus.NOT_FOUND, "not found\n", keepAlive, false);
                return;
            }
            final boolean head = HttpMethod.HEAD.equals(method);
            if (!HttpMethod.GET.equals(method) && !head)
            {
                respond(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n", keepAlive, false);
                return;
            }
            if ("/metrics".equals(path))
            {
                final String text;
                try
                {
                    text = formatter.format();
                }
                catch (final RuntimeException ex)
                {
                    respond(ctx, request, HttpResponseStatus.INTERNAL_SERVER_ERROR,
                        "metrics: " + ex + "\n", keepAlive, head);
                    return;
                }
                respond(ctx, request, HttpResponseStatus.OK, PrometheusFormatter.CONTENT_TYPE, text, keepAlive, head);
            }
            else
            {
                String problem;
                String note = null;
                try
                {
                    problem = health.get();
                    note = problem == null ? notes.get() : null;
                }
                catch (final RuntimeException ex)
                {
                    problem = "health check failed: " + ex;
                }
                respond(ctx, request, problem == null ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                    problem == null ? "ok" + (note == null ? "" : "; " + note) + "\n" : "unhealthy: " + problem + "\n",
                    keepAlive, head);
            }
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            // Read timeouts, resets by the peer: nothing to answer, just drop the connection.
            ctx.close();
        }

        private static void respond(
            final ChannelHandlerContext ctx, final FullHttpRequest request, final HttpResponseStatus status,
            final String body, final boolean keepAlive, final boolean head)
        {
            respond(ctx, request, status, "text/plain; charset=utf-8", body, keepAlive, head);
        }

        private static void respond(
            final ChannelHandlerContext ctx, final FullHttpRequest request, final HttpResponseStatus status,
            final String contentType, final String body, final boolean keepAlive, final boolean head)
        {
            final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            final ByteBuf content = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes);
            final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
            response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
            if (status == HttpResponseStatus.METHOD_NOT_ALLOWED)
            {
                response.headers().set(HttpHeaderNames.ALLOW, ALLOW);
            }
            if (keepAlive)
            {
                if (!request.protocolVersion().isKeepAliveDefault())
                {
                    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                }
                ctx.writeAndFlush(response);
            }
            else
            {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}

package dev.censorsim.control;

import dev.censorsim.net.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A minimal HTTP server for tests of {@link RouteHandler}s until they run behind the real control server: HTTP/1.1
 * with keep-alive, bodies aggregated up to 1 MiB, and the handler called one request at a time on a worker thread
 * (never on the event loop), as the control server's contract promises. Unanswered paths get a 404.
 */
public final class RouteHandlerTestServer implements AutoCloseable {

    private static final int MAX_BODY_BYTES = 1 << 20;

    private final EventLoopGroup group;
    private final ExecutorService worker;
    private final Channel channel;

    private RouteHandlerTestServer(EventLoopGroup group, ExecutorService worker, Channel channel) {
        this.group = group;
        this.worker = worker;
        this.channel = channel;
    }

    /** Listens on an ephemeral loopback port. */
    public static RouteHandlerTestServer start(RouteHandler handler) throws InterruptedException {
        EventLoopGroup group = Transport.current().newGroup(1, "route-test-http");
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "route-test-worker");
            t.setDaemon(true);
            return t;
        });
        Channel channel = new ServerBootstrap().group(group)
                .channelFactory(Transport.current()::newServerSocketChannel)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY_BYTES),
                                new Dispatch(handler, worker));
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
        return new RouteHandlerTestServer(group, worker, channel);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2_000);
        worker.shutdownNow();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
    }

    private static final class Dispatch extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final RouteHandler handler;
        private final ExecutorService worker;

        Dispatch(RouteHandler handler, ExecutorService worker) {
            this.handler = handler;
            this.worker = worker;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            FullHttpRequest owned = request.retainedDuplicate();
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            worker.execute(() -> {
                FullHttpResponse response;
                try {
                    response = handler.handle(owned);
                    if (response == null) {
                        response = plain(HttpResponseStatus.NOT_FOUND, "404 page not found\n");
                    }
                } catch (Exception e) {
                    response = plain(HttpResponseStatus.INTERNAL_SERVER_ERROR, String.valueOf(e));
                } finally {
                    owned.release();
                }
                if (!response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)
                        && response.status().code() != 204) {
                    HttpUtil.setContentLength(response, response.content().readableBytes());
                }
                HttpUtil.setKeepAlive(response, keepAlive);
                var written = ctx.writeAndFlush(response);
                if (!keepAlive) {
                    written.addListener(ChannelFutureListener.CLOSE);
                }
            });
        }

        private static FullHttpResponse plain(HttpResponseStatus status, String body) {
            FullHttpResponse r = new DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1, status,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            return r;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

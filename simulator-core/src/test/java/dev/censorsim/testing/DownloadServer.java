package dev.censorsim.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A TLS download server for proxy tests. Protocol, one request per connection: the client sends {@code GET <n>\n}; the
 * server answers with exactly {@code n} bytes and closes. Writes follow the channel's writability, so a throttled or
 * stalled client never makes this server buffer without bound.
 */
public final class DownloadServer implements AutoCloseable {

    private static final int CHUNK_BYTES = 16 * 1024;
    private static final int MAX_REQUEST_LINE = 64;

    private final EventLoopGroup group;
    private final Channel channel;

    private DownloadServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /** Starts on an ephemeral loopback port. */
    public static DownloadServer start(SslContext sslContext) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(sslContext.newHandler(ch.alloc()));
                            ch.pipeline().addLast(new LineBasedFrameDecoder(MAX_REQUEST_LINE));
                            ch.pipeline().addLast(new RequestHandler());
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            return new DownloadServer(group, channel);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    private static final class RequestHandler extends SimpleChannelInboundHandler<ByteBuf> {
        private long remaining = -1;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
            if (remaining >= 0) {
                return; // one request per connection
            }
            String request = line.toString(StandardCharsets.US_ASCII).trim();
            if (!request.startsWith("GET ")) {
                ctx.close();
                return;
            }
            try {
                remaining = Long.parseLong(request.substring(4).trim());
            } catch (NumberFormatException e) {
                ctx.close();
                return;
            }
            writeWhileWritable(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                writeWhileWritable(ctx);
            }
            ctx.fireChannelWritabilityChanged();
        }

        private void writeWhileWritable(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            while (remaining > 0 && ch.isWritable()) {
                int n = (int) Math.min(CHUNK_BYTES, remaining);
                ByteBuf chunk = ctx.alloc().buffer(n);
                chunk.writeZero(n);
                remaining -= n;
                ctx.write(chunk);
            }
            ctx.flush();
            if (remaining == 0) {
                remaining = -2;
                ctx.writeAndFlush(ctx.alloc().buffer(0)).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // resets and timeouts are expected under censorship; the client reports them
        }
    }
}

package dev.censorsim.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;

/**
 * Port-forward front end: connects the upstream as soon as a client is accepted, so the server sees the handshake
 * just as on a real path, then hands both channels to a {@link Flow} and removes itself. A refused or timed-out
 * upstream gets the client reset at once, the nearest a proxy that already accepted can come to "refused".
 *
 * <p>Nothing is read before the flow starts, but on epoll a client that writes and half-closes at once has its bytes
 * and its FIN read anyway ({@code EPOLLRDHUP}, see {@link Reads}): those bytes are kept, in order, and handed to the
 * flow as its first chunk, and the FIN is replayed to the flow after them.
 */
final class ForwardFrontendHandler extends ChannelInboundHandlerAdapter {

    private final ProxyRuntime runtime;
    private final long acceptedNanos = System.nanoTime();
    private ByteBuf early;
    private boolean inputShutdown;

    ForwardFrontendHandler(ProxyRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel client = ctx.channel();
        InetSocketAddress server = runtime.options().upstream();
        runtime.connectUpstream(client, server).addListener(f -> {
            Channel upstream = ((io.netty.channel.ChannelFuture) f).channel();
            if (!f.isSuccess()) {
                if (client.isOpen()) {
                    client.config().setOption(ChannelOption.SO_LINGER, 0);
                    client.close();
                }
                runtime.reportUnconnected((InetSocketAddress) client.remoteAddress(), server, null, acceptedNanos,
                        ProxyRuntime.connectFailure(f.cause()), String.valueOf(f.cause().getMessage()));
                return;
            }
            if (!client.isActive()) {
                upstream.close();
                return;
            }
            ByteBuf firstBytes = early;
            early = null;
            boolean eof = inputShutdown;
            if (ctx.pipeline().context(this) != null) {
                ctx.pipeline().remove(this);
            }
            Flow.start(runtime, client, upstream, null, acceptedNanos, firstBytes);
            if (eof) {
                client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            }
        });
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        early = early == null ? bytes : ctx.alloc().compositeBuffer().addComponents(true, early, bytes);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            inputShutdown = true;
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (early != null) {
            early.release();
            early = null;
        }
    }
}

package dev.censorsim.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;

import java.net.InetSocketAddress;

/**
 * Port-forward front end: connects the upstream as soon as a client is accepted, so the server sees the handshake
 * just as on a real path, then hands both channels to a {@link Flow} and removes itself. A refused or timed-out
 * upstream gets the client reset at once, the nearest a proxy that already accepted can come to "refused". Bytes and
 * an EOF that arrive before the upstream is connected are kept for the flow ({@link PendingClientInput}).
 */
final class ForwardFrontendHandler extends ChannelInboundHandlerAdapter {

    private final ProxyRuntime runtime;
    private final long acceptedNanos = System.nanoTime();
    private final PendingClientInput pending = new PendingClientInput();

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
            if (ctx.pipeline().context(this) != null) {
                ctx.pipeline().remove(this);
            }
            pending.startFlow(runtime, client, upstream, null, acceptedNanos);
        });
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        pending.read(ctx, msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!pending.event(evt)) {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pending.release();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        pending.failed(ctx, cause);
    }
}

package dev.censorsim.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * Transparent front end: a client intercepted by nftables TPROXY was accepted on a socket whose local address is the
 * destination it dialled. Connects the upstream the {@link TransparentRoute} names for that destination (trying each
 * candidate in turn), then hands both channels to a {@link Flow} and removes itself, as the port-forward front end
 * does. A flow aimed at the listener itself (a client that dialled the TPROXY target directly) would loop back into
 * the proxy, so it is reset, as is a flow no candidate accepts.
 *
 * <p>Bytes and an EOF that arrive before the upstream is connected are kept for the flow ({@link PendingClientInput}).
 */
final class TransparentFrontendHandler extends ChannelInboundHandlerAdapter {

    private final ProxyRuntime runtime;
    private final InetSocketAddress listenAddress;
    private final long acceptedNanos = System.nanoTime();
    private final PendingClientInput pending = new PendingClientInput();

    TransparentFrontendHandler(ProxyRuntime runtime, InetSocketAddress listenAddress) {
        this.runtime = runtime;
        this.listenAddress = listenAddress;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel client = ctx.channel();
        InetSocketAddress original = (InetSocketAddress) client.localAddress();
        TransparentRoute route = runtime.options().transparentRoute();
        List<InetSocketAddress> candidates;
        String target;
        try {
            candidates = original.equals(listenAddress) ? List.of() : route.upstreams(original);
            target = route.target(original);
        } catch (RuntimeException e) {
            candidates = List.of();
            target = null;
        }
        if (candidates.isEmpty()) {
            reset(client);
            runtime.reportUnconnected((InetSocketAddress) client.remoteAddress(), original, target, acceptedNanos,
                    FlowEnd.REFUSED, original.equals(listenAddress) ? "dialled the interception listener itself"
                            : "no upstream for this destination");
            ctx.fireChannelActive();
            return;
        }
        connect(ctx, candidates, 0, target);
        ctx.fireChannelActive();
    }

    private void connect(ChannelHandlerContext ctx, List<InetSocketAddress> candidates, int index, String target) {
        Channel client = ctx.channel();
        InetSocketAddress server = candidates.get(index);
        runtime.connectUpstream(client, server).addListener(f -> {
            Channel upstream = ((ChannelFuture) f).channel();
            if (!f.isSuccess()) {
                if (index + 1 < candidates.size() && client.isActive()) {
                    connect(ctx, candidates, index + 1, target);
                    return;
                }
                reset(client);
                runtime.reportUnconnected((InetSocketAddress) client.remoteAddress(), server, target, acceptedNanos,
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
            pending.startFlow(runtime, client, upstream, target, acceptedNanos);
        });
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

    /** The nearest a proxy that already accepted can come to "refused": an abortive close, so the client sees RST. */
    private static void reset(Channel client) {
        if (client.isOpen()) {
            client.config().setOption(ChannelOption.SO_LINGER, 0);
            client.close();
        }
    }
}

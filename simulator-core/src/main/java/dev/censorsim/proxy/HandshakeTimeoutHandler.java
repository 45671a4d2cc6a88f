package dev.censorsim.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The deadline of a front end's negotiation (a SOCKS5 greeting and request, an HTTP CONNECT request line and
 * headers): a client that has not finished it within {@link ProxyOptions#handshakeTimeout()} of being accepted is
 * closed, so silent or trickling clients (a slowloris) cannot hold sockets. Installed first on the client channel by
 * {@link CensorProxy}; the front end calls {@link #finished} as soon as the request is complete, after which the
 * connect timeout, the inspection timeout and the idle timeouts take over. One timer per connection, no per-read work.
 */
final class HandshakeTimeoutHandler extends ChannelInboundHandlerAdapter {

    private final long timeoutNanos;
    private ScheduledFuture<?> timer;

    HandshakeTimeoutHandler(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
    }

    /** The front end has its request: lifts the deadline. A no-op when there is none (or it was already lifted). */
    static void finished(ChannelPipeline pipeline) {
        if (pipeline.get(PipelineNames.HANDSHAKE_TIMEOUT) != null) {
            pipeline.remove(PipelineNames.HANDSHAKE_TIMEOUT);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // An accepted channel is already active when its initialiser adds handlers; arm here or on channelActive.
        if (ctx.channel().isActive()) {
            arm(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        arm(ctx);
        ctx.fireChannelActive();
    }

    private void arm(ChannelHandlerContext ctx) {
        if (timer == null) {
            timer = ctx.executor().schedule(() -> {
                if (!ctx.isRemoved()) {
                    ctx.channel().close();
                }
            }, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}

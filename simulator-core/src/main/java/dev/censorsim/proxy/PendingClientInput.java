package dev.censorsim.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * What a client sent while its front end was still connecting the upstream: bytes and the EOF, kept in order and
 * handed to the {@link Flow}. With {@code AUTO_READ} off NIO reads nothing before the flow asks, but the epoll
 * transport reads everything pending when the peer half-closes (EPOLLRDHUP), whatever the read requests, so a client
 * that writes its request and its FIN at once would otherwise lose both. Confined to the client's event loop.
 */
final class PendingClientInput {

    private ByteBuf bytes;
    private boolean eof;
    private boolean handedOver;

    /** Keeps {@code msg} if it is data (taking ownership), releases anything else. */
    void read(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf chunk) || handedOver) {
            ReferenceCountUtil.release(msg);
            return;
        }
        bytes = bytes == null ? chunk : ctx.alloc().compositeBuffer().addComponents(true, bytes, chunk);
    }

    /** Returns {@code true} when {@code evt} was the client's EOF, which is kept (and must not travel further). */
    boolean event(Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            eof = true;
            return true;
        }
        return false;
    }

    /** Starts the flow with what was kept: the bytes first, then the EOF. */
    void startFlow(ProxyRuntime runtime, Channel client, Channel upstream, String target, long startNanos) {
        ByteBuf first = bytes;
        bytes = null;
        handedOver = true;
        Flow.start(runtime, client, upstream, target, startNanos, first);
        if (eof && client.isActive()) {
            client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
    }

    /** Releases kept bytes; the flow will not start. Idempotent. */
    void release() {
        if (bytes != null) {
            bytes.release();
            bytes = null;
        }
    }
}

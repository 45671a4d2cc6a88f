package dev.censorsim.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a client sent while its front end was still connecting the upstream: bytes and the EOF, kept in order and
 * handed to the {@link Flow}. With {@code AUTO_READ} off NIO reads nothing before the flow asks, but the epoll
 * transport reads everything pending when the peer half-closes (EPOLLRDHUP), whatever the read requests, so a client
 * that writes its request and its FIN at once would otherwise lose both. The same early read meets a client that wrote
 * and reset at once (ECONNRESET): that I/O error is kept too and handed to the flow after the bytes, which passes the
 * RST on to the server and records it, as it would have a reset seen a moment later. Confined to the client's event
 * loop.
 */
final class PendingClientInput {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(PendingClientInput.class);
    private static final RateLimitedWarning UNEXPECTED = new RateLimitedWarning(LOG, 10, TimeUnit.SECONDS);
    /** Front-end connections ended by an exception that was no I/O error (a bug), since start; for tests. */
    static final LongAdder UNEXPECTED_ERRORS = new LongAdder();

    private ByteBuf bytes;
    private boolean eof;
    private IOException failure;
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

    /**
     * The front end's {@code exceptionCaught}, so nothing reaches the pipeline's tail: an I/O error of the client's
     * socket (a reset) is the client's doing and kept for the flow (the transport has shut the input down, and closes
     * the channel itself where the error is fatal); anything else is a bug: counted, warned about at most once per
     * 10 s with the stack trace at debug, and the client is closed, so no flow starts.
     */
    void failed(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException io) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("client {} before its flow started: {}", ctx.channel().remoteAddress(), cause.toString());
            }
            if (failure == null && !handedOver) {
                failure = io;
            }
            return;
        }
        UNEXPECTED_ERRORS.increment();
        UNEXPECTED.warn("client " + ctx.channel().remoteAddress() + " before its flow started: closing the connection "
                + "after an unexpected " + cause + " (stack trace at debug level)");
        LOG.debug("client {} before its flow started: unexpected exception", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }

    /** Starts the flow with what was kept: the bytes first, then the EOF, then an I/O error. */
    void startFlow(ProxyRuntime runtime, Channel client, Channel upstream, String target, long startNanos) {
        ByteBuf first = bytes;
        bytes = null;
        handedOver = true;
        Flow.start(runtime, client, upstream, target, startNanos, first);
        if (eof && client.isActive()) {
            client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
        if (failure != null && client.isOpen()) {
            IOException cause = failure;
            failure = null;
            client.pipeline().fireExceptionCaught(cause);
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

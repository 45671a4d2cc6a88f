package dev.censorsim.messenger;

import dev.censorsim.proxy.RateLimitedWarning;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The last handler of the client's QUIC sockets and connections ({@link QuicFirst}), so that no exception reaches the
 * pipeline's tail. On epoll a datagram socket closed from inside its own read loop (the connection ended, or
 * {@link QuicStallHandler} closed a stalled path) fails its next {@code recvmsg} with {@code ClosedChannelException};
 * that and any other I/O error are expected: logged at debug, and the socket left to the transport, which closes it
 * when the error is fatal (an ICMP port-unreachable is not: the handshake timeout or the stall watch decide, as before).
 * Anything else is a bug in the codec or a handler: counted, warned about at most once per 10 s, and the channel is
 * closed, which the attempt or the session sees as the connection ending.
 */
@ChannelHandler.Sharable
final class QuicSocketEndHandler extends ChannelInboundHandlerAdapter {

    static final QuicSocketEndHandler INSTANCE = new QuicSocketEndHandler();

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(QuicSocketEndHandler.class);
    private static final RateLimitedWarning UNEXPECTED = new RateLimitedWarning(LOG, 10, TimeUnit.SECONDS);
    /** Exceptions that were no I/O error (a bug), since start; for tests. */
    static final LongAdder UNEXPECTED_ERRORS = new LongAdder();

    private QuicSocketEndHandler() {
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("QUIC {}: {}", ctx.channel(), cause.toString());
            }
            return;
        }
        UNEXPECTED_ERRORS.increment();
        UNEXPECTED.warn("QUIC " + ctx.channel() + ": closing after an unexpected " + cause
                + " (stack trace at debug level)");
        LOG.debug("QUIC {}: unexpected exception", ctx.channel(), cause);
        ctx.close();
    }
}

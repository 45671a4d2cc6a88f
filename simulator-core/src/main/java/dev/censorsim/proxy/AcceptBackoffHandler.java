package dev.censorsim.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * On a listening channel: when an accept fails (EMFILE or ENFILE: no descriptor for the new socket), stops accepting
 * for {@link #PAUSE_MILLIS}, then resumes, and says so in at most one line every ten seconds. Without the pause an
 * edge-triggered listener with a full backlog fails the same accept in a tight loop; without the rate limit every
 * failure is a log line. The exception goes no further: Netty's own acceptor would pause a second time, for a full
 * second, and the pipeline's tail would log it again.
 */
final class AcceptBackoffHandler extends ChannelInboundHandlerAdapter {

    /** Short: descriptors come back as soon as flows end, and the kernel's backlog holds clients meanwhile. */
    static final long PAUSE_MILLIS = 100;

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(AcceptBackoffHandler.class);

    private final RateLimitedWarning warning = new RateLimitedWarning(LOG, 10, TimeUnit.SECONDS);
    private final String name;

    /** @param name what listens, for the log line (e.g. "SOCKS5 on 127.0.0.1:1080") */
    AcceptBackoffHandler(String name) {
        this.name = name;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Channel listener = ctx.channel();
        if (listener.config().isAutoRead()) {
            listener.config().setAutoRead(false);
            ctx.executor().schedule(() -> {
                if (listener.isOpen()) {
                    listener.config().setAutoRead(true);
                }
            }, PAUSE_MILLIS, TimeUnit.MILLISECONDS);
        }
        warning.warn(name + ": cannot accept a connection (" + cause.getMessage() + "); pausing accepts for "
                + PAUSE_MILLIS + " ms each time");
    }
}

package dev.censorsim.messenger;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

import java.util.concurrent.TimeUnit;

/**
 * Watches one client QUIC connection's datagrams, below the QUIC codec, for a stalled path: the client has been
 * sending for {@link #STALL_NANOS} and nothing at all came back, not even an ACK. That is what a censor that lets the
 * handshake through and then drops the flow looks like from the client; a healthy path, however slow, acknowledges.
 * Counting datagrams rather than stream bytes keeps an upload (the server sends only ACKs until the end) from
 * looking stalled.
 *
 * <p>All on the connection's event loop.
 */
final class QuicStallHandler extends ChannelDuplexHandler {

    /**
     * Twice the round trip of a geostationary satellite path (about 600 ms), so a slow path is no stall, and well
     * under the app's own give-up times (the chat keepalive's 10 s, the scenarios' 10 s media timeout), so the
     * verdict is in place when the app closes the connection.
     */
    static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(1_200);

    /** When the client first sent after the last datagram from the server; 0 while nothing is unanswered. */
    private long unansweredSinceNanos;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        unansweredSinceNanos = 0;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (unansweredSinceNanos == 0) {
            unansweredSinceNanos = Math.max(1, System.nanoTime());
        }
        ctx.write(msg, promise);
    }

    /** Whether, at {@code nowNanos}, the client has been talking into silence for at least {@link #STALL_NANOS}. */
    boolean stalled(long nowNanos) {
        return unansweredSinceNanos != 0 && nowNanos - unansweredSinceNanos >= STALL_NANOS;
    }
}

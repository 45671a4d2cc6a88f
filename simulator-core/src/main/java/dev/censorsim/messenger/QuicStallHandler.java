package dev.censorsim.messenger;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Watches one client QUIC connection's datagrams, below the QUIC codec, for a stalled path, and closes the connection's
 * socket when it finds one: the client has been sending for {@link #STALL_NANOS} and nothing at all came back, not even
 * an ACK. That is what a censor that let the handshake through and then drops the flow (a rule applied to live flows,
 * a freeze) looks like from the client; a healthy path, however slow, acknowledges. Closing ends the QUIC connection
 * and its stream, the session reconnects, and {@link QuicFirst} sees {@link #stalled(long)} and marks QUIC broken, so
 * the reconnect takes TCP/TLS.
 *
 * <p>The clock starts at the second datagram sent after the last one received: the first may be a pure ACK of what
 * came in (RFC 9000 §13.2), which the server never answers, while every later one must carry something ack-eliciting
 * (a client sends no new ACK without receiving), which the server acknowledges within its max_ack_delay (25 ms by
 * default, RFC 9000 §18.2). Counting datagrams rather than stream bytes keeps an upload (the server sends only ACKs
 * until the end) from looking stalled.
 *
 * <p>A download has nothing to send but ACKs, and a client sends no ACK without receiving, so a silenced download
 * shows no unanswered datagram; it is caught the other way: a check every {@link #CHECK_NANOS} that saw the server
 * busy (at least {@link #BUSY_DATAGRAMS} datagrams in a check interval) followed by {@link #STALL_NANOS} of silence
 * is a stall too. A transfer does not pause mid-stream, and a finished one is closed by the app at once.
 *
 * <p>All on the connection's event loop.
 */
final class QuicStallHandler extends ChannelDuplexHandler {

    /**
     * Twice the round trip of a geostationary satellite path (about 600 ms), so a slow path is no stall, and well
     * under the app's own give-up times (the chat keepalive's 10 s, the scenarios' 10 s media timeout), so the app
     * reconnects over TCP before it would have given up on its own.
     */
    static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(1_200);

    static final long CHECK_NANOS = STALL_NANOS / 2;
    /** 8 datagrams in 600 ms: more than a chat's acks and pongs at a few messages per second, less than any transfer. */
    static final int BUSY_DATAGRAMS = 8;

    private boolean armed;
    private long lastReceiptNanos;
    private int receivedSinceCheck;
    private boolean lastWindowBusy;
    private ChannelHandlerContext ctx;
    private int sentSinceReceipt;
    /** When the clock started (see the class comment); 0 while it is not running. */
    private long unansweredSinceNanos;
    private ScheduledFuture<?> check;
    private boolean stalled;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastReceiptNanos = System.nanoTime();
        receivedSinceCheck++;
        sentSinceReceipt = 0;
        unansweredSinceNanos = 0;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (++sentSinceReceipt == 2 && armed) {
            unansweredSinceNanos = Math.max(1, System.nanoTime());
            if (check == null) {
                check = ctx.executor().schedule(() -> check(ctx), STALL_NANOS, TimeUnit.NANOSECONDS);
            }
        }
        ctx.write(msg, promise);
    }

    /**
     * Starts watching; once the handshake completed. Before, the handshake's own timeout decides, and retransmitted
     * Initials are no stall of an established connection.
     */
    void arm() {
        armed = true;
        if (ctx != null) {
            ctx.executor().schedule(this::watchReceipts, CHECK_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    private void watchReceipts() {
        if (!ctx.channel().isActive() || stalled) {
            return;
        }
        if (receivedSinceCheck > 0) {
            lastWindowBusy = receivedSinceCheck >= BUSY_DATAGRAMS;
            receivedSinceCheck = 0;
        } else if (lastWindowBusy && System.nanoTime() - lastReceiptNanos >= STALL_NANOS) {
            stalled = true;
            ctx.close();
            return;
        }
        ctx.executor().schedule(this::watchReceipts, CHECK_NANOS, TimeUnit.NANOSECONDS);
    }

    private void check(ChannelHandlerContext ctx) {
        check = null;
        if (unansweredSinceNanos == 0 || !ctx.channel().isActive()) {
            return;
        }
        long due = unansweredSinceNanos + STALL_NANOS - System.nanoTime();
        if (due > 0) { // answered since, and talking into silence again from a later datagram
            check = ctx.executor().schedule(() -> check(ctx), due, TimeUnit.NANOSECONDS);
            return;
        }
        stalled = true;
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (check != null) {
            check.cancel(false);
        }
    }

    /** Whether the path stalled: closed for it, or, at {@code nowNanos}, silent for {@link #STALL_NANOS} already. */
    boolean stalled(long nowNanos) {
        return stalled || (unansweredSinceNanos != 0 && nowNanos - unansweredSinceNanos >= STALL_NANOS);
    }
}

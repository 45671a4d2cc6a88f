package dev.censorsim.messenger;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Sits at the tail while a connection is being set up and keeps the first exception the transport raised. The
 * handshake's own failure is often only the consequence ("connection closed during the handshake") of the real cause
 * (a RST, a TLS alert), and the outcome is classified from the cause. Removed once the handshake completes.
 */
final class ConnectOutcomeHandler extends ChannelInboundHandlerAdapter {

    private Throwable firstFailure;

    /** The first exception seen, or {@code null}. */
    Throwable firstFailure() {
        return firstFailure;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (firstFailure == null) {
            firstFailure = cause;
        }
        ctx.close(); // the attempt is over; the connector reports how it ended
    }
}

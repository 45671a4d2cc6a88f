package dev.censorsim.messenger;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Counts the application bytes a client connection reads and writes, by the transport that carries them (a QUIC
 * stream, or TLS over TCP), so a phase reports which transport carried its traffic. Sits where the session's frames
 * enter and leave the transport: right after the {@code SslHandler} on TCP, at the head of a QUIC stream. Only with
 * QUIC first on; the plain TCP client has nothing to compare.
 */
@ChannelHandler.Sharable
final class TransportBytesHandler extends ChannelDuplexHandler {

    private final MessengerMetrics metrics;
    private final boolean quic;

    TransportBytesHandler(MessengerMetrics metrics, boolean quic) {
        this.metrics = metrics;
        this.quic = quic;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            metrics.transportBytes(quic, buf.readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            metrics.transportBytes(quic, buf.readableBytes());
        }
        ctx.write(msg, promise);
    }
}

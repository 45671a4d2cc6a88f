package dev.censorsim.proxy;

import dev.censorsim.net.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;

/**
 * Makes a close on epoll end with a FIN, as it does on NIO. The JDK's NIO shuts a registered socket's output down
 * ({@code SHUT_WR}, a FIN) before its deferred close unless {@code SO_LINGER} is 0; Netty's epoll transport calls
 * {@code close(2)} at once, and Linux answers a close with unread bytes still in the receive queue with an RST instead
 * of a FIN (RFC 2525 2.17). So on epoll a black-holed client closed for idleness, or a client outside the allow list
 * that had already sent its greeting, saw a reset where NIO gave it an orderly end. Here the output is shut down first,
 * so the FIN goes out, then the close proceeds (Linux still resets after the FIN if bytes were unread, but the peer
 * reads the FIN, its end of stream, first). A deliberate reset ({@code SO_LINGER} 0, the {@code reset} action) is left
 * alone. Installed first in the pipeline, so that every close, whichever handler asks for it, passes here.
 */
@ChannelHandler.Sharable
final class GracefulClose extends ChannelOutboundHandlerAdapter {

    static final String NAME = "graceful-close";
    private static final GracefulClose INSTANCE = new GracefulClose();

    private GracefulClose() {
    }

    /**
     * Adds the handler at the head of {@code channel}'s pipeline when the channel is a native one, epoll's or io_uring's (NIO does this itself).
     * The channel's own transport, not the default: transparent front ends run on epoll whatever the default.
     */
    static void install(Channel channel) {
        if (Transport.of(channel) != Transport.NIO) {
            channel.pipeline().addFirst(NAME, INSTANCE);
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        Channel channel = ctx.channel();
        if (channel instanceof DuplexChannel duplex && channel.isActive() && !duplex.isOutputShutdown()) {
            Integer linger = channel.config().getOption(ChannelOption.SO_LINGER);
            if (linger == null || linger != 0) {
                duplex.shutdownOutput();
            }
        }
        ctx.close(promise);
    }
}

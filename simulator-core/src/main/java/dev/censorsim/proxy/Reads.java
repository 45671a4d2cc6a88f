package dev.censorsim.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;

/**
 * Reads on demand, never after the channel's input is shut down. NIO ignores such a read, but Netty's epoll transport
 * fails it with {@code epoll_ctl(..) failed with error(-2)} (ENOENT), and on epoll the input can shut down at any time
 * without a read having been asked for: {@code EPOLLRDHUP} makes it read the peer's last bytes and its FIN whatever
 * {@code AUTO_READ} says. Every read the relay and its front ends ask for goes through here.
 */
final class Reads {

    private Reads() {
    }

    /** Whether nothing more can be read from {@code channel}: its peer's FIN has arrived (or it is closed). */
    static boolean inputDone(Channel channel) {
        return !channel.isActive() || channel instanceof DuplexChannel duplex && duplex.isInputShutdown();
    }

    /** {@code channel.read()} unless its input is done. */
    static void request(Channel channel) {
        if (!inputDone(channel)) {
            channel.read();
        }
    }

    /** {@code ctx.read()} unless its channel's input is done. */
    static void request(ChannelHandlerContext ctx) {
        if (!inputDone(ctx.channel())) {
            ctx.read();
        }
    }
}

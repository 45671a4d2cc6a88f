package dev.censorsim.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The one place that decides which Netty transport censorsim runs on: Linux epoll (Netty's native transport, which
 * also gives {@code IP_TRANSPARENT}, {@code splice} and {@code TCP_INFO}) where it loads, NIO everywhere else.
 *
 * <p>Every event loop group and every channel is made through {@link #current()}, because a channel can only be
 * registered on an event loop of its own transport. {@code -Dcensorsim.transport=nio} forces NIO (to compare the two,
 * or to rule the native library out when chasing a bug); {@code epoll} insists on epoll and fails loudly when it
 * cannot load.
 */
public enum Transport {
    EPOLL(EpollIoHandler::newFactory, EpollServerSocketChannel::new, EpollSocketChannel::new) {
        @Override
        public DatagramChannel newDatagramChannel(SocketProtocolFamily family) {
            return new EpollDatagramChannel(family);
        }
    },
    NIO(NioIoHandler::newFactory, NioServerSocketChannel::new, NioSocketChannel::new) {
        @Override
        public DatagramChannel newDatagramChannel(SocketProtocolFamily family) {
            return new NioDatagramChannel(family);
        }
    };

    /** The system property that chooses the transport: {@code auto} (the default), {@code epoll} or {@code nio}. */
    public static final String PROPERTY = "censorsim.transport";

    private static final Transport CURRENT = choose(System.getProperty(PROPERTY, "nio"));

    private final Supplier<IoHandlerFactory> ioHandlerFactory;
    private final Supplier<ServerChannel> serverSocketChannel;
    private final Supplier<SocketChannel> socketChannel;

    Transport(Supplier<IoHandlerFactory> ioHandlerFactory, Supplier<ServerChannel> serverSocketChannel,
              Supplier<SocketChannel> socketChannel) {
        this.ioHandlerFactory = ioHandlerFactory;
        this.serverSocketChannel = serverSocketChannel;
        this.socketChannel = socketChannel;
    }

    /** The transport this JVM runs on (decided once, at class load). */
    public static Transport current() {
        return CURRENT;
    }

    static Transport choose(String setting) {
        switch (setting.trim().toLowerCase(Locale.ROOT)) {
            case "nio":
                return NIO;
            case "epoll":
                Epoll.ensureAvailability();
                return EPOLL;
            case "auto":
            case "":
                return Epoll.isAvailable() ? EPOLL : NIO;
            default:
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + setting + ": expected auto, epoll or nio");
        }
    }

    /** Why epoll is not in use, or {@code null} when it is; for a start-up log line. */
    public static String epollUnavailabilityReason() {
        if (CURRENT == EPOLL) {
            return null;
        }
        Throwable cause = Epoll.unavailabilityCause();
        return cause == null ? "NIO chosen with -D" + PROPERTY + "=nio" : String.valueOf(cause.getMessage());
    }

    /** A new group of {@code threads} event loops on daemon threads named {@code name-N}. */
    public EventLoopGroup newGroup(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), ioHandlerFactory.get());
    }

    /** For {@code ServerBootstrap.channelFactory}. */
    public ServerChannel newServerSocketChannel() {
        return serverSocketChannel.get();
    }

    /** For {@code Bootstrap.channelFactory} on the client side. */
    public SocketChannel newSocketChannel() {
        return socketChannel.get();
    }

    /**
     * A datagram socket of one address family only: a dual-stack socket would map every IPv4 peer to an IPv4-mapped
     * IPv6 address, allocating one on each send.
     */
    public abstract DatagramChannel newDatagramChannel(SocketProtocolFamily family);

    /** A datagram socket of {@code address}'s family. */
    public DatagramChannel newDatagramChannel(InetSocketAddress address) {
        return newDatagramChannel(familyOf(address));
    }

    /** The protocol family of an address. */
    public static SocketProtocolFamily familyOf(InetSocketAddress address) {
        return address.getAddress() instanceof Inet6Address ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
    }
}

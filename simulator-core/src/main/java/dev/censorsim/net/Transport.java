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
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The one place that decides which Netty transport censorsim runs on: Linux epoll (Netty's native transport, which
 * also gives {@code IP_TRANSPARENT}, {@code splice}, {@code recvmmsg} and {@code TCP_INFO}) where it loads, NIO
 * everywhere else.
 *
 * <p>Every event loop group and every channel is made through {@link #current()}, because a channel can only be
 * registered on an event loop of its own transport. {@code -Dcensorsim.transport=} {@code auto} (the default: epoll
 * where its native library loads, NIO otherwise), {@code epoll} (insists on epoll and fails loudly when it cannot
 * load), {@code nio} (the JDK's selector transport, the fallback on every other platform) or {@code io_uring} (an
 * explicit choice, see {@link #IO_URING}).
 *
 * <p>Epoll is the default because it is faster where it counts and behaves the same: the DNS server receives 16
 * queries per {@code recvmmsg(2)}, and the relay reads and writes straight from native memory without the JDK's
 * selector bookkeeping. Its three differences from NIO are handled where they show: Netty's epoll transport reads a
 * peer's last bytes and its FIN on {@code EPOLLRDHUP} whether or not a read was asked for (front ends keep them and
 * hand them to the flow, {@code proxy.PendingClientInput}), fails a {@code read()} after that input shutdown with
 * {@code epoll_ctl(..) ENOENT} (every read goes through {@code proxy.Reads}, never after input shutdown) and, for the
 * same Netty bug, a write that stalls on a half-closed socket (flows pin {@code EPOLLERR}, see
 * {@code io.netty.channel.epoll.EpollInterestPin}), and closes at
 * once where the JDK sends a FIN first ({@code proxy.GracefulClose} shuts the output down before a close). A fourth
 * difference belongs to UDP: a <em>connected</em> {@code EpollDatagramChannel} never delivers a zero-length datagram
 * (NIO does, and so does an unconnected epoll socket), so a relay that connects its flow sockets must not rely on
 * reading one. The suite runs on the default; {@code proxy.NioTransportRelayTest} keeps the NIO relay covered, and
 * {@code -Dcensorsim.transport=nio} runs any test on NIO. Front ends that need epoll's
 * socket options (transparent interception needs {@code IP_TRANSPARENT}) run on epoll whatever the default
 * ({@link #forFrontEnd}), and channels opened beside another channel follow its transport ({@link #of}).
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
    },
    /**
     * Linux io_uring (Netty's {@code netty-transport-native-io_uring}, kernel 5.9 or later): an explicit choice only,
     * never picked by {@code auto}. Under wrk through the relay with one event loop it took about 0.3
     * {@code io_uring_enter} per request where epoll makes four socket calls, and the least CPU per request of the
     * variants measured, but the transport suites (proxy, UDP, DNS) have not been run on it, so epoll stays the
     * default. Transparent front ends need epoll whatever is chosen ({@link #forFrontEnd}).
     */
    IO_URING(IoUringIoHandler::newFactory, IoUringServerSocketChannel::new, IoUringSocketChannel::new) {
        @Override
        public DatagramChannel newDatagramChannel(SocketProtocolFamily family) {
            return new IoUringDatagramChannel(family);
        }
    };

    /**
     * The system property that chooses the transport: {@code auto} (the default), {@code epoll}, {@code io_uring} or
     * {@code nio}.
     */
    public static final String PROPERTY = "censorsim.transport";

    private static final Transport CURRENT = choose(System.getProperty(PROPERTY));

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

    /** The transport a {@link #PROPERTY} setting asks for; {@code null} (unset) is {@code auto}. */
    static Transport choose(String setting) {
        switch (setting == null ? "auto" : setting.trim().toLowerCase(Locale.ROOT)) {
            case "nio":
                return NIO;
            case "epoll":
                Epoll.ensureAvailability();
                return EPOLL;
            case "io_uring":
            case "iouring":
                IoUring.ensureAvailability();
                return IO_URING;
            case "auto":
            case "":
                return Epoll.isAvailable() ? EPOLL : NIO;
            default:
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + setting + ": expected auto, epoll, io_uring or nio");
        }
    }

    /**
     * The transport a front end runs on: epoll when it must have it (transparent interception needs
     * {@code IP_TRANSPARENT}), else {@link #current()}.
     *
     * @throws IllegalStateException when epoll is required and cannot load, with the reason
     */
    public static Transport forFrontEnd(boolean needsEpoll) {
        if (!needsEpoll) {
            return CURRENT;
        }
        if (!Epoll.isAvailable()) {
            Throwable cause = Epoll.unavailabilityCause();
            throw new IllegalStateException("needs Netty's epoll transport (IP_TRANSPARENT), which is unavailable: "
                    + (cause == null ? "unknown reason" : cause.getMessage()));
        }
        return EPOLL;
    }

    /**
     * The transport of {@code channel}: a channel opened on the event loop of another (an upstream connection, a
     * flow's UDP socket) must be of the same transport.
     */
    public static Transport of(io.netty.channel.Channel channel) {
        if (channel instanceof EpollSocketChannel || channel instanceof EpollDatagramChannel
                || channel instanceof EpollServerSocketChannel) {
            return EPOLL;
        }
        if (channel instanceof IoUringSocketChannel || channel instanceof IoUringDatagramChannel
                || channel instanceof IoUringServerSocketChannel) {
            return IO_URING;
        }
        return NIO;
    }

    /** Why epoll is not in use, or {@code null} when it is; for a start-up log line. */
    public static String epollUnavailabilityReason() {
        if (CURRENT == EPOLL) {
            return null;
        }
        if (CURRENT == IO_URING) {
            return "io_uring chosen with -D" + PROPERTY + "=io_uring";
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

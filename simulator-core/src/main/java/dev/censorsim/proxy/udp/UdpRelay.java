package dev.censorsim.proxy.udp;

import dev.censorsim.net.Transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.util.NetUtil;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The UDP censor: a forward relay that gives each client address and port its own flow and upstream socket,
 * recognises the flow's datagrams (QUIC, DNS, DTLS, STUN, RTP/RTCP), asks the policy for a verdict, and forwards,
 * drops, loses, delays or polices datagrams over real sockets. Idle flows end after the idle timeout.
 *
 * <pre>{@code
 * try (UdpRelay relay = UdpRelay.start(UdpRelayOptions.forward(server).policy(holder).build())) {
 *     socket.send(datagram, relay.localAddress());
 * }
 * }</pre>
 *
 * <p>One event loop serves the whole relay: a datagram relay has no per-flow blocking to spread, and one thread keeps
 * every flow's state unsynchronised. Pipeline: {@link EmptyDatagramHandler} then {@link #FRONTEND_HANDLER} on the
 * listening channel,
 * {@link #UPSTREAM_HANDLER} on each flow's upstream channel. Each socket reads a burst of datagrams per wake-up
 * and what a burst produced is flushed once at its end ({@code sendmmsg(2)} on epoll);
 * see {@code DatagramBatches}.
 */
public final class UdpRelay implements AutoCloseable {

    /** Pipeline name of {@code UdpFrontendHandler} on the listening channel. */
    public static final String FRONTEND_HANDLER = "censorsim.udpFrontend";
    /** Pipeline name of {@code UdpUpstreamHandler} on each flow's upstream channel. */
    public static final String UPSTREAM_HANDLER = "censorsim.udpUpstream";

    /** Pipeline name of the writability watcher on each transparent flow's reply channel. */
    public static final String REPLY_HANDLER = "censorsim.udpReply";

    private static final long SHUTDOWN_TIMEOUT_MILLIS = 3_000;
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;

    private final EventLoopGroup group;
    private final Channel channel;
    private final UdpFrontendHandler frontend;

    private UdpRelay(EventLoopGroup group, Channel channel, UdpFrontendHandler frontend) {
        this.group = group;
        this.channel = channel;
        this.frontend = frontend;
    }

    /**
     * Binds and returns once the relay receives datagrams.
     *
     * @throws IOException              when the listen address cannot be bound
     * @throws IllegalArgumentException when the upstream is the relay's own listen address (a loop)
     */
    public static UdpRelay start(UdpRelayOptions options) throws IOException {
        Transport transport;
        try {
            transport = Transport.forFrontEnd(options.isTransparent());
        } catch (IllegalStateException e) {
            throw new IOException("a transparent UDP relay " + e.getMessage());
        }
        return start(options, transport);
    }

    /**
     * Binds on the given transport rather than the JVM's {@link Transport#current()}: tests run the relay on NIO and
     * on epoll in one JVM. A transparent relay needs {@link Transport#EPOLL}.
     */
    static UdpRelay start(UdpRelayOptions options, Transport transport) throws IOException {
        dev.censorsim.proxy.LoggingWarmUp.run();
        if (options.loopMark()) {
            dev.censorsim.proxy.LoopGuard.announceMarking(options.upstream());
        }
        EventLoopGroup group = transport.newGroup(1, "censorsim-udp");
        // On epoll every socket of the relay reads a burst with one recvmmsg(2) into this area (see DatagramBatches).
        DatagramBatches.ReceiveArea area = transport == Transport.EPOLL ? new DatagramBatches.ReceiveArea() : null;
        UdpFrontendHandler frontend = new UdpFrontendHandler(options, area);
        Bootstrap bootstrap = new Bootstrap();
        if (options.isTransparent()) {
            // TPROXY hands datagrams only to a transparent socket; IP_RECVORIGDSTADDR puts each one's original
            // destination into the DatagramPacket's recipient.
            bootstrap.option(EpollChannelOption.IP_TRANSPARENT, true)
                    .option(EpollChannelOption.IP_RECVORIGDSTADDR, true);
        }
        // A burst of client datagrams per read, each whole however long (up to 65,535 B).
        DatagramBatches.configure(bootstrap, area);
        ChannelFuture bind = bootstrap
                .group(group)
                // A socket of the listen address's own family: a dual-stack socket would map every IPv4 peer to
                // an IPv4-mapped IPv6 address, allocating one on each send.
                .channelFactory(() -> transport.newDatagramChannel(options.listen()))
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES)
                .handler(new io.netty.channel.ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        EmptyDatagramHandler.addTo(ch);
                        ch.pipeline().addLast(FRONTEND_HANDLER, frontend);
                    }
                })
                .bind(options.listen());
        try {
            bind.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutDown(group);
            throw new InterruptedIOException("interrupted while binding " + options.listen());
        }
        if (!bind.isSuccess()) {
            shutDown(group);
            throw new IOException("cannot listen for UDP on " + NetUtil.toSocketAddressString(options.listen()) + ": "
                    + bind.cause().getMessage(), bind.cause());
        }
        InetSocketAddress bound = (InetSocketAddress) bind.channel().localAddress();
        if (!options.isTransparent() && dev.censorsim.proxy.LoopGuard.reaches(options.upstream(), bound)) {
            bind.channel().close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
            shutDown(group);
            throw new IllegalArgumentException("upstream " + NetUtil.toSocketAddressString(options.upstream())
                    + " is this relay's own listen address " + NetUtil.toSocketAddressString(bound)
                    + ": every datagram would loop back into the relay");
        }
        return new UdpRelay(group, bind.channel(), frontend);
    }

    /** The bound address, with the real port when the options asked for port 0. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Flows open right now (a volatile read, fine from any thread). */
    public int liveFlows() {
        return frontend.liveFlows();
    }

    /** Ends every flow (each reports its record as {@code shutdown}), closes the sockets and stops the thread. */
    @Override
    public void close() {
        if (channel.eventLoop().isShuttingDown()) {
            return;
        }
        channel.eventLoop().submit(() -> frontend.endAll(UdpFlowEnd.SHUTDOWN))
                .awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
        channel.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
        shutDown(group);
    }

    private static void shutDown(EventLoopGroup group) {
        group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS + 1_000);
    }
}

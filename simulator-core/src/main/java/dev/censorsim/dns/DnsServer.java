package dev.censorsim.dns;

import dev.censorsim.net.Transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ChannelConfig;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * censorsim's DNS server: authoritative for its zones, with record surgery from the policy's DNS rules, on UDP and
 * TCP at the same port. Start with {@link #start(DnsServerOptions)}, stop with {@link #close()}.
 *
 * <p>TCP pipeline, in order: {@value #IDLE} ({@link IdleStateHandler}), {@value #FRAMES} (the RFC 1035 4.2.2 two-byte
 * length), {@value #QUERIES} ({@link TcpQueryHandler}). UDP: {@value #QUERIES} ({@link UdpQueryHandler}) alone.
 */
public final class DnsServer implements AutoCloseable {

    static final String IDLE = "idle";
    static final String FRAMES = "frames";
    static final String QUERIES = "queries";
    private static final int BIND_ATTEMPTS = 8;
    /**
     * Queries are received in slots of {@value #MAX_QUERY_BYTES} bytes on every transport (a longer query is cut to
     * that and answered FORMERR; real queries, EDNS options included, stay well under 512). On epoll they come
     * {@value #RECVMMSG_BATCH} at a time with one {@code recvmmsg(2)}; elsewhere one per read, in a buffer of that
     * size rather than Netty's default 2,048 bytes, so a query's fate does not depend on the transport.
     */
    static final int MAX_QUERY_BYTES = 4096;
    static final int RECVMMSG_BATCH = 16;
    /**
     * Datagrams NIO reads per wake-up, its own default (Netty's {@code NioDatagramChannel} metadata): an allocator set
     * through {@code RCVBUF_ALLOCATOR} reads one, which cost NIO a quarter of its queries/s against dnsperf.
     */
    private static final int NIO_READS_PER_WAKEUP = 16;

    private final EventLoopGroup group;
    private final Channel udp;
    private final Channel tcp;
    private final ChannelGroup connections;
    private final DnsForwarder forwarder;

    private DnsServer(EventLoopGroup group, Channel udp, Channel tcp, ChannelGroup connections,
                      DnsForwarder forwarder) {
        this.group = group;
        this.udp = udp;
        this.tcp = tcp;
        this.connections = connections;
        this.forwarder = forwarder;
    }

    /**
     * Binds UDP and TCP on {@code options.listen()} (with port 0, one ephemeral port shared by both) and starts
     * serving.
     *
     * @throws IllegalStateException when the address cannot be bound
     */
    public static DnsServer start(DnsServerOptions options) {
        return start(options, Transport.current());
    }

    /**
     * Binds on {@code transport} rather than the JVM's {@link Transport#current()}: tests run the server on NIO and on
     * epoll in one JVM.
     */
    static DnsServer start(DnsServerOptions options, Transport transport) {
        EventLoopGroup group = transport.newGroup(1, "censorsim-dns");
        DnsForwarder forwarder = null;
        try {
            forwarder = options.upstream() == null ? null
                    : new DnsForwarder(options.upstream(), options.upstreamTimeout(), group, transport);
            DnsResponder responder = new DnsResponder(options.zones(), options.policy(), forwarder,
                    options::allows);
            ChannelGroup connections = new DefaultChannelGroup("censorsim-dns-tcp", GlobalEventExecutor.INSTANCE);
            Bootstrap udpBootstrap = new Bootstrap().group(group)
                    .channelFactory(() -> transport.newDatagramChannel(options.listen()))
                    .handler(new ChannelInitializer<DatagramChannel>() {
                        @Override
                        protected void initChannel(DatagramChannel ch) {
                            ch.pipeline().addLast(QUERIES, new UdpQueryHandler(responder, options.maxUdpPayload(),
                                    options.queryListener(), options.rateLimit() == null ? null
                                    : new ResponseRateLimiter(options.rateLimit().responsesPerSecond(),
                                            options.rateLimit().includeLoopback()),
                                    options.rateLimit() != null && options.rateLimit().drop()));
                        }
                    });
            if (transport == Transport.EPOLL) {
                udpBootstrap.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_QUERY_BYTES)
                        .option(ChannelOption.RCVBUF_ALLOCATOR,
                                new FixedRecvByteBufAllocator(MAX_QUERY_BYTES * RECVMMSG_BATCH));
            } else {
                // A new allocator reads one message per wake-up unless told otherwise: keep NIO's own 16.
                udpBootstrap.option(ChannelOption.RCVBUF_ALLOCATOR,
                        new FixedRecvByteBufAllocator(MAX_QUERY_BYTES).maxMessagesPerRead(NIO_READS_PER_WAKEUP));
            }
            long idleMillis = options.tcpIdleTimeout().toMillis();
            ServerBootstrap tcpBootstrap = new ServerBootstrap().group(group)
                    .channelFactory(transport::newServerSocketChannel)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            connections.add(ch);
                            ch.pipeline().addLast(IDLE, new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS))
                                    .addLast(FRAMES, new LengthFieldBasedFrameDecoder(0xffff + 2, 0, 2, 0, 2))
                                    .addLast(QUERIES, new TcpQueryHandler(responder, options.maxUdpPayload(),
                                            options.queryListener()));
                        }
                    });
            InetSocketAddress listen = options.listen();
            Exception last = null;
            for (int attempt = 0; attempt < (listen.getPort() == 0 ? BIND_ATTEMPTS : 1); attempt++) {
                Channel udp = null;
                try {
                    udp = udpBootstrap.bind(listen).syncUninterruptibly().channel();
                    int port = ((InetSocketAddress) udp.localAddress()).getPort();
                    Channel tcp = tcpBootstrap.bind(new InetSocketAddress(listen.getAddress(), port))
                            .syncUninterruptibly().channel();
                    return new DnsServer(group, udp, tcp, connections, forwarder);
                } catch (Exception e) {
                    // Netty rethrows the checked BindException undeclared, hence Exception. With port 0 the ephemeral
                    // UDP port may be taken on TCP; try another pair.
                    last = e;
                    if (udp != null) {
                        udp.close().awaitUninterruptibly();
                    }
                }
            }
            throw new IllegalStateException("cannot listen on " + listen + ": " + last.getMessage(), last);
        } catch (Exception e) {
            if (forwarder != null) {
                forwarder.close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
            throw e instanceof IllegalStateException ise ? ise
                    : new IllegalStateException("cannot start the DNS server: " + e.getMessage(), e);
        }
    }

    /** The bound UDP address (the real port when 0 was asked for). */
    public InetSocketAddress udpAddress() {
        return (InetSocketAddress) udp.localAddress();
    }

    /** The UDP channel's configuration, for tests of how it reads. */
    ChannelConfig udpConfig() {
        return udp.config();
    }

    /** The bound TCP address: the same port as {@link #udpAddress()}. */
    public InetSocketAddress tcpAddress() {
        return (InetSocketAddress) tcp.localAddress();
    }

    /** Stops listening, closes TCP connections and stops the thread; bounded wait. */
    @Override
    public void close() {
        udp.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        tcp.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        if (forwarder != null) {
            forwarder.close();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}

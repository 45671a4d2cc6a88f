package dev.censorsim.proxy;

import dev.censorsim.capture.CaptureHandler;
import dev.censorsim.net.Transport;
import dev.censorsim.policy.PolicyHolder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollInterestPin;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.socksx.SocksPortUnificationServerHandler;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The TCP censor: a port-forward, SOCKS5 or HTTP CONNECT proxy that classifies each flow's first bytes, asks the policy for a
 * verdict, and relays, shapes, delays, freezes, black-holes or resets the flow over real sockets.
 *
 * <pre>{@code
 * try (CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server).policy(holder).build())) {
 *     connect(proxy.localAddress());
 * }
 * }</pre>
 */
public final class CensorProxy implements AutoCloseable {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(CensorProxy.class);

    /** How long {@link #close()} waits for event loops to finish; open flows are closed, not drained. */
    private static final long SHUTDOWN_TIMEOUT_MILLIS = 3_000;
    private final EventLoopGroup group;
    private final ChannelGroup channels;
    private final ProxyRuntime runtime;
    private final Channel serverChannel;
    private final PolicyHolder.Subscription swaps;

    private CensorProxy(EventLoopGroup group, ChannelGroup channels, ProxyRuntime runtime, Channel serverChannel) {
        this.group = group;
        this.channels = channels;
        this.runtime = runtime;
        this.serverChannel = serverChannel;
        PolicyHolder holder = runtime.options().swapSource();
        this.swaps = holder != null && runtime.options().reevaluateOnSwap()
                ? holder.subscribe(next -> runtime.reevaluateAll())
                : null;
    }

    /**
     * Binds and returns once the proxy accepts connections.
     *
     * @throws IOException              when the listen address cannot be bound
     * @throws IllegalArgumentException when the upstream is the proxy's own listen address (a loop)
     */
    public static CensorProxy start(ProxyOptions options) throws IOException {
        boolean transparent = options.mode() == ProxyMode.TRANSPARENT;
        Transport transport;
        try {
            transport = Transport.forFrontEnd(transparent);
        } catch (IllegalStateException e) {
            throw new IOException("transparent mode " + e.getMessage());
        }
        return start(options, transport);
    }

    /**
     * Binds on {@code transport} whatever the JVM's default: the tests keep the NIO fallback covered while the default
     * is epoll. Upstream channels follow the client's transport ({@link Transport#of}).
     */
    static CensorProxy start(ProxyOptions options, Transport transport) throws IOException {
        LoggingWarmUp.run();
        if (options.loopMark()) {
            LoopGuard.announceMarking(options.upstream());
        }
        if (options.backlog() > NetUtil.SOMAXCONN) {
            // listen(2) silently truncates; say so, since a connect burst beyond the real queue is dropped.
            LOG.info("accept backlog {} is capped by the kernel at net.core.somaxconn = {} (raise it with sysctl "
                    + "to queue more connects)", options.backlog(), NetUtil.SOMAXCONN);
        }
        boolean transparent = options.mode() == ProxyMode.TRANSPARENT;
        if (transparent && transport != Transport.EPOLL) {
            throw new IllegalArgumentException("transparent mode needs epoll, not " + transport);
        }
        EventLoopGroup group = transport.newGroup(options.ioThreads(), "censorsim-proxy");
        ChannelGroup channels = new DefaultChannelGroup("censorsim-proxy", GlobalEventExecutor.INSTANCE);
        ProxyRuntime runtime = new ProxyRuntime(options, channels);
        ClientFilterHandler filter = new ClientFilterHandler(options.allowedClients());

        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channelFactory(transport::newServerSocketChannel)
                .option(ChannelOption.SO_BACKLOG, options.backlog())
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(new AcceptBackoffHandler((options.mode() == ProxyMode.SOCKS ? "SOCKS5" : "proxy") + " on "
                        + FlowRecord.format(options.listen())))
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (!runtime.admit(ch)) {
                            return;
                        }
                        runtime.track(ch);
                        if (!runtime.admitPath(ch)) {
                            return;
                        }
                        if (options.capture() != null) {
                            ch.pipeline().addLast(PipelineNames.CAPTURE, new CaptureHandler(options.capture()));
                        }
                        GracefulClose.install(ch);
                        EpollInterestPin.pin(ch); // before the client's FIN can empty its epoll interest set
                        ch.pipeline().addLast(PipelineNames.CLIENT_FILTER, filter);
                        if (transparent) {
                            InetSocketAddress listener = (InetSocketAddress) ch.parent().localAddress();
                            ch.pipeline().addLast(PipelineNames.FRONTEND,
                                    new TransparentFrontendHandler(runtime, listener));
                        } else if (options.mode() == ProxyMode.SOCKS) {
                            ch.pipeline().addLast(PipelineNames.HANDSHAKE_TIMEOUT,
                                    new HandshakeTimeoutHandler(options.handshakeTimeout().toNanos()));
                            ch.pipeline().addLast(PipelineNames.SOCKS_DETECT, new SocksPortUnificationServerHandler());
                            ch.pipeline().addLast(PipelineNames.FRONTEND, new SocksFrontendHandler(runtime));
                        } else if (options.mode() == ProxyMode.HTTP) {
                            ch.pipeline().addLast(PipelineNames.FRONTEND, new HttpProxyFrontendHandler(runtime));
                        } else {
                            ch.pipeline().addLast(PipelineNames.FRONTEND, new ForwardFrontendHandler(runtime));
                        }
                    }
                });
        if (transparent) {
            // TPROXY only hands flows to a listener marked transparent; accepted sockets inherit the flag.
            bootstrap.option(EpollChannelOption.IP_TRANSPARENT, true);
        }
        ChannelFuture bind = bootstrap.bind(options.listen());
        try {
            bind.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutDown(group);
            throw new InterruptedIOException("interrupted while binding " + options.listen());
        }
        if (!bind.isSuccess()) {
            shutDown(group);
            throw new IOException("cannot listen on " + FlowRecord.format(options.listen()) + ": "
                    + bind.cause().getMessage(), bind.cause());
        }
        InetSocketAddress bound = (InetSocketAddress) bind.channel().localAddress();
        runtime.listening(bound);
        if (options.upstream() != null && ProxyRuntime.reaches(options.upstream(), bound)) {
            bind.channel().close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
            shutDown(group);
            throw new IllegalArgumentException("upstream " + FlowRecord.format(options.upstream())
                    + " is this proxy's own listen address " + FlowRecord.format(bound)
                    + ": every flow would loop back into the proxy");
        }
        return new CensorProxy(group, channels, runtime, bind.channel());
    }

    /** The transport this proxy's listener and flows run on. */
    Transport transport() {
        return Transport.of(serverChannel);
    }

    /** The bound address, with the real port when the options asked for port 0. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /**
     * Re-evaluates every live flow against the policy source's current answer, as a swap of the options'
     * {@link PolicyHolder} does. Returns at once; each flow changes on its own event loop, and the future completes
     * once all have (a scenario can wait on it before measuring a new phase). For proxies driven by a plain
     * {@link FlowPolicy} supplier, whose changes the proxy cannot observe.
     */
    public CompletableFuture<Void> reevaluate() {
        return runtime.reevaluateAll();
    }

    /** Flows currently relaying (connected upstream and not yet ended): what a re-evaluation visits. */
    public int liveFlows() {
        return runtime.liveFlowCount();
    }

    /**
     * Client and upstream sockets this proxy holds open right now, in every state (negotiating, classifying,
     * relaying, draining): what a leak would show up in. The listening socket is not counted.
     */
    public int openChannels() {
        return runtime.openChannelCount();
    }

    /**
     * The live flows as they are now, each read on its own event loop; completes once every loop answered. For a
     * control API's flow list: callable from any thread, never on one of this proxy's event loops if it must block.
     */
    public CompletableFuture<java.util.List<LiveFlow>> flows() {
        return runtime.snapshotAll();
    }

    /** Stops accepting, closes every open flow (each reports its record), and stops the threads; bounded wait. */
    @Override
    public void close() {
        if (swaps != null) {
            swaps.close();
        }
        runtime.shuttingDown();
        serverChannel.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
        channels.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
        shutDown(group);
    }

    private static void shutDown(EventLoopGroup group) {
        group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS + 1_000);
    }
}

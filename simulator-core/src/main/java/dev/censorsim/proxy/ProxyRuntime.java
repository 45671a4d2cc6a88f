package dev.censorsim.proxy;

import dev.censorsim.net.Transport;
import dev.censorsim.policy.action.ResidualBlock;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.epoll.EpollInterestPin;
import io.netty.channel.group.ChannelGroup;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every flow of one {@link CensorProxy} shares: options, the open channels, the live flows, the policy
 * generation and the shutdown flag.
 */
final class ProxyRuntime {

    private static final io.netty.util.internal.logging.InternalLogger LOG =
            io.netty.util.internal.logging.InternalLoggerFactory.getInstance(CensorProxy.class);

    private final ProxyOptions options;
    private final ChannelGroup channels;
    /** Flows with an upstream, added when they start and removed when they report: bounded by open connections. */
    private final Set<Flow> liveFlows = ConcurrentHashMap.newKeySet();
    /**
     * Bumped before each re-evaluation round. A flow remembers the generation it last evaluated against, so a flow
     * that starts while a round is being handed out is re-evaluated once, not zero times or twice.
     */
    private final AtomicLong policyGeneration = new AtomicLong();
    private volatile boolean shuttingDown;
    /** Client connections open now, against {@link ProxyOptions#maxFlows()}. */
    private final AtomicInteger clients = new AtomicInteger();
    private final RateLimitedWarning capReached;
    private final RateLimitedWarning loopDetected;
    /** The bound listen address, set once the listener is up. */
    private volatile InetSocketAddress bound;
    /** Residual block state left by reset and blackhole actions; outlives flows and policy swaps, as a box's does. */
    private final ResidualTable residual = new ResidualTable(ResidualTable.DEFAULT_CAPACITY);

    ProxyRuntime(ProxyOptions options, ChannelGroup channels) {
        this.options = options;
        this.channels = channels;
        this.capReached = new RateLimitedWarning(LOG, 10, TimeUnit.SECONDS);
        this.loopDetected = new RateLimitedWarning(LOG, 10, TimeUnit.SECONDS);
    }

    /**
     * Counts an accepted client against the flow cap; returns {@code false}, having reset it, when the cap is
     * reached. Called from the channel initialiser, before any byte is read.
     */
    boolean admit(Channel client) {
        if (clients.incrementAndGet() > options.maxFlows()) {
            clients.decrementAndGet();
            capReached.warn(FlowRecord.format(options.listen()) + ": " + options.maxFlows()
                    + " client connections open, the cap (--max-flows); resetting new clients");
            client.config().setOption(ChannelOption.SO_LINGER, 0);
            client.close();
            return false;
        }
        client.closeFuture().addListener(f -> clients.decrementAndGet());
        return true;
    }

    /** Verdicts kept per 4-tuple past their connection ({@code state-timeout}); outlives flows and policy swaps. */
    private final FlowStateTable flowState = new FlowStateTable(FlowStateTable.DEFAULT_CAPACITY);

    FlowStateTable flowState() {
        return flowState;
    }

    ResidualTable residual() {
        return residual;
    }

    ProxyOptions options() {
        return options;
    }

    long policyGeneration() {
        return policyGeneration.get();
    }

    void register(Flow flow) {
        liveFlows.add(flow);
    }

    void unregister(Flow flow) {
        liveFlows.remove(flow);
    }

    int liveFlowCount() {
        return liveFlows.size();
    }

    /**
     * Asks every live flow to re-read the policy, each on its own event loop; returns at once with a future that
     * completes when every flow has done so. Callable from any thread. A flow that registers during the round sees
     * the new generation itself (see {@link Flow#start}).
     */
    CompletableFuture<Void> reevaluateAll() {
        long generation = policyGeneration.incrementAndGet();
        CompletableFuture<Void> done = new CompletableFuture<>();
        // One extra count for this loop itself, so the round cannot complete while flows are still being handed out.
        AtomicInteger pending = new AtomicInteger(1);
        Runnable oneDone = () -> {
            if (pending.decrementAndGet() == 0) {
                done.complete(null);
            }
        };
        for (Flow flow : liveFlows) {
            pending.incrementAndGet();
            try {
                flow.eventLoop().execute(() -> {
                    try {
                        flow.reevaluate(generation);
                    } finally {
                        oneDone.run();
                    }
                });
            } catch (RejectedExecutionException shuttingDown) {
                // The loop is stopping; the flow is being closed anyway.
                oneDone.run();
            }
        }
        oneDone.run();
        return done;
    }

    /**
     * Hands residual state that catches open flows to every other live flow in its scope (the same client IP, unless
     * the scope is the server, to the same server IP and port), each on its own event loop. Called once per trigger,
     * not per packet: a walk over the open flows is cheap beside the connection that caused it.
     */
    void imposeResidual(Flow trigger, InetAddress client, InetSocketAddress server, ResidualBlock.Scope scope) {
        for (Flow flow : liveFlows) {
            if (flow == trigger || !server.equals(flow.serverAddress())
                    || scope == ResidualBlock.Scope.THREE_TUPLE
                    && !client.equals(flow.clientAddress().getAddress())) {
                continue;
            }
            try {
                flow.eventLoop().execute(flow::imposeResidual);
            } catch (RejectedExecutionException shuttingDown) {
                // The loop is stopping; the flow is being closed anyway.
            }
        }
    }

    void listening(InetSocketAddress boundAddress) {
        this.bound = boundAddress;
    }

    /** Whether connecting to {@code target} would reach this proxy's own listener (see {@link #reaches}). */
    boolean isSelf(InetSocketAddress target) {
        InetSocketAddress b = bound;
        return b != null && reaches(target, b);
    }

    /** Same as {@link LoopGuard#reaches}; kept for callers in this package. */
    static boolean reaches(InetSocketAddress target, InetSocketAddress listen) {
        return LoopGuard.reaches(target, listen);
    }

    /**
     * Refuses, with a reset, a client that is this process's own upstream connection coming back to this proxy
     * (see {@link LoopGuard}); otherwise gives the client its path, so this proxy's upstream connection carries it
     * on. Called from the channel initialiser, before any byte is read.
     */
    boolean admitPath(Channel client) {
        InetSocketAddress from = (InetSocketAddress) client.remoteAddress();
        LoopGuard.Path path = LoopGuard.arrivedTcp(from);
        String self = FlowRecord.format(bound != null ? bound : options.listen());
        if (path.contains(this)) {
            String detail = "loop: this process's own connection came back through " + path.describe() + " -> "
                    + self;
            loopDetected.warn(self + ": " + detail + "; resetting it (check the upstream of each proxy on the path)");
            reportUnconnected(from, null, null, System.nanoTime(), FlowEnd.REFUSED, detail);
            client.config().setOption(ChannelOption.SO_LINGER, 0);
            client.close();
            return false;
        }
        if (LoopGuard.tooManyHops(path)) {
            String detail = "loop between processes: the connection already went through " + path.hops()
                    + " censorsim proxies on this host (hop count in its source address "
                    + from.getAddress().getHostAddress() + ")";
            loopDetected.warn(self + ": " + detail + "; resetting it (check the upstream of each proxy on this host; "
                    + "this one forwards to " + upstreamName() + ")");
            reportUnconnected(from, null, null, System.nanoTime(), FlowEnd.REFUSED, detail);
            client.config().setOption(ChannelOption.SO_LINGER, 0);
            client.close();
            return false;
        }
        client.attr(LoopGuard.PATH).set(path.then(this, self));
        return true;
    }

    /** Where this proxy sends its flows, for log lines: the fixed upstream, or the kind of target its clients name. */
    private String upstreamName() {
        if (options.upstream() != null) {
            return FlowRecord.format(options.upstream());
        }
        return switch (options.mode()) {
            case SOCKS -> "the targets its SOCKS clients name";
            case HTTP -> "the targets its CONNECT clients name";
            default -> "the original destinations of its flows";
        };
    }

    /**
     * Snapshots every live flow on its own event loop (where its state lives); the future completes with all of them,
     * in no particular order. A flow whose loop is stopping is left out.
     */
    CompletableFuture<java.util.List<LiveFlow>> snapshotAll() {
        java.util.List<CompletableFuture<LiveFlow>> parts = new java.util.ArrayList<>();
        for (Flow flow : liveFlows) {
            CompletableFuture<LiveFlow> part = new CompletableFuture<>();
            try {
                flow.eventLoop().execute(() -> part.complete(flow.snapshot()));
            } catch (RejectedExecutionException shuttingDown) {
                part.complete(null);
            }
            parts.add(part);
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> parts.stream()
                .map(CompletableFuture::join).filter(java.util.Objects::nonNull).toList());
    }

    boolean isShuttingDown() {
        return shuttingDown;
    }

    void shuttingDown() {
        shuttingDown = true;
    }

    void track(Channel channel) {
        channels.add(channel);
    }

    /** The channel group drops each channel as it closes, so its size is the number of open sockets. */
    int openChannelCount() {
        return channels.size();
    }

    /**
     * Connects to {@code server} on the client's event loop, so a flow's two channels never need locking. The new
     * channel starts with auto-read off and half-closure allowed, like the client side.
     */
    ChannelFuture connectUpstream(Channel client, InetSocketAddress server) {
        Bootstrap bootstrap = new Bootstrap()
                .group(client.eventLoop())
                .channelFactory(Transport.of(client)::newSocketChannel)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // Relay handlers are added once the flow starts; nothing is read before that.
                        GracefulClose.install(ch);
                    }
                });
        LoopGuard.Path path = LoopGuard.pathOf(client);
        InetSocketAddress source = LoopGuard.sourceFor(server, path, options.loopMark());
        if (source == null) {
            ChannelFuture connect = bootstrap.connect(server);
            track(connect.channel());
            return connect.addListener(PIN_EPOLL_INTEREST);
        }
        // A target on this host may be a listener of this process: the source port is bound and remembered before
        // the SYN leaves, so that listener can recognise the connection as ours; towards loopback the source address
        // also carries the hop count, for listeners of other processes (LoopGuard).
        ChannelFuture registered = bootstrap.register();
        Channel channel = registered.channel();
        track(channel);
        // Completed on the client's loop, not the channel's: a channel whose registration failed (its loop shutting
        // down) has no loop, and a promise of its own could not notify its listeners (found by SocksHandshakeFuzzTest).
        ChannelPromise connected = new DefaultChannelPromise(channel, client.eventLoop());
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                // An unregistered channel has no pipeline loop to close through; Bootstrap closes it the same way.
                if (channel.isRegistered()) {
                    channel.close();
                } else {
                    channel.unsafe().closeForcibly();
                }
            }
        });
        registered.addListener(r -> {
            if (!r.isSuccess()) {
                connected.tryFailure(r.cause());
                return;
            }
            channel.bind(source).addListener(b -> {
                if (!b.isSuccess()) {
                    connected.tryFailure(b.cause());
                    return;
                }
                LoopGuard.outboundTcp(channel, path);
                channel.connect(server, connected);
            });
        });
        return connected.addListener(PIN_EPOLL_INTEREST);
    }

    /** Runs before the caller's listeners, so before the server's FIN can empty the socket's epoll interest set. */
    private static final ChannelFutureListener PIN_EPOLL_INTEREST = f -> {
        if (f.isSuccess()) {
            EpollInterestPin.pin(f.channel());
        }
    };

    /** Reports a flow that never reached its upstream. */
    void reportUnconnected(InetSocketAddress client, InetSocketAddress server, String target, long startNanos,
                           FlowEnd end, String detail) {
        FlowRecord record = new FlowRecord(client, server, target, null, null, "pass", 0, 0,
                System.nanoTime() - startNanos, end, detail);
        try {
            options.listener().flowEnded(record);
        } catch (RuntimeException ignored) {
            // A listener's failure must not affect the data plane.
        }
    }

    /** Classifies a failed upstream connect for the flow log. */
    static FlowEnd connectFailure(Throwable cause) {
        if (cause instanceof io.netty.channel.ConnectTimeoutException) {
            return FlowEnd.TIMEOUT;
        }
        if (cause instanceof java.net.ConnectException) {
            return FlowEnd.REFUSED;
        }
        return FlowEnd.ERROR;
    }
}

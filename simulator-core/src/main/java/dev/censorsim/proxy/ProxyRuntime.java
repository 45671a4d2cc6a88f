package dev.censorsim.proxy;

import dev.censorsim.net.Transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;

import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every flow of one {@link CensorProxy} shares: options, the open channels, the live flows, the policy
 * generation and the shutdown flag.
 */
final class ProxyRuntime {

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

    ProxyRuntime(ProxyOptions options, ChannelGroup channels) {
        this.options = options;
        this.channels = channels;
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

    boolean isShuttingDown() {
        return shuttingDown;
    }

    void shuttingDown() {
        shuttingDown = true;
    }

    void track(Channel channel) {
        channels.add(channel);
    }

    /**
     * Connects to {@code server} on the client's event loop, so a flow's two channels never need locking. The new
     * channel starts with auto-read off and half-closure allowed, like the client side.
     */
    ChannelFuture connectUpstream(Channel client, InetSocketAddress server) {
        ChannelFuture connect = new Bootstrap()
                .group(client.eventLoop())
                .channelFactory(Transport.current()::newSocketChannel)
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
                })
                .connect(server);
        track(connect.channel());
        return connect;
    }

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

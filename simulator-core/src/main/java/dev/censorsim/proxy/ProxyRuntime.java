package dev.censorsim.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/** What every flow of one {@link CensorProxy} shares: options, the open channels, the resolver, the shutdown flag. */
final class ProxyRuntime {

    private final ProxyOptions options;
    private final ChannelGroup channels;
    private final Executor resolver;
    private volatile boolean shuttingDown;

    ProxyRuntime(ProxyOptions options, ChannelGroup channels, Executor resolver) {
        this.options = options;
        this.channels = channels;
        this.resolver = resolver;
    }

    ProxyOptions options() {
        return options;
    }

    /** Runs blocking name lookups, so the event loops never wait on DNS. */
    Executor resolver() {
        return resolver;
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
                .channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // Handlers are added once the flow starts; nothing is read before that.
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

package dev.censorsim.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.socksx.SocksMessage;
import io.netty.handler.codec.socksx.v4.DefaultSocks4CommandResponse;
import io.netty.handler.codec.socksx.v4.Socks4CommandRequest;
import io.netty.handler.codec.socksx.v4.Socks4CommandStatus;
import io.netty.handler.codec.socksx.v4.Socks4ServerDecoder;
import io.netty.handler.codec.socksx.v4.Socks4ServerEncoder;
import io.netty.handler.codec.socksx.v5.DefaultSocks5CommandResponse;
import io.netty.handler.codec.socksx.v5.DefaultSocks5InitialResponse;
import io.netty.handler.codec.socksx.v5.Socks5AddressType;
import io.netty.handler.codec.socksx.v5.Socks5AuthMethod;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequest;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import io.netty.handler.codec.socksx.v5.Socks5CommandType;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequest;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5ServerEncoder;
import dev.censorsim.proxy.udp.SocksUdpAssociation;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * SOCKS5 front end (RFC 1928): no-authentication method only, CONNECT, and UDP ASSOCIATE when the options enable it
 * ({@link dev.censorsim.proxy.udp.SocksUdpAssociation}); IPv4, IPv6 and domain targets. Domain names are resolved by
 * the options' {@link NameResolver}, never blocking the event loop, and kept as the flow's target so policies and logs
 * see the name the client asked for. SOCKS4 and SOCKS4a get "request rejected" (0x5B), other commands "command not
 * supported" (0x07), clients without the no-auth method "no acceptable methods" (0xFF), an unknown address type
 * "address type not supported" (0x08), an empty name "host unreachable" (0x04), and a target that is the proxy
 * itself, or on loopback when the client is not, "not allowed by ruleset" (0x02).
 */
final class SocksFrontendHandler extends ChannelInboundHandlerAdapter {

    private static final InternalLogger LOG =
            InternalLoggerFactory.getInstance(SocksFrontendHandler.class);
    private static final RateLimitedWarning UNEXPECTED =
            new RateLimitedWarning(LOG, 10, TimeUnit.SECONDS);
    /** Connections ended by an exception that is neither an I/O error nor malformed input (a bug); for tests. */
    static final LongAdder UNEXPECTED_ERRORS = new LongAdder();

    private final ProxyRuntime runtime;
    private final long acceptedNanos = System.nanoTime();
    private ByteBuf early;
    private boolean connecting;
    /** The client sent its FIN after a complete request, while the upstream was being connected. */
    private boolean clientEof;

    SocksFrontendHandler(ProxyRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Reads.request(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes) {
            // Optimistic data sent right behind the CONNECT: keep it for the flow, in order.
            if (early == null) {
                early = bytes;
            } else {
                early = ctx.alloc().compositeBuffer().addComponents(true, early, bytes);
            }
            return;
        }
        try {
            if (msg instanceof SocksMessage socks && socks.decoderResult().isFailure()) {
                if (socks instanceof Socks5CommandRequest
                        && socks.decoderResult().cause() instanceof KnownAddressTypes.Unsupported) {
                    fail(ctx, Socks5CommandStatus.ADDRESS_UNSUPPORTED);
                } else {
                    ctx.close();
                }
            } else if (msg instanceof Socks4CommandRequest) {
                ctx.writeAndFlush(new DefaultSocks4CommandResponse(Socks4CommandStatus.REJECTED_OR_FAILED))
                        .addListener(ChannelFutureListener.CLOSE);
            } else if (msg instanceof Socks5InitialRequest initial) {
                onInitial(ctx, initial);
            } else if (msg instanceof Socks5CommandRequest command) {
                onCommand(ctx, command);
            } else {
                ctx.close();
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onInitial(ChannelHandlerContext ctx, Socks5InitialRequest initial) {
        if (!initial.authMethods().contains(Socks5AuthMethod.NO_AUTH)) {
            ctx.writeAndFlush(new DefaultSocks5InitialResponse(Socks5AuthMethod.UNACCEPTED))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.pipeline().addBefore(ctx.name(), PipelineNames.SOCKS5_COMMAND_DECODER,
                new Socks5CommandRequestDecoder(KnownAddressTypes.INSTANCE));
        ctx.writeAndFlush(new DefaultSocks5InitialResponse(Socks5AuthMethod.NO_AUTH));
        Reads.request(ctx);
    }

    private void onCommand(ChannelHandlerContext ctx, Socks5CommandRequest command) {
        if (connecting) {
            ctx.close();
            return;
        }
        // The request is complete: from here the resolver's and the connect's own deadlines apply.
        HandshakeTimeoutHandler.finished(ctx.pipeline());
        if (command.type() == Socks5CommandType.UDP_ASSOCIATE && runtime.options().udpAssociate() != null) {
            associateUdp(ctx, command);
            return;
        }
        if (command.type() != Socks5CommandType.CONNECT) {
            fail(ctx, Socks5CommandStatus.COMMAND_UNSUPPORTED);
            return;
        }
        connecting = true;
        String host = command.dstAddr();
        int port = command.dstPort();
        Socks5AddressType type = command.dstAddrType();
        if (type == Socks5AddressType.DOMAIN) {
            if (host.isEmpty()) {
                // A zero-length name is no name; the JVM resolver would answer it with localhost.
                fail(ctx, Socks5CommandStatus.HOST_UNREACHABLE);
                runtime.reportUnconnected(clientAddress(ctx), null, host, acceptedNanos, FlowEnd.ERROR,
                        "empty host name");
                return;
            }
            resolve(ctx, host, port);
        } else {
            InetAddress address = NetUtil.createInetAddressFromIpAddressString(host);
            if (address == null) {
                fail(ctx, Socks5CommandStatus.ADDRESS_UNSUPPORTED);
                return;
            }
            connect(ctx, new InetSocketAddress(address, port), null);
        }
    }

    /**
     * Asks the options' {@link NameResolver} off the event loop and continues on it. A failed, empty or unresolved
     * answer, or none within the connect timeout, gets reply 4 (host unreachable); the name stays the flow's target.
     */
    private void resolve(ChannelHandlerContext ctx, String host, int port) {
        Promise<InetSocketAddress> resolved = ctx.executor().newPromise();
        ScheduledFuture<?> deadline = ctx.executor().schedule(
                () -> resolved.tryFailure(new UnknownHostException(host + ": resolver did not answer")),
                runtime.options().connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
        try {
            runtime.options().resolver().resolve(host, port).whenComplete((address, failure) -> {
                if (failure != null) {
                    resolved.tryFailure(failure);
                } else if (address == null || address.isUnresolved()) {
                    resolved.tryFailure(new UnknownHostException(host + ": no address"));
                } else {
                    resolved.trySuccess(address);
                }
            });
        } catch (RuntimeException e) {
            resolved.tryFailure(e);
        }
        resolved.addListener(f -> {
            deadline.cancel(false);
            if (f.isSuccess()) {
                connect(ctx, resolved.getNow(), host);
            } else {
                fail(ctx, Socks5CommandStatus.HOST_UNREACHABLE);
                runtime.reportUnconnected(clientAddress(ctx), null, host, acceptedNanos, FlowEnd.ERROR,
                        "cannot resolve " + host + ": " + rootMessage(f.cause()));
            }
        });
    }

    private static String rootMessage(Throwable cause) {
        Throwable t = cause;
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }

    private void connect(ChannelHandlerContext ctx, InetSocketAddress server, String target) {
        Channel client = ctx.channel();
        if (!client.isActive()) {
            return;
        }
        if (!runtime.options().allowLoopbackTargets() && !permitsTarget(clientAddress(ctx), server)) {
            fail(ctx, Socks5CommandStatus.FORBIDDEN);
            runtime.reportUnconnected(clientAddress(ctx), server, target, acceptedNanos, FlowEnd.REFUSED,
                    "loopback target refused for a remote client");
            return;
        }
        if (runtime.isSelf(server)) {
            // A CONNECT to the proxy itself would chain SOCKS sessions until descriptors run out.
            fail(ctx, Socks5CommandStatus.FORBIDDEN);
            runtime.reportUnconnected(clientAddress(ctx), server, target, acceptedNanos, FlowEnd.REFUSED,
                    "target is this proxy's own listen address");
            return;
        }
        runtime.connectUpstream(client, server).addListener((ChannelFuture f) -> {
            Channel upstream = f.channel();
            if (!f.isSuccess()) {
                FlowEnd how = ProxyRuntime.connectFailure(f.cause());
                fail(ctx, replyFor(f.cause()));
                runtime.reportUnconnected(clientAddress(ctx), server, target, acceptedNanos, how,
                        String.valueOf(f.cause().getMessage()));
                return;
            }
            if (!client.isActive()) {
                upstream.close();
                return;
            }
            InetSocketAddress bound = (InetSocketAddress) upstream.localAddress();
            Socks5AddressType boundType = bound.getAddress() instanceof Inet6Address
                    ? Socks5AddressType.IPv6 : Socks5AddressType.IPv4;
            ctx.writeAndFlush(new DefaultSocks5CommandResponse(Socks5CommandStatus.SUCCESS, boundType,
                    NetUtil.toAddressString(bound.getAddress()), bound.getPort()));
            handOver(ctx, upstream, target);
        });
    }

    /** Removes the SOCKS codec (decoders first, so bytes they still hold reach {@link #early}) and starts the flow. */
    private void handOver(ChannelHandlerContext ctx, Channel upstream, String target) {
        ChannelPipeline p = ctx.pipeline();
        removeIfPresent(p, Socks5InitialRequestDecoder.class);
        removeIfPresent(p, Socks5CommandRequestDecoder.class);
        removeIfPresent(p, Socks5ServerEncoder.class);
        removeIfPresent(p, Socks4ServerDecoder.class);
        removeIfPresent(p, Socks4ServerEncoder.class);
        ByteBuf firstBytes = early;
        early = null;
        boolean eof = clientEof;
        Channel client = ctx.channel();
        p.remove(this);
        Flow.start(runtime, client, upstream, target, acceptedNanos, firstBytes);
        if (eof && client.isOpen()) {
            client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
    }

    /**
     * UDP ASSOCIATE (RFC 1928 §7): binds the association's socket, replies with its address, and keeps the control
     * connection open, doing nothing else, until the client closes it, which ends the association.
     */
    private void associateUdp(ChannelHandlerContext ctx, Socks5CommandRequest command) {
        connecting = true;
        SocksUdpAssociation association;
        try {
            association = SocksUdpAssociation.open(ctx.channel(), command.dstPort(), runtime.options().udpAssociate(),
                    runtime.options().allowLoopbackTargets());
        } catch (java.io.IOException e) {
            fail(ctx, Socks5CommandStatus.FAILURE);
            return;
        }
        InetSocketAddress bound = association.localAddress();
        ctx.writeAndFlush(new DefaultSocks5CommandResponse(Socks5CommandStatus.SUCCESS,
                bound.getAddress() instanceof Inet6Address ? Socks5AddressType.IPv6 : Socks5AddressType.IPv4,
                NetUtil.toAddressString(bound.getAddress()), bound.getPort()));
        ChannelPipeline p = ctx.pipeline();
        removeIfPresent(p, Socks5InitialRequestDecoder.class);
        removeIfPresent(p, Socks5CommandRequestDecoder.class);
        removeIfPresent(p, Socks5ServerEncoder.class);
        p.replace(this, PipelineNames.FRONTEND, new SocksUdpAssociation.ControlHandler());
        ctx.channel().read();
    }

    /** {@link LoopbackTargets#permits} for socket addresses. */
    static boolean permitsTarget(InetSocketAddress client, InetSocketAddress target) {
        return LoopbackTargets.permits(client == null ? null : client.getAddress(), target.getAddress());
    }

    private static void removeIfPresent(ChannelPipeline p, Class<? extends io.netty.channel.ChannelHandler> type) {
        if (p.get(type) != null) {
            p.remove(type);
        }
    }

    private static Socks5CommandStatus replyFor(Throwable cause) {
        if (cause instanceof ConnectException && !(cause instanceof io.netty.channel.ConnectTimeoutException)) {
            return Socks5CommandStatus.CONNECTION_REFUSED;
        }
        if (cause instanceof io.netty.channel.ConnectTimeoutException || cause instanceof NoRouteToHostException) {
            return Socks5CommandStatus.HOST_UNREACHABLE;
        }
        return Socks5CommandStatus.FAILURE;
    }

    private static void fail(ChannelHandlerContext ctx, Socks5CommandStatus status) {
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(new DefaultSocks5CommandResponse(status, Socks5AddressType.IPv4))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static InetSocketAddress clientAddress(ChannelHandlerContext ctx) {
        return (InetSocketAddress) ctx.channel().remoteAddress();
    }

    /**
     * Half-closure is allowed on every client channel, so a client that leaves shows up here as an input shutdown,
     * not as a close: without this a scanner's bare connect-and-close stayed in CLOSE-WAIT for good. Before a
     * complete request nothing can follow, so the connection is closed; after one, the FIN belongs to the flow and is
     * handed to it once it starts.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            if (connecting) {
                clientEof = true;
            } else {
                ctx.close();
            }
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        ReferenceCountUtil.safeRelease(early);
        early = null;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Whatever reaches here ends the connection. A reset or malformed input is the client's doing and can be
        // provoked at will, so it is logged at debug only; anything else is a bug in this handler or a decoder:
        // counted, and warned about at most once per 10 s, with the stack trace at debug.
        String phase = connecting ? "while connecting to its target" : "during the handshake";
        if (cause instanceof IOException || cause instanceof DecoderException) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("SOCKS client {} {}: closing the connection: {}", ctx.channel().remoteAddress(), phase,
                        cause.toString());
            }
        } else {
            UNEXPECTED_ERRORS.increment();
            UNEXPECTED.warn("SOCKS client " + ctx.channel().remoteAddress() + " " + phase + ": closing the connection "
                    + "after an unexpected " + cause + " (stack trace at debug level)");
            LOG.debug("SOCKS client {} {}: unexpected exception", ctx.channel().remoteAddress(), phase, cause);
        }
        ctx.close();
    }

}

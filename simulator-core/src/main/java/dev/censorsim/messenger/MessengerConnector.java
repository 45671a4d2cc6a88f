package dev.censorsim.messenger;

import dev.censorsim.net.Transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * Opens verified TLS connections to a name the way the configured app would: direct to the routed address or through
 * SOCKS5, with the ClientHello split or without SNI if asked, retrying with backoff and moving through the alternative
 * names. Every attempt is counted and its outcome classified ({@link ConnectOutcome}) from the real exception.
 *
 * <p>A connect for a primary name tries its candidates (the primary, then the alternatives) in turn, starting from the
 * one that last worked, so a client that found an unblocked front stays on it.
 */
final class MessengerConnector {

    private final MessengerClientOptions options;
    private final SslContext sslContext;
    private final MessengerMetrics metrics;
    private final MessengerResolver resolver;
    private final QuicFirst quic;
    private final Random random;
    private final BooleanSupplier closed;
    private final Map<String, Integer> preferred = new ConcurrentHashMap<>();

    /**
     * @param resolver resolves each attempt's name first, or {@code null} to dial the static routes
     * @param quic     the QUIC-first step before each TCP connect (its connection carries the session when it
     *                 completes), or {@code null} for none
     */
    MessengerConnector(MessengerClientOptions options, SslContext sslContext, MessengerMetrics metrics,
                       MessengerResolver resolver, QuicFirst quic, Random random, BooleanSupplier closed) {
        this.options = options;
        this.sslContext = sslContext;
        this.metrics = metrics;
        this.resolver = resolver;
        this.quic = quic;
        this.random = random;
        this.closed = closed;
    }

    /**
     * Connects for {@code primary} on {@code loop}: completes with an active channel whose TLS handshake completed and
     * whose pipeline holds only the TLS handler (and, with QUIC first, the byte counter) or, when QUIC first
     * succeeded, a QUIC stream; or fails with the last attempt's cause.
     */
    Future<Channel> connect(EventLoop loop, String primary) {
        return connect(loop, primary, ChatProtocol.TLS);
    }

    /**
     * As {@link #connect(EventLoop, String)}, with {@code wire} below TLS: for {@link ChatProtocol#WA_NOISE} the
     * channel's pipeline then also holds the frame codec, below the TLS handler.
     */
    Future<Channel> connect(EventLoop loop, String primary, ChatProtocol wire) {
        Promise<Channel> result = loop.newPromise();
        List<String> candidates = options.candidates(primary);
        int attempts = Math.max(options.retry().attempts(), candidates.size());
        loop.execute(() -> next(loop, primary, candidates, 0, attempts, options.ech(), wire, result));
        return result;
    }

    /**
     * @param ech offer ECH on this attempt: on at first when the options say so, off after an attempt offering it
     *            failed, as a browser retries without ECH when the ECH handshake fails or hangs
     */
    private void next(EventLoop loop, String primary, List<String> candidates, int attempt, int attempts,
                      boolean ech, ChatProtocol wire, Promise<Channel> result) {
        if (closed.getAsBoolean()) {
            result.tryFailure(new IOException("client closed"));
            return;
        }
        int start = preferred.getOrDefault(primary, 0);
        int index = (start + attempt) % candidates.size();
        attempt(loop, candidates.get(index), ech, wire, wire != ChatProtocol.WA_NOISE).addListener(f -> {
            if (f.isSuccess()) {
                preferred.put(primary, index);
                if (!result.trySuccess((Channel) f.getNow())) {
                    ((Channel) f.getNow()).close();
                }
            } else if (attempt + 1 >= attempts || closed.getAsBoolean()) {
                result.tryFailure(f.cause());
            } else {
                long delay = options.retry().delayNanos(attempt + 1, random);
                loop.schedule(() -> next(loop, primary, candidates, attempt + 1, attempts, false, wire, result), delay,
                        TimeUnit.NANOSECONDS);
            }
        });
    }

    /**
     * One attempt, no retry, no alternatives, TCP/TLS only: the DoH client's connections (DNS over HTTPS over QUIC
     * would be HTTP/3, which the messenger does not speak).
     */
    Future<Channel> connectOnce(EventLoop loop, String name) {
        return attempt(loop, name, false, ChatProtocol.TLS, false);
    }

    /**
     * One attempt for {@code name}: DNS lookup if configured, then TCP connect, SOCKS5 if configured and TLS handshake,
     * those three within the timeout (the lookup has its own).
     */
    private Future<Channel> attempt(EventLoop loop, String name, boolean ech, ChatProtocol wire, boolean quicFirst) {
        Attempt attempt = new Attempt(loop, name, ech, wire, quicFirst && quic != null);
        attempt.begin();
        return attempt.result;
    }

    /** The state of one attempt; all on one event loop. */
    private final class Attempt {
        final EventLoop loop;
        final String name;
        final boolean ech;
        final ChatProtocol wire;
        final Promise<Channel> result;
        final long startNanos = System.nanoTime();
        final long startPhase = metrics.phase();
        final ConnectOutcomeHandler outcome = new ConnectOutcomeHandler();
        ScheduledFuture<?> timer;
        Channel channel;
        boolean finished;
        boolean quicDone;

        Attempt(EventLoop loop, String name, boolean ech, ChatProtocol wire, boolean quicFirst) {
            this.loop = loop;
            this.name = name;
            this.ech = ech;
            this.wire = wire;
            this.quicDone = !quicFirst;
            this.result = loop.newPromise();
        }

        void begin() {
            InetSocketAddress route = options.routes().get(name);
            if (resolver == null) {
                dial(route, options.socksRemoteDns());
                return;
            }
            int port = route != null ? route.getPort() : MessengerClientOptions.DEFAULT_PORT;
            resolver.resolve(loop, name).addListener(f -> {
                if (f.isSuccess()) {
                    dial(new InetSocketAddress((InetAddress) f.getNow(), port), false);
                } else {
                    unresolved(f.cause());
                }
            });
        }

        /**
         * @param route      the address for {@code name}: dialled directly, or asked of the SOCKS5 proxy
         * @param askForName with SOCKS5, ask the proxy for the name rather than the route's address
         */
        private void dial(InetSocketAddress route, boolean askForName) {
            if (quicDone) {
                dialTcp(route, askForName);
                return;
            }
            // The QUIC step's wait is part of the attempt's time (what the user waits), not of the TCP timeout.
            quic.connect(loop, name).addListener(f -> {
                quicDone = true;
                Channel stream = (Channel) f.getNow();
                if (stream == null) {
                    dialTcp(route, askForName);
                } else {
                    channel = stream;
                    succeedOverQuic();
                }
            });
        }

        private void dialTcp(InetSocketAddress route, boolean askForName) {
            if (finished || closed.getAsBoolean()) {
                fail(new IOException("client closed"));
                return;
            }
            InetSocketAddress dial = options.socks5() != null ? options.socks5() : route;
            if (dial == null || (options.socks5() != null && !askForName && route == null)) {
                fail(new IOException("no route for " + name));
                return;
            }
            long timeoutNanos = options.connectTimeout().toNanos();
            timer = loop.schedule(() -> fail(new ConnectTimeoutException("no TLS session with " + name + " within "
                    + options.connectTimeout().toMillis() + " ms")), timeoutNanos, TimeUnit.NANOSECONDS);
            Promise<Void> tunnel = loop.newPromise();
            ChannelFuture connect = new Bootstrap()
                    .group(loop)
                    .channelFactory(Transport.current()::newSocketChannel)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                            (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (options.socks5() != null) {
                                ch.pipeline().addLast(MessengerPipeline.SOCKS,
                                        socksHandler(route, askForName, tunnel));
                            }
                            ch.pipeline().addLast(MessengerPipeline.OUTCOME, outcome);
                        }
                    })
                    .connect(dial);
            channel = connect.channel();
            connect.addListener(f -> {
                if (!f.isSuccess()) {
                    // A failed connect is classified by its own cause (refused, timed out); the close listener
                    // below is added only once connected, or it would report a refusal as a close during set-up.
                    fail(f.cause());
                    return;
                }
                // A close before the TLS engine is in place (a reset of the Noise prologue) ends the attempt now; once
                // TLS runs, its handshake future fails first and this is a no-op.
                channel.closeFuture().addListener(c -> fail(new IOException("connection closed during set-up")));
                if (options.socks5() == null) {
                    startTls(route);
                } else {
                    tunnel.addListener(t -> {
                        if (t.isSuccess()) {
                            startTls(route);
                        } else {
                            fail(t.cause());
                        }
                    });
                }
            });
        }

        private Socks5ConnectHandler socksHandler(InetSocketAddress route, boolean askForName, Promise<Void> tunnel) {
            int port = route != null ? route.getPort() : MessengerClientOptions.DEFAULT_PORT;
            String host = askForName ? name : NetUtil.toAddressString(route.getAddress());
            return new Socks5ConnectHandler(host, port, tunnel);
        }

        private void startTls(InetSocketAddress route) {
            if (finished) {
                return;
            }
            if (wire == ChatProtocol.WA_NOISE) {
                // The Noise handshake first; TLS then runs inside its frames.
                channel.pipeline().addBefore(MessengerPipeline.OUTCOME, MessengerPipeline.WA_NOISE,
                        new WaNoiseClientHandler(() -> startTlsInside(route)));
                return;
            }
            startTlsInside(route);
        }

        private void startTlsInside(InetSocketAddress route) {
            if (finished) {
                return;
            }
            int port = route != null ? route.getPort() : MessengerClientOptions.DEFAULT_PORT;
            SslHandler tls = sslContext.newHandler(channel.alloc(), name, port);
            tls.setHandshakeTimeoutMillis(0); // the attempt's own timer covers connect and handshake together
            SSLEngine engine = tls.engine();
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            // Explicit, because the JDK leaves SNI out by itself for a dotless name such as "localhost". An empty list
            // sends no server_name at all; the certificate is still checked against the peer host.
            // WhatsApp's Noise transport names no server: the TLS inside its frames stands in for its cipher only.
            boolean noSni = options.noSni() || wire == ChatProtocol.WA_NOISE;
            parameters.setServerNames(noSni ? List.of() : List.of(new SNIHostName(name)));
            engine.setSSLParameters(parameters);
            if (options.splitSegments() > 1) {
                channel.pipeline().addBefore(MessengerPipeline.OUTCOME, MessengerPipeline.SPLIT,
                        new ClientHelloSplitHandler(options.splitSegments(), options.splitGap().toNanos()));
            }
            if (ech) {
                // Below the TLS engine, above the split: a split cuts the hello that offers ECH.
                channel.pipeline().addBefore(MessengerPipeline.OUTCOME, MessengerPipeline.ECH, new EchGreaseHandler());
            }
            // Added last: on an active channel the SslHandler sends the ClientHello as soon as it is added.
            channel.pipeline().addBefore(MessengerPipeline.OUTCOME, MessengerPipeline.TLS, tls);
            tls.handshakeFuture().addListener(f -> {
                if (f.isSuccess()) {
                    succeed();
                } else {
                    fail(f.cause());
                }
            });
        }

        private void succeed() {
            if (finished) {
                channel.close();
                return;
            }
            finished = true;
            timer.cancel(false);
            channel.pipeline().remove(outcome);
            if (quic != null) {
                channel.pipeline().addLast(MessengerPipeline.TRANSPORT_BYTES,
                        new TransportBytesHandler(metrics, false));
            }
            long now = System.nanoTime();
            metrics.connectEnded(ConnectOutcome.OK, now - startNanos, now, startPhase);
            result.trySuccess(channel);
        }

        /** QUIC first carried the connection: its handshake is the attempt's, and no TCP connect is made. */
        private void succeedOverQuic() {
            if (finished || closed.getAsBoolean()) {
                finished = true;
                channel.close();
                result.tryFailure(new IOException("client closed"));
                return;
            }
            finished = true;
            long now = System.nanoTime();
            metrics.connectEnded(ConnectOutcome.OK, now - startNanos, now, startPhase);
            result.trySuccess(channel);
        }

        /**
         * The name did not resolve and there was no fallback: no TCP connect was made, so this is no connect attempt
         * (the resolver counted it as {@code dns.unresolved}); the retry policy may ask again.
         */
        private void unresolved(Throwable cause) {
            if (finished) {
                return;
            }
            finished = true;
            result.tryFailure(cause);
        }

        private void fail(Throwable cause) {
            if (finished) {
                return;
            }
            finished = true;
            if (timer != null) {
                timer.cancel(false);
            }
            Throwable real = outcome.firstFailure() != null && !(cause instanceof ConnectTimeoutException)
                    ? outcome.firstFailure() : cause;
            long now = System.nanoTime();
            if (!closed.getAsBoolean()) { // an attempt cut short by close() is no censor's doing
                metrics.connectEnded(ConnectOutcome.classify(real), now - startNanos, now, startPhase);
            }
            if (channel != null) {
                channel.close();
            }
            result.tryFailure(real);
        }
    }
}

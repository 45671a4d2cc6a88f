package dev.censorsim.messenger;

import dev.censorsim.net.Transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramChannel;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The client's QUIC-first step ({@link MessengerQuic}): a real QUIC connection per messenger connection, from its own
 * UDP port, through whatever censor sits on the path. When its handshake completes within the timeout the connection
 * is carried over one QUIC stream; when it does not, or when a QUIC connection stalls later ({@link QuicStallHandler}),
 * QUIC is marked broken for {@link MessengerQuic#brokenFor()} and the connector dials TCP/TLS, as Chrome does.
 *
 * <p>Shared by the client's event loops; each connection runs on the loop of the messenger connection it carries.
 */
final class QuicFirst {

    private final MessengerQuic settings;
    private final MessengerMetrics metrics;
    private final QuicSslContext context;
    private final boolean noSni;
    private final Bootstrap udp;
    private final InetSocketAddress localBind;
    /** {@link System#nanoTime()} until which QUIC counts as broken. */
    private final AtomicLong brokenUntil;

    /**
     * @throws IllegalStateException when Netty's native QUIC does not load on this platform
     */
    QuicFirst(MessengerQuic settings, MessengerTrust trust, boolean noSni, MessengerMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
        this.context = MessengerQuicCodecs.clientContext(trust.authorities());
        this.noSni = noSni;
        this.udp = new Bootstrap()
                .channelFactory(() -> Transport.current().newDatagramChannel(settings.udp()));
        this.localBind = UdpSource.toward(settings.udp());
        this.brokenUntil = new AtomicLong(System.nanoTime());
    }

    /**
     * Opens a QUIC connection for {@code name} and completes on {@code loop} with its stream, active and verified,
     * whose pipeline holds only the byte counter; or with {@code null} when QUIC did not complete in time (then QUIC
     * is marked broken) or is marked broken already (then nothing is sent). Never fails.
     */
    Future<Channel> connect(EventLoop loop, String name) {
        Promise<Channel> result = loop.newPromise();
        long phase = metrics.phase();
        if (System.nanoTime() - brokenUntil.get() < 0) {
            metrics.quicEnded(QuicOutcome.SKIPPED, phase);
            result.setSuccess(null);
            return result;
        }
        new Attempt(loop, name, result, phase).begin();
        return result;
    }

    /** Clears the broken mark: the next connection tries QUIC. */
    void forgetBroken() {
        brokenUntil.set(System.nanoTime());
    }

    private void markBroken() {
        brokenUntil.set(System.nanoTime() + settings.brokenFor().toNanos());
    }

    /** How a connection's QUIC step ended. */
    enum QuicOutcome {
        /** The QUIC handshake completed in time: the connection is carried over QUIC. */
        ANSWERED,
        /** No QUIC handshake in time: TCP/TLS after the timeout. */
        FALLBACK,
        /** QUIC was marked broken: straight to TCP/TLS. */
        SKIPPED
    }

    /** One QUIC connection being set up: its socket, its timer and its outcome; everything on one event loop. */
    private final class Attempt {
        final EventLoop loop;
        final String name;
        final Promise<Channel> result;
        final long phase;
        final QuicStallHandler stall = new QuicStallHandler();
        Channel datagrams;
        QuicChannel quic;
        ScheduledFuture<?> timer;
        boolean finished;

        Attempt(EventLoop loop, String name, Promise<Channel> result, long phase) {
            this.loop = loop;
            this.name = name;
            this.result = result;
            this.phase = phase;
        }

        void begin() {
            ChannelHandler codec = MessengerQuicCodecs.client(context, noSni ? null : name, settings.udp().getPort());
            timer = loop.schedule(this::fail, settings.timeout().toNanos(), TimeUnit.NANOSECONDS);
            ChannelFuture bind = udp.clone().group(loop).handler(new ChannelInitializer<DatagramChannel>() {
                @Override
                protected void initChannel(DatagramChannel ch) {
                    ch.pipeline().addLast(MessengerPipeline.QUIC_STALL, stall);
                    ch.pipeline().addLast(MessengerPipeline.QUIC, codec);
                    ch.pipeline().addLast(MessengerPipeline.QUIC_END, QuicSocketEndHandler.INSTANCE);
                }
            }).bind(localBind);
            datagrams = bind.channel();
            bind.addListener(f -> {
                if (!f.isSuccess()) {
                    fail();
                } else if (!finished) {
                    handshake();
                }
            });
        }

        private void handshake() {
            QuicChannel.newBootstrap(datagrams)
                    .handler(QuicSocketEndHandler.INSTANCE)
                    .streamHandler(QuicSocketEndHandler.INSTANCE)
                    .remoteAddress(settings.udp())
                    .connect()
                    .addListener(f -> {
                        if (!f.isSuccess()) {
                            fail();
                            return;
                        }
                        quic = (QuicChannel) f.getNow();
                        if (finished || !verified(quic, name)) {
                            fail();
                            return;
                        }
                        quic.createStream(QuicStreamType.BIDIRECTIONAL,
                                new TransportBytesHandler(metrics, true)).addListener(s -> {
                            if (s.isSuccess()) {
                                succeed((QuicStreamChannel) s.getNow());
                            } else {
                                fail();
                            }
                        });
                    });
        }

        private void succeed(QuicStreamChannel stream) {
            if (finished) {
                stream.close();
                return;
            }
            finished = true;
            timer.cancel(false);
            // One messenger connection is one QUIC connection: closing the stream closes the connection and its
            // socket, and a connection that ends on a stalled path marks QUIC broken so the next one takes TCP.
            QuicChannel connection = quic;
            Channel socket = datagrams;
            stream.closeFuture().addListener(c -> connection.close());
            connection.closeFuture().addListener(c -> {
                if (stall.stalled(System.nanoTime())) {
                    markBroken();
                    metrics.quicStalled();
                }
                socket.close();
            });
            stall.arm();
            metrics.quicEnded(QuicOutcome.ANSWERED, phase);
            result.trySuccess(stream);
        }

        private void fail() {
            if (finished) {
                return;
            }
            finished = true;
            timer.cancel(false);
            if (quic != null) {
                quic.close();
            }
            datagrams.close();
            markBroken();
            metrics.quicEnded(QuicOutcome.FALLBACK, phase);
            result.trySuccess(null);
        }
    }

    /**
     * Whether the server's certificate names {@code name} (RFC 6125 §6.4: a DNS SAN equal to it, or a wildcard for
     * its left-most label). The QUIC engine checks the chain against the trusted CA but, unlike the TCP client's
     * {@code SSLEngine} with endpoint identification, not the name.
     */
    static boolean verified(QuicChannel quic, String name) {
        try {
            Certificate[] chain = quic.sslEngine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate leaf && names(leaf, name);
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }

    static boolean names(X509Certificate leaf, String name) {
        String host = name.toLowerCase(Locale.ROOT);
        Collection<List<?>> sans;
        try {
            sans = leaf.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return false;
        }
        if (sans == null) {
            return false;
        }
        for (List<?> san : sans) {
            if (!Integer.valueOf(2).equals(san.get(0)) || !(san.get(1) instanceof String dns)) {
                continue; // 2 = dNSName (RFC 5280 §4.2.1.6)
            }
            String pattern = dns.toLowerCase(Locale.ROOT);
            if (pattern.equals(host)) {
                return true;
            }
            int dot = host.indexOf('.');
            if (pattern.startsWith("*.") && dot > 0 && host.substring(dot).equals(pattern.substring(1))) {
                return true;
            }
        }
        return false;
    }
}

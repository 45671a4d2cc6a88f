package dev.censorsim.messenger;


import dev.censorsim.net.Transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.ChannelHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.quic.Quic;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The messenger's server: real TLS for each configured name, with certificates from a CA generated at start-up, and
 * the chat and media protocol of {@link MessengerFrame} behind it; plus a UDP endpoint ({@link #mediaAddress()}) that
 * answers STUN and echoes RTP for calls, and serves the same chat and media over real QUIC (TLS 1.3, ALPN
 * {@value MessengerQuicCodecs#ALPN}, the same certificates chosen by SNI) on the same port.
 *
 * <p>Each name gets its own certificate, chosen by the ClientHello's SNI. A ClientHello without SNI gets the default
 * certificate, which lists every name, so a client that leaves SNI out (to slip past an SNI rule) can still verify the
 * server against the name it meant.
 *
 * <pre>{@code
 * try (MessengerServer server = MessengerServer.start(MessengerServerOptions.builder()
 *         .names(List.of("g.whatsapp.net", "mmg.whatsapp.net")).build())) {
 *     trust = server.trust();
 * }
 * }</pre>
 */
public final class MessengerServer implements AutoCloseable {

    private static final long SHUTDOWN_TIMEOUT_MILLIS = 2_000;
    private static final int MEDIA_SOCKET_BUFFER_BYTES = 1 << 20;

    private final EventLoopGroup group;
    private final ChannelGroup channels;
    private final Channel serverChannel;
    private final Channel mediaChannel;
    private final MessengerTrust trust;
    private final List<String> names;

    private MessengerServer(EventLoopGroup group, ChannelGroup channels, Channel serverChannel, Channel mediaChannel,
                            MessengerTrust trust, List<String> names) {
        this.group = group;
        this.channels = channels;
        this.serverChannel = serverChannel;
        this.mediaChannel = mediaChannel;
        this.trust = trust;
        this.names = names;
    }

    /**
     * Generates the CA and certificates, binds, and returns once connections are accepted.
     *
     * @throws IOException when the listen address cannot be bound
     */
    public static MessengerServer start(MessengerServerOptions options) throws IOException {
        MessengerCertificates certificates = MessengerCertificates.generate(options.names());
        Map<String, X509Bundle> leaves = leaves(certificates, options.names());
        Mapping<String, SslContext> contexts = sniContexts(certificates, leaves);
        // QUIC on the UDP endpoint when the native library loads; without it the endpoint serves calls only, and a
        // QUIC-first client (which refuses to start without the library) is the one that says why.
        ChannelHandler quic = Quic.isAvailable() ? MessengerQuicCodecs.server(leaves, certificates.server(),
                new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel ch) {
                        ch.pipeline().addLast(MessengerPipeline.FRAMES, MessengerFrame.decoder());
                        ch.pipeline().addLast(MessengerPipeline.SESSION, new ServerSessionHandler());
                    }
                }) : null;
        EventLoopGroup group = Transport.current().newGroup(options.ioThreads(), "censorsim-messenger-server");
        ChannelGroup channels = new DefaultChannelGroup("censorsim-messenger-server", GlobalEventExecutor.INSTANCE);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channelFactory(Transport.current()::newServerSocketChannel)
                .option(ChannelOption.SO_BACKLOG, options.backlog())
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        ch.pipeline().addLast(MessengerPipeline.WA_NOISE, new WaNoiseServerHandler());
                        ch.pipeline().addLast(MessengerPipeline.ECH_STRIP, new EchStripHandler());
                        ch.pipeline().addLast(MessengerPipeline.TLS, new SniHandler(contexts));
                        if (options.dohName() != null) {
                            ch.pipeline().addLast(MessengerPipeline.DOH_DISPATCH,
                                    new DohDispatchHandler(options.dohName(), options.doh()));
                        }
                        ch.pipeline().addLast(MessengerPipeline.FRAMES, MessengerFrame.decoder());
                        ch.pipeline().addLast(MessengerPipeline.SESSION, new ServerSessionHandler());
                    }
                });
        Channel tcp = bind(bootstrap.bind(options.listen()), options.listen(), group);
        channels.add(tcp);
        // Calls' media: UDP on the same address. A fixed TCP port gets the same UDP port number (as STUN/TURN
        // servers use 3478 for both), so a script knows it in advance; port 0 lets the system choose each
        // (mediaAddress() tells which).
        InetSocketAddress mediaListen = new InetSocketAddress(options.listen().getAddress(),
                options.listen().getPort());
        Bootstrap media = new Bootstrap()
                .group(group)
                .channelFactory(() -> Transport.current().newDatagramChannel(options.listen()))
                .option(ChannelOption.SO_RCVBUF, MEDIA_SOCKET_BUFFER_BYTES)
                .option(ChannelOption.SO_SNDBUF, MEDIA_SOCKET_BUFFER_BYTES)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(MessengerPipeline.UDP_ENDPOINT, new UdpEndpointHandler(quic != null));
                        if (quic != null) {
                            ch.pipeline().addLast(MessengerPipeline.QUIC, quic);
                        }
                    }
                });
        Channel udp;
        try {
            udp = bind(media.bind(mediaListen), mediaListen, group);
        } catch (IOException e) {
            channels.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
            throw e;
        }
        channels.add(udp);
        MessengerTrust trust = new MessengerTrust(List.of(certificates.ca().getCertificate()));
        return new MessengerServer(group, channels, tcp, udp, trust, options.names());
    }

    private static Channel bind(ChannelFuture bind, InetSocketAddress address, EventLoopGroup group)
            throws IOException {
        try {
            bind.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutDown(group);
            throw new InterruptedIOException("interrupted while binding " + address);
        }
        if (!bind.isSuccess()) {
            shutDown(group);
            throw new IOException("cannot listen on " + address + ": " + bind.cause().getMessage(), bind.cause());
        }
        return bind.channel();
    }

    /** One certificate per name, issued by the start-up CA; TCP and QUIC present the same ones. */
    private static Map<String, X509Bundle> leaves(MessengerCertificates certificates, List<String> names) {
        Map<String, X509Bundle> leaves = new LinkedHashMap<>();
        Instant now = Instant.now();
        for (String name : names) {
            try {
                leaves.put(name, new CertificateBuilder()
                        .subject("CN=" + name)
                        .notBefore(now.minus(Duration.ofHours(1)))
                        .notAfter(now.plus(Duration.ofDays(1)))
                        .addExtendedKeyUsageServerAuth()
                        .addSanDnsName(name)
                        .ecp256()
                        .buildIssuedBy(certificates.ca()));
            } catch (Exception e) {
                throw new IllegalStateException("cannot issue a certificate for " + name + ": " + e.getMessage(), e);
            }
        }
        return leaves;
    }

    private static Mapping<String, SslContext> sniContexts(MessengerCertificates certificates,
                                                           Map<String, X509Bundle> leaves) {
        DomainWildcardMappingBuilder<SslContext> mapping =
                new DomainWildcardMappingBuilder<>(certificates.serverContext());
        leaves.forEach((name, leaf) -> {
            try {
                mapping.add(name, SslContextBuilder.forServer(leaf.toKeyManagerFactory()).build());
            } catch (Exception e) {
                throw new IllegalStateException("cannot build the TLS context for " + name + ": " + e.getMessage(), e);
            }
        });
        return mapping.build();
    }

    /** The bound address, with the real port when the options asked for port 0. */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /**
     * The UDP address calls send their STUN and RTP to (the server echoes the RTP), and where QUIC-first clients
     * connect (the same chat and media over QUIC, when Netty's native QUIC loads here).
     */
    public InetSocketAddress mediaAddress() {
        return (InetSocketAddress) mediaChannel.localAddress();
    }

    /** What a client must trust to verify this server: the CA generated at start-up. */
    public MessengerTrust trust() {
        return trust;
    }

    /** The names the server holds certificates for. */
    public List<String> names() {
        return names;
    }

    /** Stops accepting, closes every connection and stops the threads; bounded wait. */
    @Override
    public void close() {
        channels.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
        shutDown(group);
    }

    private static void shutDown(EventLoopGroup group) {
        group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS + 1_000);
    }
}

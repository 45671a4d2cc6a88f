package dev.censorsim.messenger;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.quic.Quic;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.pkitesting.X509Bundle;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The messenger's QUIC (RFC 9000, TLS 1.3 inside as RFC 9001 says) through Netty's quiche codec: the settings both
 * ends share, the server's codec for its UDP endpoint and the client's per connection. Each QUIC connection carries
 * one bidirectional stream with the same {@link MessengerFrame}s a TLS connection carries.
 */
final class MessengerQuicCodecs {

    /**
     * The ALPN protocol both ends offer. Not {@code h3}: the stream carries {@link MessengerFrame}s, not HTTP/3, and a
     * censor rule on the ClientHello's ALPN should see what is really spoken.
     */
    static final String ALPN = "censorsim-messenger";

    /**
     * Chrome's QUIC idle timeout. The stall check ({@link QuicStallHandler}) notices a silent path long before; this
     * only bounds how long quiche keeps a connection that nobody closed.
     */
    private static final long IDLE_TIMEOUT_SECONDS = 30;
    /**
     * Flow-control credit: 16 MiB per connection, 8 MiB per stream (Chrome's order of magnitude), so the receive
     * window is not what limits a transfer; the link and the censor are. quiche grows its windows from these.
     */
    private static final long MAX_DATA = 16L << 20;
    private static final long MAX_STREAM_DATA = 8L << 20;
    /** The client opens one stream per connection; a few more leave room for a reconnecting peer's retransmits. */
    private static final long MAX_STREAMS = 16;

    private MessengerQuicCodecs() {
    }

    /**
     * Throws when Netty's native QUIC cannot be loaded here, naming the platform and the cause: a messenger told to
     * speak QUIC must not silently fall back to TCP on a machine that never could.
     */
    static void requireNative() {
        if (!Quic.isAvailable()) {
            Throwable cause = Quic.unavailabilityCause();
            throw new IllegalStateException("QUIC needs Netty's native quiche library (io.netty:"
                    + "netty-codec-native-quic, classifier linux-x86_64, glibc 2.16 or later), which did not load on "
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ": "
                    + (cause == null ? "unknown reason" : cause), cause);
        }
    }

    /**
     * The server's codec for its UDP endpoint: certificates chosen by the ClientHello's SNI as on TCP ({@code leaves}
     * by name, {@code fallback} without SNI), one stream per connection served by {@code streamHandler}, streams
     * with AUTO_READ off as the TCP children are.
     */
    static ChannelHandler server(Map<String, X509Bundle> leaves, X509Bundle fallback, ChannelHandler streamHandler) {
        requireNative();
        DomainWildcardMappingBuilder<QuicSslContext> mapping =
                new DomainWildcardMappingBuilder<>(serverContext(fallback));
        leaves.forEach((name, leaf) -> mapping.add(name, serverContext(leaf)));
        Mapping<String, QuicSslContext> sni = mapping.build();
        return common(new QuicServerCodecBuilder())
                .sslContext(QuicSslContextBuilder.buildForServerWithSni(sni))
                // No token handler, so no Retry (RFC 9000 §8.1.2): a server on loopback needs no address validation,
                // and the client's first Initial is then its whole first flight, as a censor's first-datagram rule
                // expects of a browser.
                // The connection's own pipeline: nothing but the end handler, so its errors stop there.
                .handler(QuicSocketEndHandler.INSTANCE)
                .streamOption(ChannelOption.AUTO_READ, false)
                .streamHandler(streamHandler)
                .build();
    }

    private static QuicSslContext serverContext(X509Bundle bundle) {
        try {
            return QuicSslContextBuilder.forServer(bundle.toKeyManagerFactory(), null)
                    .applicationProtocols(ALPN)
                    .build();
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the QUIC server TLS context: " + e.getMessage(), e);
        }
    }

    /** The client's TLS context: trusts {@code authorities} only, offers {@link #ALPN}. */
    static QuicSslContext clientContext(List<X509Certificate> authorities) {
        requireNative();
        return QuicSslContextBuilder.forClient()
                .trustManager(authorities.toArray(new X509Certificate[0]))
                .applicationProtocols(ALPN)
                .build();
    }

    /**
     * A client codec for one connection to {@code name}: the ClientHello carries {@code sni} (the name, or
     * {@code null} for none), so a censor decrypting the Initial reads what it would from an app.
     */
    static ChannelHandler client(QuicSslContext context, String sni, int port) {
        return common(new QuicClientCodecBuilder())
                .sslEngineProvider(q -> context.newEngine(q.alloc(), sni, port))
                .build();
    }

    private static <B extends QuicCodecBuilder<B>> B common(B builder) {
        return builder
                .maxIdleTimeout(IDLE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .initialMaxData(MAX_DATA)
                .initialMaxStreamDataBidirectionalLocal(MAX_STREAM_DATA)
                .initialMaxStreamDataBidirectionalRemote(MAX_STREAM_DATA)
                .initialMaxStreamsBidirectional(MAX_STREAMS);
    }
}

package dev.censorsim.testing;

import dev.censorsim.net.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real QUIC v1 client Initials from Netty's quiche codec (BoringSSL's ClientHello, quiche's packet protection), caught
 * on a loopback UDP socket that never answers: what a censor's first-datagram inspection sees from a quiche client.
 */
public final class NettyQuicInitials {

    private NettyQuicInitials() {
    }

    /**
     * The first datagram of each of {@code connections} fresh QUIC connections whose ClientHello carries {@code sni}
     * (none when {@code null}) and offers {@code alpn}.
     */
    public static List<byte[]> capture(String sni, String alpn, int connections) throws IOException,
            InterruptedException {
        QuicNative.assumeLinuxX8664OrRequire();
        QuicSslContext context = QuicSslContextBuilder.forClient()
                .trustManager(InsecureTrustManagerFactory.INSTANCE) // never used: no server answers
                .applicationProtocols(alpn)
                .build();
        List<byte[]> initials = new ArrayList<>();
        EventLoopGroup group = Transport.current().newGroup(1, "quic-initials");
        try (DatagramSocket sink = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            sink.setSoTimeout(5_000);
            InetSocketAddress target = (InetSocketAddress) sink.getLocalSocketAddress();
            for (int i = 0; i < connections; i++) {
                Channel udp = new Bootstrap().group(group)
                        .channelFactory(() -> Transport.current().newDatagramChannel(target))
                        .handler(new QuicClientCodecBuilder()
                                .sslEngineProvider(q -> context.newEngine(q.alloc(), sni, target.getPort()))
                                .maxIdleTimeout(5, TimeUnit.SECONDS)
                                .initialMaxData(1 << 20)
                                .initialMaxStreamDataBidirectionalLocal(1 << 20)
                                .build())
                        .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
                try {
                    QuicChannel.newBootstrap(udp).handler(new ChannelInboundHandlerAdapter())
                            .streamHandler(new ChannelInboundHandlerAdapter()).remoteAddress(target).connect();
                    byte[] buffer = new byte[65_535];
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    while (true) {
                        sink.receive(packet);
                        if (packet.getSocketAddress().equals(udp.localAddress())) {
                            break; // a late retransmission from the previous connection's socket is not this one's
                        }
                    }
                    initials.add(Arrays.copyOf(buffer, packet.getLength()));
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("Netty's QUIC client sent no Initial within 5 s", e);
                } finally {
                    udp.close().sync();
                }
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        return initials;
    }
}

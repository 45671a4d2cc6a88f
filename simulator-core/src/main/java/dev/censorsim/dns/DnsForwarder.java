package dev.censorsim.dns;

import dev.censorsim.net.Transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.dns.DefaultDnsQuery;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.handler.codec.dns.TcpDnsQueryEncoder;
import io.netty.handler.codec.dns.TcpDnsResponseDecoder;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Forwards questions outside every zone to the one configured upstream, and only there: over UDP first, and over TCP
 * when the upstream's UDP answer comes back truncated (RFC 7766 5), one connection per retried question. A timeout
 * becomes SERVFAIL. Records are relayed as their RDATA bytes, so types whose RDATA may hold compressed names
 * (RFC 3597 4) and that Netty does not decompress (SOA, MX and the obsolete mailbox types) are left out rather than
 * corrupted.
 */
final class DnsForwarder implements AutoCloseable {

    private final InetSocketAddress upstream;
    private final long timeoutNanos;
    private final EventLoopGroup group;
    private final Transport transport;
    private final DnsLookupClient client;

    /** Opens its sockets on {@code group}, whose threads run {@code transport}. */
    DnsForwarder(InetSocketAddress upstream, Duration timeout, EventLoopGroup group, Transport transport) {
        this.upstream = upstream;
        this.timeoutNanos = timeout.toNanos();
        this.group = group;
        this.transport = transport;
        this.client = DnsLookupClient.open(upstream, timeout, group, transport);
    }

    /**
     * Calls {@code onResponse} exactly once with the upstream's response or {@code null} (timeout, failure); the
     * response is released after the callback returns.
     */
    void forward(IncomingQuery query, Consumer<DnsResponse> onResponse) {
        client.exchange(query.questionName(), query.questionType(), true, response -> {
            if (response != null && response.isTruncated()) {
                response.release();
                overTcp(query, onResponse);
                return;
            }
            try {
                onResponse.accept(response);
            } finally {
                if (response != null) {
                    response.release();
                }
            }
        });
    }

    private void overTcp(IncomingQuery query, Consumer<DnsResponse> onResponse) {
        int id = ThreadLocalRandom.current().nextInt(0x10000);
        AtomicBoolean done = new AtomicBoolean();
        Consumer<DnsResponse> once = response -> {
            if (!done.compareAndSet(false, true)) {
                if (response != null) {
                    response.release();
                }
                return;
            }
            try {
                onResponse.accept(response);
            } finally {
                if (response != null) {
                    response.release();
                }
            }
        };
        Bootstrap bootstrap = new Bootstrap().group(group).channelFactory(transport::newSocketChannel)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, timeoutNanos / 1_000_000))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new TcpDnsQueryEncoder(), new TcpDnsResponseDecoder(),
                                new SimpleChannelInboundHandler<DnsResponse>(false) {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, DnsResponse msg) {
                                        if (msg.id() == id) {
                                            once.accept(msg);
                                        } else {
                                            msg.release();
                                        }
                                        ctx.close();
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        once.accept(null);
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        once.accept(null);
                                        ctx.close();
                                    }
                                });
                    }
                });
        bootstrap.connect(upstream).addListener((ChannelFutureListener) (ChannelFuture f) -> {
            if (!f.isSuccess()) {
                once.accept(null);
                return;
            }
            Channel ch = f.channel();
            ch.eventLoop().schedule(() -> {
                once.accept(null);
                ch.close();
            }, timeoutNanos, TimeUnit.NANOSECONDS);
            DefaultDnsQuery q = new DefaultDnsQuery(id);
            q.setRecursionDesired(true);
            q.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(query.questionName(),
                    DnsRecordType.valueOf(query.questionType())));
            ch.writeAndFlush(q);
        });
    }

    static boolean isRelayable(DnsRecordType type) {
        int t = type.intValue();
        return t != DnsRecordType.SOA.intValue() && t != DnsRecordType.MX.intValue() && (t < 7 || t > 9)
                && t != 14;
    }

    @Override
    public void close() {
        client.close();
    }
}

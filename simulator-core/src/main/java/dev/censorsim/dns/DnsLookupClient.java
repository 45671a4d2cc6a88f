package dev.censorsim.dns;

import dev.censorsim.net.Transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryEncoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A small stub resolver that asks one given server over UDP, with netty-codec-dns on the wire and no JVM resolver
 * anywhere: addresses come out of the answer's RDATA bytes. One datagram channel serves every lookup; IDs are random
 * and checked together with the sender and the question, so a stray or spoofed datagram is ignored.
 *
 * <p>Thread-safe: {@link #lookup} may be called from any thread; the state lives on the channel's event loop.
 */
public final class DnsLookupClient implements AutoCloseable {

    /** Default per-lookup timeout, like {@code dig +time=2}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    /** Our advertised EDNS0 UDP payload size (DNS flag day 2020). */
    static final int EDNS_PAYLOAD = 1232;

    private final InetSocketAddress server;
    private final long timeoutNanos;
    private final EventLoopGroup ownGroup;
    private final Channel channel;
    private final IntObjectHashMap<Pending> pending = new IntObjectHashMap<>();

    private DnsLookupClient(InetSocketAddress server, Duration timeout, EventLoopGroup group, Transport transport,
                            boolean ownsGroup) {
        this.server = server;
        this.timeoutNanos = timeout.toNanos();
        this.ownGroup = ownsGroup ? group : null;
        Bootstrap bootstrap = new Bootstrap().group(group)
                .channelFactory(() -> transport.newDatagramChannel(server))
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(new DatagramDnsQueryEncoder(), new DatagramDnsResponseDecoder(),
                                new ResponseHandler());
                    }
                });
        // A loopback server gets a loopback socket; any other is reached from the wildcard address (the route picks
        // the interface). Either way datagrams go to that one server only.
        InetSocketAddress local = server.getAddress().isLoopbackAddress()
                ? new InetSocketAddress(server.getAddress(), 0) : new InetSocketAddress(0);
        Channel ch;
        try {
            ch = bootstrap.bind(local).syncUninterruptibly().channel();
        } catch (Exception e) {
            // Netty rethrows a checked BindException undeclared.
            if (ownsGroup) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
            throw new IllegalStateException("cannot open a DNS client socket for " + server + ": " + e.getMessage(), e);
        }
        this.channel = ch;
    }

    /** A client with its own I/O thread, asking {@code server} with the {@linkplain #DEFAULT_TIMEOUT default timeout}. */
    public static DnsLookupClient open(InetSocketAddress server) {
        return open(server, DEFAULT_TIMEOUT);
    }

    /** A client with its own I/O thread. */
    public static DnsLookupClient open(InetSocketAddress server, Duration timeout) {
        Objects.requireNonNull(server, "server");
        if (server.isUnresolved()) {
            throw new IllegalArgumentException("the server must be an address literal, got " + server);
        }
        EventLoopGroup group = Transport.current().newGroup(1, "censorsim-dns-client");
        return new DnsLookupClient(server, timeout, group, Transport.current(), true);
    }

    /** A client sharing {@code group}'s threads, which run {@code transport} (the server's forwarder uses this). */
    static DnsLookupClient open(InetSocketAddress server, Duration timeout, EventLoopGroup group,
                                Transport transport) {
        return new DnsLookupClient(server, timeout, group, transport, false);
    }

    public InetSocketAddress server() {
        return server;
    }

    /**
     * Looks {@code name} up. The future always completes normally, with {@link DnsLookupOutcome#TIMEOUT} when no
     * answer came in time.
     */
    public CompletableFuture<DnsLookupResult> lookup(String name, DnsRecordType type) {
        CompletableFuture<DnsLookupResult> result = new CompletableFuture<>();
        long sent = System.nanoTime();
        exchange(name, type.intValue(), true, response -> {
            long latency = System.nanoTime() - sent;
            try {
                result.complete(toResult(response, type, latency));
            } finally {
                ReferenceCountUtil.release(response);
            }
        });
        return result;
    }

    /**
     * Sends one query and hands the response (which the callback must release) or {@code null} on timeout to
     * {@code onResponse}, on the event loop.
     */
    void exchange(String name, int type, boolean recursionDesired, Consumer<DnsResponse> onResponse) {
        if (channel.eventLoop().inEventLoop()) {
            send(name, type, recursionDesired, onResponse);
        } else {
            channel.eventLoop().execute(() -> send(name, type, recursionDesired, onResponse));
        }
    }

    private void send(String name, int type, boolean rd, Consumer<DnsResponse> onResponse) {
        if (!channel.isActive()) {
            onResponse.accept(null);
            return;
        }
        int id = freeId();
        if (id < 0) {
            onResponse.accept(null); // 65536 lookups in flight: behave as the overloaded resolver would
            return;
        }
        String fqdn = name.endsWith(".") ? name : name + ".";
        DatagramDnsQuery query = new DatagramDnsQuery(null, server, id);
        query.setRecursionDesired(rd);
        query.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(fqdn, DnsRecordType.valueOf(type)));
        query.addRecord(DnsSection.ADDITIONAL, new OptRecord(EDNS_PAYLOAD));
        Pending p = new Pending(DnsNames.key(fqdn), type, onResponse);
        pending.put(id, p);
        p.timeout = channel.eventLoop().schedule(() -> {
            if (pending.remove(id) == p) {
                p.onResponse.accept(null);
            }
        }, timeoutNanos, TimeUnit.NANOSECONDS);
        channel.writeAndFlush(query).addListener(f -> {
            if (!f.isSuccess() && pending.remove(id) == p) {
                p.timeout.cancel(false);
                p.onResponse.accept(null);
            }
        });
    }

    private int freeId() {
        if (pending.size() >= 0x10000) {
            return -1;
        }
        int id = ThreadLocalRandom.current().nextInt(0x10000);
        while (pending.containsKey(id)) {
            id = (id + 1) & 0xffff;
        }
        return id;
    }

    static DnsLookupResult toResult(DnsResponse response, DnsRecordType type, long latency) {
        if (response == null) {
            return new DnsLookupResult(DnsLookupOutcome.TIMEOUT, List.of(), -1, latency);
        }
        int rcode = response.code().intValue();
        if (response.isTruncated()) {
            return new DnsLookupResult(DnsLookupOutcome.ERROR, List.of(), rcode, latency);
        }
        DnsLookupOutcome outcome = switch (rcode) {
            case DnsAnswer.NOERROR -> DnsLookupOutcome.NODATA;
            case DnsAnswer.NXDOMAIN -> DnsLookupOutcome.NXDOMAIN;
            case DnsAnswer.SERVFAIL -> DnsLookupOutcome.SERVFAIL;
            case DnsAnswer.REFUSED -> DnsLookupOutcome.REFUSED;
            default -> DnsLookupOutcome.ERROR;
        };
        List<InetAddress> addresses = List.of();
        long ttl = Long.MAX_VALUE;
        if (rcode == DnsAnswer.NOERROR) {
            int n = response.count(DnsSection.ANSWER);
            for (int i = 0; i < n; i++) {
                DnsRecord r = response.recordAt(DnsSection.ANSWER, i);
                if (!r.type().equals(type)) {
                    continue;
                }
                outcome = DnsLookupOutcome.OK;
                ttl = Math.min(ttl, r.timeToLive());
                InetAddress address = address(r);
                if (address != null) {
                    if (addresses.isEmpty()) {
                        addresses = new ArrayList<>(n);
                    }
                    addresses.add(address);
                }
            }
        }
        return new DnsLookupResult(outcome, addresses, rcode, latency, ttl == Long.MAX_VALUE ? 0 : Math.max(0, ttl));
    }

    private static InetAddress address(DnsRecord r) {
        if (!(r instanceof DnsRawRecord raw)) {
            return null;
        }
        ByteBuf content = raw.content();
        int length = content.readableBytes();
        boolean a = r.type().equals(DnsRecordType.A) && length == 4;
        boolean aaaa = r.type().equals(DnsRecordType.AAAA) && length == 16;
        if (!a && !aaaa) {
            return null;
        }
        byte[] bytes = new byte[length];
        content.getBytes(content.readerIndex(), bytes);
        try {
            return InetAddress.getByAddress(bytes); // raw bytes: never a name lookup
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Closes the channel, failing lookups in flight as timeouts, and stops the thread if this client owns it. */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        channel.eventLoop().execute(() -> {
            for (Pending p : pending.values()) {
                p.timeout.cancel(false);
                p.onResponse.accept(null);
            }
            pending.clear();
        });
        if (ownGroup != null) {
            ownGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
    }

    private static final class Pending {
        final String questionKey;
        final int type;
        final Consumer<DnsResponse> onResponse;
        ScheduledFuture<?> timeout;

        Pending(String questionKey, int type, Consumer<DnsResponse> onResponse) {
            this.questionKey = questionKey;
            this.type = type;
            this.onResponse = onResponse;
        }
    }

    private final class ResponseHandler extends SimpleChannelInboundHandler<DatagramDnsResponse> {
        ResponseHandler() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsResponse msg) {
            Pending p = server.equals(msg.sender()) ? pending.get(msg.id()) : null;
            if (p == null || !sameQuestion(msg, p)) {
                msg.release();
                return;
            }
            pending.remove(msg.id());
            p.timeout.cancel(false);
            try {
                p.onResponse.accept(msg);
            } catch (RuntimeException e) {
                ReferenceCountUtil.safeRelease(msg);
            }
        }

        private boolean sameQuestion(DnsResponse msg, Pending p) {
            if (msg.count(DnsSection.QUESTION) != 1) {
                return false;
            }
            DnsRecord q = msg.recordAt(DnsSection.QUESTION);
            return q.type().intValue() == p.type && DnsNames.key(q.name()).equals(p.questionKey);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A malformed datagram fails to decode; it cannot be matched to a lookup, so it is just ignored.
        }
    }
}

package dev.censorsim.messenger;

import dev.censorsim.dns.DnsLookupOutcome;
import dev.censorsim.dns.DnsLookupResult;
import dev.censorsim.dns.DohCodec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * Asks a DNS-over-HTTPS resolver (RFC 8484, {@code POST /dns-query}) by name. Each lookup opens its own verified TLS
 * connection to the resolver's name through the same path as every other connection of the client (the censor proxy,
 * SNI and all), so an SNI rule on the resolver's name cuts DoH off just as it would a browser's; that connection is a
 * {@code connect.*} attempt like any other. The resolver's own address comes from plain DNS or the fallback list,
 * never from DoH itself.
 */
final class DohClient {

    private static final int MAX_BODY = 0xffff;

    private final String resolverName;
    private final long timeoutNanos;
    private final BiFunction<EventLoop, String, Future<Channel>> connect;

    /**
     * @param resolverName the DoH resolver's host name, e.g. {@code dns.doh.test}
     * @param timeoutNanos how long a lookup may take once the TLS connection is up
     * @param connect      opens one verified TLS connection to a name on a loop (the client's connector)
     */
    DohClient(String resolverName, long timeoutNanos, BiFunction<EventLoop, String, Future<Channel>> connect) {
        this.resolverName = resolverName;
        this.timeoutNanos = timeoutNanos;
        this.connect = connect;
    }

    String resolverName() {
        return resolverName;
    }

    /**
     * Looks {@code name} up (type A). Always completes successfully: a failed connection or HTTP exchange is
     * {@link DnsLookupOutcome#ERROR}, no answer in time {@link DnsLookupOutcome#TIMEOUT}.
     */
    Future<DnsLookupResult> lookup(EventLoop loop, String name) {
        Promise<DnsLookupResult> promise = loop.newPromise();
        long start = System.nanoTime();
        connect.apply(loop, resolverName).addListener(f -> {
            if (!f.isSuccess()) {
                promise.trySuccess(failed(DnsLookupOutcome.ERROR, start));
                return;
            }
            exchange((Channel) f.getNow(), name, start, promise);
        });
        return promise;
    }

    private void exchange(Channel channel, String name, long start, Promise<DnsLookupResult> promise) {
        ScheduledFuture<?> timer = channel.eventLoop().schedule(() -> {
            if (promise.trySuccess(failed(DnsLookupOutcome.TIMEOUT, start))) {
                channel.close();
            }
        }, timeoutNanos, TimeUnit.NANOSECONDS);
        promise.addListener(done -> {
            timer.cancel(false);
            channel.close(); // one lookup per connection
        });
        channel.closeFuture().addListener(c -> promise.trySuccess(failed(DnsLookupOutcome.ERROR, start)));
        ByteBuf body;
        try {
            body = DohCodec.query(channel.alloc(), name, DnsRecordType.A);
        } catch (IllegalArgumentException e) {
            promise.trySuccess(failed(DnsLookupOutcome.ERROR, start));
            return;
        }
        channel.pipeline().addLast(MessengerPipeline.HTTP, new HttpClientCodec());
        channel.pipeline().addLast(MessengerPipeline.HTTP_AGGREGATOR, new HttpObjectAggregator(MAX_BODY));
        channel.pipeline().addLast(MessengerPipeline.DOH, new ResponseHandler(start, promise));
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, DohCodec.PATH,
                body);
        request.headers().set(HttpHeaderNames.HOST, resolverName)
                .set(HttpHeaderNames.CONTENT_TYPE, DohCodec.MEDIA_TYPE)
                .set(HttpHeaderNames.ACCEPT, DohCodec.MEDIA_TYPE);
        HttpUtil.setContentLength(request, body.readableBytes());
        channel.writeAndFlush(request).addListener(w -> {
            if (!w.isSuccess()) {
                promise.trySuccess(failed(DnsLookupOutcome.ERROR, start));
            }
        });
    }

    private static DnsLookupResult failed(DnsLookupOutcome outcome, long start) {
        return new DnsLookupResult(outcome, List.of(), -1, System.nanoTime() - start);
    }

    /** Turns the one response into a lookup result. */
    private static final class ResponseHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final long start;
        private final Promise<DnsLookupResult> promise;

        ResponseHandler(long start, Promise<DnsLookupResult> promise) {
            this.start = start;
            this.promise = promise;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            boolean ok = response.decoderResult().isSuccess() && HttpResponseStatus.OK.equals(response.status())
                    && DohCodec.MEDIA_TYPE.equalsIgnoreCase(String.valueOf(HttpUtil.getMimeType(response)));
            promise.trySuccess(ok ? DohCodec.result(response.content(), DnsRecordType.A, System.nanoTime() - start)
                    : failed(DnsLookupOutcome.ERROR, start));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            promise.trySuccess(failed(DnsLookupOutcome.ERROR, start));
            ctx.close();
        }
    }
}

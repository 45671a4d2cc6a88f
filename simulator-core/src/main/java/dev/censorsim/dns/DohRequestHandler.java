package dev.censorsim.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Serves DNS over HTTPS (RFC 8484 section 4.1, the POST form only): {@code POST /dns-query} with an
 * {@code application/dns-message} body is answered by a {@link DnsMessageProcessor}, the same zone lookup and record
 * surgery as the UDP server. Sits behind TLS, an {@code HttpServerCodec} and an {@code HttpObjectAggregator}; the
 * channel runs with AUTO_READ off, so the next request is read only after the answer was written.
 *
 * <p>Anything else gets a plain HTTP error: 404 for another path, 405 for another method, 415 for another content
 * type, 400 for a body that is no DNS query. Never throws out of the handler.
 */
public final class DohRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private final DnsMessageProcessor processor;

    /**
     * @param processor answers the queries; a resolver outside the censor's country is given one with no DNS rules
     */
    public DohRequestHandler(DnsMessageProcessor processor) {
        this.processor = processor;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            ctx.read();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            reply(ctx, HttpResponseStatus.BAD_REQUEST, null, false);
        } else if (!DohCodec.PATH.equals(path(request.uri()))) {
            reply(ctx, HttpResponseStatus.NOT_FOUND, null, keepAlive);
        } else if (!HttpMethod.POST.equals(request.method())) {
            reply(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, null, keepAlive);
        } else if (!DohCodec.MEDIA_TYPE.equalsIgnoreCase(String.valueOf(HttpUtil.getMimeType(request)))) {
            reply(ctx, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, null, keepAlive);
        } else {
            ByteBuf answer = ctx.alloc().buffer();
            int rcode = processor.answer(request.content(), client(ctx), answer);
            if (rcode == DnsMessageProcessor.NO_RESPONSE) {
                answer.release();
                reply(ctx, HttpResponseStatus.BAD_REQUEST, null, keepAlive);
            } else {
                reply(ctx, HttpResponseStatus.OK, answer, keepAlive);
            }
        }
    }

    private static String path(String uri) {
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    private static InetAddress client(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress address ? address.getAddress()
                : InetAddress.getLoopbackAddress();
    }

    private static void reply(ChannelHandlerContext ctx, HttpResponseStatus status, ByteBuf body, boolean keepAlive) {
        FullHttpResponse response = body == null
                ? new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status)
                : new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        if (body != null) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, DohCodec.MEDIA_TYPE);
        }
        HttpUtil.setContentLength(response, response.content().readableBytes());
        HttpUtil.setKeepAlive(response, keepAlive);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess() || !keepAlive) {
                ctx.close();
            } else {
                ctx.read();
            }
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a broken TLS or HTTP stream: nothing sensible to answer
    }
}

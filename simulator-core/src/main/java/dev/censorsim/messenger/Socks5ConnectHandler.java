package dev.censorsim.messenger;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.socksx.v5.DefaultSocks5CommandRequest;
import io.netty.handler.codec.socksx.v5.DefaultSocks5InitialRequest;
import io.netty.handler.codec.socksx.v5.Socks5AddressType;
import io.netty.handler.codec.socksx.v5.Socks5AuthMethod;
import io.netty.handler.codec.socksx.v5.Socks5ClientEncoder;
import io.netty.handler.codec.socksx.v5.Socks5CommandResponse;
import io.netty.handler.codec.socksx.v5.Socks5CommandResponseDecoder;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import io.netty.handler.codec.socksx.v5.Socks5CommandType;
import io.netty.handler.codec.socksx.v5.Socks5InitialResponse;
import io.netty.handler.codec.socksx.v5.Socks5InitialResponseDecoder;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;

import java.io.IOException;
import java.net.ConnectException;

/**
 * The client half of a SOCKS5 CONNECT without authentication (RFC 1928 sections 3, 4 and 6), on Netty's SOCKS5 codec.
 * Sends the greeting on connect, then the CONNECT for {@code host:port} (a domain, ATYP 3, unless {@code host} is an
 * IP literal), and completes {@code tunnel} when the proxy answers SUCCESS, after taking the codec and itself out of
 * the pipeline so the TLS layer talks straight to the target. A failure reply maps to the exception the
 * {@link ConnectOutcome} classifier expects: "connection refused" to a {@link ConnectException}, "TTL expired" to a
 * timeout, anything else to an {@link IOException}.
 */
final class Socks5ConnectHandler extends ChannelInboundHandlerAdapter {

    private static final String ENCODER = "messenger.socksEncoder";
    private static final String DECODER = "messenger.socksDecoder";

    private final String host;
    private final int port;
    private final Promise<Void> tunnel;

    Socks5ConnectHandler(String host, int port, Promise<Void> tunnel) {
        this.host = host;
        this.port = port;
        this.tunnel = tunnel;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.pipeline().addBefore(ctx.name(), ENCODER, Socks5ClientEncoder.DEFAULT);
        ctx.pipeline().addBefore(ctx.name(), DECODER, new Socks5InitialResponseDecoder());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(new DefaultSocks5InitialRequest(Socks5AuthMethod.NO_AUTH));
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof DecoderResultProvider provider && !provider.decoderResult().isSuccess()) {
                DecoderResult result = provider.decoderResult();
                fail(ctx, new IOException("SOCKS5 proxy sent a malformed reply", result.cause()));
            } else if (msg instanceof Socks5InitialResponse initial) {
                if (initial.authMethod() != Socks5AuthMethod.NO_AUTH) {
                    fail(ctx, new IOException("SOCKS5 proxy wants authentication " + initial.authMethod()));
                    return;
                }
                ctx.pipeline().replace(DECODER, DECODER, new Socks5CommandResponseDecoder());
                ctx.writeAndFlush(new DefaultSocks5CommandRequest(Socks5CommandType.CONNECT, addressType(), host,
                        port));
            } else if (msg instanceof Socks5CommandResponse response) {
                if (response.status() == Socks5CommandStatus.SUCCESS) {
                    ctx.pipeline().remove(ENCODER);
                    ctx.pipeline().remove(DECODER);
                    ctx.pipeline().remove(this);
                    tunnel.trySuccess(null);
                } else {
                    fail(ctx, failure(response.status()));
                }
            } else {
                fail(ctx, new IOException("unexpected SOCKS5 message " + msg.getClass().getSimpleName()));
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private Socks5AddressType addressType() {
        if (NetUtil.isValidIpV4Address(host)) {
            return Socks5AddressType.IPv4;
        }
        return NetUtil.isValidIpV6Address(host) ? Socks5AddressType.IPv6 : Socks5AddressType.DOMAIN;
    }

    private static Exception failure(Socks5CommandStatus status) {
        if (status == Socks5CommandStatus.CONNECTION_REFUSED) {
            return new ConnectException("SOCKS5 proxy: connection refused");
        }
        if (status == Socks5CommandStatus.TTL_EXPIRED) {
            return new ConnectTimeoutException("SOCKS5 proxy: TTL expired");
        }
        return new IOException("SOCKS5 proxy: " + status);
    }

    private void fail(ChannelHandlerContext ctx, Exception cause) {
        tunnel.tryFailure(cause);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        tunnel.tryFailure(new IOException("SOCKS5 proxy closed the connection during the handshake"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        tunnel.tryFailure(cause);
        ctx.close();
    }
}

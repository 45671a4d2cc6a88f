package dev.censorsim.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * Answers length-framed queries on one TCP connection (RFC 7766): several queries may be pipelined, and answers to
 * forwarded ones may come back out of order, matched by ID. {@code AUTO_READ} is off: the next read is asked for only
 * while the connection is writable, so a client that does not read its answers stops being read. An idle connection
 * is closed (RFC 7766 6.2.3).
 */
final class TcpQueryHandler extends ChannelInboundHandlerAdapter {

    private final DnsResponder responder;
    /** Advertised in the OPT as on UDP, though TCP answers are not cut to it: the client learns our UDP size. */
    private final int maxUdpPayload;
    private final Consumer<DnsQueryEvent> listener;

    TcpQueryHandler(DnsResponder responder, int maxUdpPayload, Consumer<DnsQueryEvent> listener) {
        this.responder = responder;
        this.maxUdpPayload = maxUdpPayload;
        this.listener = listener;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            IncomingQuery query = DnsQueryReader.read(frame);
            if (query != null) {
                InetSocketAddress client = (InetSocketAddress) ctx.channel().remoteAddress();
                responder.respond(query, client.getAddress(), answer -> reply(ctx, query, answer, client));
            }
        } catch (RuntimeException e) {
            // Keep serving; the reader and responder do not throw on input.
        } finally {
            frame.release();
        }
    }

    private void reply(ChannelHandlerContext ctx, IncomingQuery query, DnsAnswer answer, InetSocketAddress client) {
        try {
            if (answer.drop || !ctx.channel().isActive()) {
                QueryReplies.log(listener, client, "tcp", query, answer, false, false);
                return;
            }
            boolean[] truncated = new boolean[1];
            ByteBuf buf = QueryReplies.encode(ctx.alloc(), query, answer, QueryReplies.TCP_LIMIT,
                    query.hasEdns() ? QueryReplies.udpLimit(query, maxUdpPayload) : IncomingQuery.NO_EDNS, true,
                    truncated);
            if (buf == null) {
                return;
            }
            // Logged before the write, so that whoever reads the answer can already see its log event.
            QueryReplies.log(listener, client, "tcp", query, answer, true, truncated[0]);
            ctx.writeAndFlush(buf, ctx.voidPromise());
        } finally {
            answer.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.read();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A broken connection or an unframeable stream: this client is done; the server keeps serving others.
        ctx.close();
    }
}

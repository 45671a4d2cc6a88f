package dev.censorsim.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * Answers queries arriving as datagrams. Too-large answers go out truncated with TC set. Backpressure: while the
 * channel is unwritable, reading stops and answers that are ready are dropped, as an overloaded server does; the
 * client's retry is the flow control UDP has. Never throws: a bad datagram is answered FORMERR or dropped.
 *
 * <p>Answers decided while a read batch is being handled (zone answers and policy verdicts) are written without a
 * flush and flushed once at {@code channelReadComplete}: one wake-up answers every query the socket had queued, and on
 * epoll the flush leaves as one {@code sendmmsg(2)}. Answers that come later (forwarded ones) are flushed at once.
 */
final class UdpQueryHandler extends ChannelInboundHandlerAdapter {

    private final DnsResponder responder;
    private final int maxUdpPayload;
    private final Consumer<DnsQueryEvent> listener;
    /** Event loop only: inside {@link #channelRead}, where answers wait for the batch's flush. */
    private boolean reading;
    private boolean flushPending;
    /** {@code null} for no response-rate limit; touched only on this channel's event loop. */
    private final ResponseRateLimiter rateLimiter;
    private final boolean dropOverRate;

    UdpQueryHandler(DnsResponder responder, int maxUdpPayload, Consumer<DnsQueryEvent> listener) {
        this(responder, maxUdpPayload, listener, null, false);
    }

    UdpQueryHandler(DnsResponder responder, int maxUdpPayload, Consumer<DnsQueryEvent> listener,
                    ResponseRateLimiter rateLimiter, boolean dropOverRate) {
        this.responder = responder;
        this.maxUdpPayload = maxUdpPayload;
        this.listener = listener;
        this.rateLimiter = rateLimiter;
        this.dropOverRate = dropOverRate;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        reading = true;
        try {
            IncomingQuery query = DnsQueryReader.read(packet.content());
            if (query != null) {
                InetSocketAddress sender = packet.sender();
                // Checked here, on this channel's event loop, before any lookup or forwarding is spent on it.
                if (rateLimiter != null && !rateLimiter.allow(sender.getAddress(), System.nanoTime())) {
                    DnsAnswer slip = new DnsAnswer();
                    if (dropOverRate) {
                        slip.drop = true;
                    } else {
                        // RRL's "slip": a real client retries over TCP, a spoofed victim gets a few bytes.
                        slip.truncate = true;
                    }
                    reply(ctx, query, slip, sender);
                } else {
                    responder.respond(query, sender.getAddress(), answer -> reply(ctx, query, answer, sender));
                }
            }
        } catch (RuntimeException e) {
            // Belt and braces: the reader and responder do not throw on input, but the server must keep serving.
        } finally {
            reading = false;
            packet.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (flushPending) {
            flushPending = false;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    private void reply(ChannelHandlerContext ctx, IncomingQuery query, DnsAnswer answer, InetSocketAddress sender) {
        try {
            if (answer.drop || !ctx.channel().isActive()) {
                QueryReplies.log(listener, sender, "udp", query, answer, false, false);
                return;
            }
            if (!ctx.channel().isWritable()) {
                QueryReplies.log(listener, sender, "udp", query, answer, false, false);
                return;
            }
            int limit = QueryReplies.udpLimit(query, maxUdpPayload);
            boolean[] truncated = new boolean[1];
            ByteBuf buf = QueryReplies.encode(ctx.alloc(), query, answer, limit,
                    query.hasEdns() ? limit : IncomingQuery.NO_EDNS, false, truncated);
            if (buf == null) {
                return;
            }
            // Logged before the write, so that whoever reads the answer can already see its log event.
            QueryReplies.log(listener, sender, "udp", query, answer, true, truncated[0]);
            if (reading && ctx.executor().inEventLoop()) {
                ctx.write(new DatagramPacket(buf, sender), ctx.voidPromise());
                flushPending = true;
            } else {
                ctx.writeAndFlush(new DatagramPacket(buf, sender), ctx.voidPromise());
            }
        } finally {
            answer.release();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A UDP socket error (e.g. ICMP port unreachable for a vanished client) concerns one client, not the server.
    }
}

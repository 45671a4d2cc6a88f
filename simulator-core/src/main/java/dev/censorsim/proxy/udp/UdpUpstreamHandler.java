package dev.censorsim.proxy.udp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

/**
 * The forward relay's server side: on one flow's upstream socket (connected to the server, except on epoll), passes each server datagram through the
 * flow's policy and hands it to {@link UdpFrontendHandler} for the client. Reads the next batch only while the
 * listening channel is writable.
 */
final class UdpUpstreamHandler extends ChannelInboundHandlerAdapter {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(UdpUpstreamHandler.class);

    private final UdpFrontendHandler frontend;
    private final UdpFlow flow;

    UdpUpstreamHandler(UdpFrontendHandler frontend, UdpFlow flow) {
        this.frontend = frontend;
        this.flow = flow;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet) || flow.ended) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!flow.server.equals(packet.sender())) {
            // An unconnected upstream socket (epoll) receives from anyone; a connected one only from the server.
            LOG.debug("dropping a datagram from {} on the upstream socket of {}: not its server", packet.sender(),
                    flow.client);
            packet.release();
            return;
        }
        ByteBuf content = frontend.own(packet.content());
        long fate = flow.onDatagram(false, content, System.nanoTime());
        frontend.toClient(flow, content, fate);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        frontend.flushToClient(flow);
        if (flow.ended) {
            return;
        }
        if (frontend.clientSideWritable(flow)) {
            ctx.read();
        } else {
            frontend.park(ctx.channel());
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            frontend.upstreamWritable(ctx.channel());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A connected UDP socket reports the server's ICMP "port unreachable" here; the flow stays open, as a
        // real path would let the client keep trying.
        LOG.debug("upstream UDP error for {}", flow.client, cause);
    }
}

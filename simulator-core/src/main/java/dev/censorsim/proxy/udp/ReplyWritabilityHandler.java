package dev.censorsim.proxy.udp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * On a transparent flow's reply channel: tells the relay when the channel drained, so upstreams parked because it was
 * full read again (the listening channel does the same for forward flows).
 */
final class ReplyWritabilityHandler extends ChannelInboundHandlerAdapter {

    private final UdpFrontendHandler frontend;

    ReplyWritabilityHandler(UdpFrontendHandler frontend) {
        this.frontend = frontend;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        frontend.clientSideWritabilityChanged(ctx.channel());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A send error (the client's namespace went away): the flow ends by idling out, as a real path would.
    }
}

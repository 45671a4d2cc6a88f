package dev.censorsim.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;

/** The last inbound handler of each side: hands chunks, EOF and errors of its channel to a {@link DirectionRelay}. */
final class RelayHandler extends ChannelInboundHandlerAdapter {

    private final Flow flow;
    private final DirectionRelay relay;

    RelayHandler(Flow flow, DirectionRelay relay) {
        this.flow = flow;
        this.relay = relay;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf chunk) {
            relay.onChunk(chunk);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            flow.sourceEof(relay.direction());
            relay.onSourceEof();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        flow.failed(relay.direction(), cause);
    }
}

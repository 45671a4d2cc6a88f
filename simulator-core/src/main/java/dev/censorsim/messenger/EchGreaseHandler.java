package dev.censorsim.messenger;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Client side of {@link EchGrease}: sits below the {@code SslHandler} and adds the outer ECH extension to the first
 * record it writes, the ClientHello, then removes itself. Anything that is not a whole ClientHello record goes out as
 * it came (the attempt then simply offers no ECH).
 */
final class EchGreaseHandler extends ChannelOutboundHandlerAdapter {

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf hello) || !hello.isReadable()) {
            ctx.write(msg, promise); // SslHandler's empty flush marker, not the ClientHello
            return;
        }
        ctx.pipeline().remove(this);
        ByteBuf withEch = EchGrease.add(hello, ctx.alloc());
        if (withEch == null) {
            ctx.write(msg, promise);
            return;
        }
        hello.release();
        ctx.write(withEch, promise);
    }
}

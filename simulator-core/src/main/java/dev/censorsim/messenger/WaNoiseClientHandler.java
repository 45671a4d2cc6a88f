package dev.censorsim.messenger;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;

import java.util.List;

/**
 * Client side of the {@link WaNoise} handshake on a connected chat channel: sends the routing header, prologue and
 * Noise ClientHello, waits for the server's ServerHello frame, answers with ClientFinish, then replaces itself with the
 * frame codec and calls {@code ready} (which starts TLS inside the frames). A censor's reset or a hang shows as the
 * attempt's outcome, as for TLS.
 */
final class WaNoiseClientHandler extends ByteToMessageDecoder {

    /** Handshake frames are a few hundred bytes; anything larger is not a WhatsApp server. */
    private static final int MAX_HANDSHAKE_FRAME = 4096;

    private final Runnable ready;

    WaNoiseClientHandler(Runnable ready) {
        this.ready = ready;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(WaNoise.clientStart(ctx.alloc()));
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < WaNoise.LENGTH_BYTES) {
            return;
        }
        int length = in.getUnsignedMedium(in.readerIndex());
        if (length > MAX_HANDSHAKE_FRAME) {
            throw new CorruptedFrameException("a " + length + "-byte frame where a Noise ServerHello was expected");
        }
        if (in.readableBytes() < WaNoise.LENGTH_BYTES + length) {
            return;
        }
        ByteBuf frame = in.skipBytes(WaNoise.LENGTH_BYTES).readSlice(length);
        if (WaNoise.handshakeField(frame) != WaNoise.SERVER_HELLO) {
            throw new CorruptedFrameException("expected a Noise ServerHello frame, got field tag "
                    + WaNoise.handshakeField(frame));
        }
        ctx.writeAndFlush(WaNoise.clientFinish(ctx.alloc()));
        String self = ctx.name();
        ctx.pipeline().addAfter(self, MessengerPipeline.WA_FRAMES_OUT, WaNoise.frameEncoder());
        ctx.pipeline().addAfter(self, MessengerPipeline.WA_FRAMES_IN, WaNoise.frameDecoder());
        ctx.pipeline().remove(this);
        ready.run();
    }
}

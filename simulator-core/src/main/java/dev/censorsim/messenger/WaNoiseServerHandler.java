package dev.censorsim.messenger;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;

import java.util.List;

/**
 * Server side of {@link WaNoise}: first in the server's pipeline. A connection whose first bytes are not the routing
 * header ({@code "ED"}) or the prologue ({@code "WA"}) is TLS, and the handler steps aside at once. Otherwise it reads
 * the header, prologue and ClientHello frame, answers with a ServerHello frame, reads ClientFinish, then replaces
 * itself with the frame codec so the TLS session inside the frames reaches the TLS handler.
 */
final class WaNoiseServerHandler extends ByteToMessageDecoder {

    private static final int MAX_ROUTING_BYTES = 256;
    private static final int MAX_HANDSHAKE_FRAME = 4096;

    private enum State { PROBE, HELLO, FINISH }

    private State state = State.PROBE;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case PROBE -> probe(ctx, in);
            case HELLO -> {
                ByteBuf hello = frame(in);
                if (hello != null) {
                    expect(hello, WaNoise.CLIENT_HELLO, "ClientHello");
                    ctx.writeAndFlush(WaNoise.serverHello(ctx.alloc()));
                    state = State.FINISH;
                }
            }
            case FINISH -> {
                ByteBuf finish = frame(in);
                if (finish != null) {
                    expect(finish, WaNoise.CLIENT_FINISH, "ClientFinish");
                    String self = ctx.name();
                    ctx.pipeline().addAfter(self, MessengerPipeline.WA_FRAMES_OUT, WaNoise.frameEncoder());
                    ctx.pipeline().addAfter(self, MessengerPipeline.WA_FRAMES_IN, WaNoise.frameDecoder());
                    ctx.pipeline().remove(this);
                }
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    /** "ED" 00 01, 3-byte length, routing data, then "WA" magic version; or "WA" magic version alone. */
    private void probe(ChannelHandlerContext ctx, ByteBuf in) {
        if (in.readableBytes() < 2) {
            return;
        }
        int start = in.readerIndex();
        byte first = in.getByte(start);
        byte second = in.getByte(start + 1);
        int prologueAt;
        if (first == 'E' && second == 'D') {
            if (in.readableBytes() < 7) {
                return;
            }
            int routing = in.getUnsignedMedium(start + 4);
            if (routing > MAX_ROUTING_BYTES) {
                throw new CorruptedFrameException("a " + routing + "-byte routing header");
            }
            prologueAt = 7 + routing;
        } else if (first == 'W' && second == 'A') {
            prologueAt = 0;
        } else {
            ctx.pipeline().remove(this); // TLS: the bytes go on to the TLS handler untouched
            return;
        }
        if (in.readableBytes() < prologueAt + WaNoise.PROLOGUE.length) {
            return;
        }
        if (in.getByte(start + prologueAt) != 'W' || in.getByte(start + prologueAt + 1) != 'A') {
            throw new CorruptedFrameException("no WA prologue after the routing header");
        }
        in.skipBytes(prologueAt + WaNoise.PROLOGUE.length);
        state = State.HELLO;
    }

    private static ByteBuf frame(ByteBuf in) {
        if (in.readableBytes() < WaNoise.LENGTH_BYTES) {
            return null;
        }
        int length = in.getUnsignedMedium(in.readerIndex());
        if (length > MAX_HANDSHAKE_FRAME) {
            throw new CorruptedFrameException("a " + length + "-byte Noise handshake frame");
        }
        if (in.readableBytes() < WaNoise.LENGTH_BYTES + length) {
            return null;
        }
        return in.skipBytes(WaNoise.LENGTH_BYTES).readSlice(length);
    }

    private static void expect(ByteBuf frame, int tag, String what) {
        if (WaNoise.handshakeField(frame) != tag) {
            throw new CorruptedFrameException("expected a Noise " + what + " frame, got field tag "
                    + WaNoise.handshakeField(frame));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // not a WhatsApp client we can talk to; nothing to answer
    }
}

package dev.censorsim.messenger;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Server side of {@link EchGrease}: first in the server's pipeline, it waits for the client's first TLS record and,
 * when that is a ClientHello offering ECH, passes it on without the extension, so the TLS engine hashes what the
 * client's engine produced. Then it removes itself (the decoder hands on whatever else arrived). Bytes that do not
 * start a TLS handshake record, and records too long for a ClientHello, pass untouched.
 */
final class EchStripHandler extends ByteToMessageDecoder {

    /** A TLS record's payload is at most 2^14 bytes plus 2048 of expansion (RFC 8446 §5.2). */
    private static final int MAX_RECORD = 5 + (1 << 14) + 2048;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 5 && in.getUnsignedByte(in.readerIndex()) == 22) {
            return;
        }
        int length = in.getUnsignedByte(in.readerIndex()) == 22 ? 5 + in.getUnsignedShort(in.readerIndex() + 3) : -1;
        if (length > 0 && length <= MAX_RECORD && in.readableBytes() < length) {
            return;
        }
        if (length > 0 && length <= MAX_RECORD) {
            ByteBuf record = in.readSlice(length);
            ByteBuf stripped = EchGrease.strip(record, ctx.alloc());
            out.add(stripped != null ? stripped : record.retain());
        }
        ctx.pipeline().remove(this);
    }
}

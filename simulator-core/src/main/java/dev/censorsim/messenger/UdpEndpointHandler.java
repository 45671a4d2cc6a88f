package dev.censorsim.messenger;

import dev.censorsim.call.StunBinding;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

/**
 * The server's UDP endpoint, one socket for calls and QUIC told apart by the first byte as RFC 9443 §3 lays out:
 *
 * <pre>
 *   0..3     STUN          answered here: a Binding request gets the address it came from (XOR-MAPPED-ADDRESS)
 *   128..191 RTP           echoed here to its sender, so the caller measures loss, jitter and round trip both ways
 *   64..127, 192..255 QUIC (the fixed bit 0x40, RFC 9000 §17.2/§17.3) passed on to the QUIC codec behind this handler
 * </pre>
 *
 * Anything else, and QUIC when no codec follows (the native library did not load), is dropped.
 *
 * <p>It holds no per-flow state: a call is its source address and port. A datagram that cannot be sent at once (the
 * socket's buffer is full) is dropped, as UDP would, instead of queued.
 */
final class UdpEndpointHandler extends ChannelInboundHandlerAdapter {

    private static final int STUN_BINDING_REQUEST = 0x0001;
    private static final int STUN_RESPONSE_BYTES = 64;
    private static final int QUIC_FIXED_BIT = 0x40;

    private final byte[] transactionId = new byte[StunBinding.TRANSACTION_ID_BYTES];
    private final boolean quic;

    /** @param quic whether a QUIC codec follows in the pipeline to take QUIC datagrams */
    UdpEndpointHandler(boolean quic) {
        this.quic = quic;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket packet)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ByteBuf in = packet.content();
        if (quic && in.isReadable() && (in.getUnsignedByte(in.readerIndex()) & 0xc0) != 0x80
                && (in.getUnsignedByte(in.readerIndex()) & QUIC_FIXED_BIT) != 0) {
            ctx.fireChannelRead(packet);
            return;
        }
        try {
            if (!ctx.channel().isWritable()) {
                return;
            }
            if (CallPackets.isRtp(in)) {
                ctx.write(new DatagramPacket(in.retain(), packet.sender()));
            } else if (StunBinding.readType(in, transactionId) == STUN_BINDING_REQUEST) {
                ByteBuf out = ctx.alloc().buffer(STUN_RESPONSE_BYTES);
                StunBinding.writeSuccess(out, transactionId, packet.sender());
                ctx.write(new DatagramPacket(out, packet.sender()));
            }
        } finally {
            packet.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // An ICMP port-unreachable from a caller that hung up surfaces here; the endpoint serves on.
    }
}

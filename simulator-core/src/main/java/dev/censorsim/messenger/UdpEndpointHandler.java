package dev.censorsim.messenger;

import dev.censorsim.call.StunBinding;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;

import java.util.Random;

/**
 * The server's UDP endpoint. For calls it answers a STUN Binding request with the address it came from
 * (XOR-MAPPED-ADDRESS, as a TURN or media server does) and echoes every RTP packet back to its sender, so the caller
 * measures loss, jitter and round-trip time over both legs of the path. A QUIC v1 client Initial gets a Retry
 * ({@link QuicFirstFlight}). Anything else is dropped.
 *
 * <p>It holds no per-flow state: a call is its source address and port. A datagram that cannot be sent at once (the
 * socket's buffer is full) is dropped, as UDP would, instead of queued.
 */
final class UdpEndpointHandler extends SimpleChannelInboundHandler<DatagramPacket> {

    private static final int STUN_BINDING_REQUEST = 0x0001;
    private static final int STUN_RESPONSE_BYTES = 64;

    private static final int RETRY_BYTES = 64;

    private final byte[] transactionId = new byte[StunBinding.TRANSACTION_ID_BYTES];
    /** Only for the Retry's fresh connection ID and token, which need no secrecy here. */
    private final Random random = new Random();

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        ByteBuf in = packet.content();
        if (!ctx.channel().isWritable()) {
            return;
        }
        if (CallPackets.isRtp(in)) {
            ctx.write(new DatagramPacket(in.retain(), packet.sender()));
        } else if (StunBinding.readType(in, transactionId) == STUN_BINDING_REQUEST) {
            ByteBuf out = ctx.alloc().buffer(STUN_RESPONSE_BYTES);
            StunBinding.writeSuccess(out, transactionId, packet.sender());
            ctx.write(new DatagramPacket(out, packet.sender()));
        } else {
            byte[][] ids = QuicFirstFlight.initialConnectionIds(in);
            if (ids != null) {
                ByteBuf out = ctx.alloc().buffer(RETRY_BYTES);
                QuicFirstFlight.writeRetry(out, ids[0], ids[1], random);
                ctx.write(new DatagramPacket(out, packet.sender()));
            }
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

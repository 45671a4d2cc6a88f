package dev.censorsim.messenger;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * One server connection: acknowledges chat messages, answers keepalives, serves a download or takes an upload,
 * accepts calls and echoes the media of a call relayed over TLS.
 *
 * <p>AUTO_READ is off: the next read is requested only when the acks of the previous one are flushed and the channel
 * is writable, so a client that stops reading its acks stops being read too. Downloads are written while the channel
 * is writable and resumed on writability, so a throttled path never makes the server buffer without bound.
 */
final class ServerSessionHandler extends ChannelInboundHandlerAdapter {

    private long downloadRemaining;
    private long uploadExpected = -1;
    private long uploadReceived;
    private boolean readPending;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (!handle(ctx, frame)) {
                ctx.close(); // not our protocol: end the connection rather than guess
            }
        } finally {
            frame.release();
        }
    }

    private boolean handle(ChannelHandlerContext ctx, ByteBuf frame) {
        switch (MessengerFrame.type(frame)) {
            case MessengerFrame.CHAT -> {
                long id = MessengerFrame.longAt(frame, 0);
                long sent = MessengerFrame.longAt(frame, 1);
                if (MessengerFrame.bodyLength(frame) < 16) {
                    return false;
                }
                ctx.write(MessengerFrame.twoLongs(ctx.alloc(), MessengerFrame.ACK, id, sent));
                return true;
            }
            case MessengerFrame.PING -> {
                if (MessengerFrame.bodyLength(frame) < 8) {
                    return false;
                }
                ctx.write(MessengerFrame.oneLong(ctx.alloc(), MessengerFrame.PONG, MessengerFrame.longAt(frame, 0)));
                return true;
            }
            case MessengerFrame.GET -> {
                long bytes = MessengerFrame.longAt(frame, 0);
                if (bytes < 0 || downloadRemaining > 0) {
                    return false;
                }
                downloadRemaining = bytes;
                writeDownload(ctx);
                return true;
            }
            case MessengerFrame.PUT -> {
                long bytes = MessengerFrame.longAt(frame, 0);
                if (bytes < 0 || uploadExpected >= 0) {
                    return false;
                }
                uploadExpected = bytes;
                uploadReceived = 0;
                answerUploadIfComplete(ctx);
                return true;
            }
            case MessengerFrame.DATA -> {
                if (uploadExpected < 0) {
                    return false;
                }
                uploadReceived += MessengerFrame.bodyLength(frame);
                answerUploadIfComplete(ctx);
                return true;
            }
            case MessengerFrame.CALL -> {
                if (MessengerFrame.bodyLength(frame) < 8) {
                    return false;
                }
                ctx.write(MessengerFrame.oneLong(ctx.alloc(), MessengerFrame.CALL_OK, MessengerFrame.longAt(frame, 0)));
                return true;
            }
            case MessengerFrame.HANGUP -> {
                return MessengerFrame.bodyLength(frame) >= 8;
            }
            case MessengerFrame.RTP -> {
                // The call's TCP fallback: echo the packet, as the UDP media endpoint does. A relayed call is 50
                // frames/s each way, so it needs no flow control beyond the read-after-flush below.
                if (MessengerFrame.bodyLength(frame) < CallPackets.RTP_HEADER_BYTES) {
                    return false;
                }
                ctx.write(frame.retainedDuplicate());
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private void answerUploadIfComplete(ChannelHandlerContext ctx) {
        if (uploadExpected >= 0 && uploadReceived >= uploadExpected) {
            ctx.write(MessengerFrame.oneLong(ctx.alloc(), MessengerFrame.DONE, uploadReceived));
            uploadExpected = -1;
        }
    }

    private void writeDownload(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        while (downloadRemaining > 0 && ch.isWritable()) {
            int n = (int) Math.min(MessengerFrame.DATA_CHUNK_BYTES, downloadRemaining);
            downloadRemaining -= n;
            ctx.write(MessengerFrame.data(ctx.alloc(), n));
        }
        ctx.flush();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        if (ctx.channel().isWritable()) {
            ctx.read();
        } else {
            readPending = true;
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            if (downloadRemaining > 0) {
                writeDownload(ctx);
            }
            if (readPending) {
                readPending = false;
                ctx.read();
            }
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // resets, handshake failures and bad frames are expected under censorship; the client reports them
    }
}

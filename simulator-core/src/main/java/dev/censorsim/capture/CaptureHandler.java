package dev.censorsim.capture;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * First handler of an accepted client channel when {@code --pcap} is on: records what the client sent as it is read
 * and what the censor sends as it is written, then the end. A close with {@code SO_LINGER 0} (how the censor resets)
 * is written as RST, any other close as FIN; a client that reset shows as an RST from the client. Everything passes
 * through untouched; one instance per channel.
 */
public final class CaptureHandler extends ChannelDuplexHandler {

    private final CaptureFile file;
    private TcpCapture capture;

    public CaptureHandler(CaptureFile file) {
        this.file = file;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        capture = file.tcp((InetSocketAddress) ctx.channel().remoteAddress(),
                (InetSocketAddress) ctx.channel().localAddress());
        capture.handshake();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (capture != null) {
            ByteBuf data = msg instanceof ByteBuf b ? b : msg instanceof ByteBufHolder h ? h.content() : null;
            if (data != null) {
                capture.fromClient(data);
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE && capture != null) {
            capture.clientFin();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (capture != null && cause instanceof IOException && String.valueOf(cause.getMessage()).contains("reset")) {
            capture.clientReset();
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (capture != null && msg instanceof ByteBuf data) {
            capture.toClient(data);
        }
        ctx.write(msg, promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        recordClose(ctx);
        ctx.close(promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // The client closed first (or the channel closed without passing close() through here).
        recordClose(ctx);
        ctx.fireChannelInactive();
    }

    private void recordClose(ChannelHandlerContext ctx) {
        if (capture == null) {
            return;
        }
        Integer linger;
        try {
            linger = ctx.channel().config().getOption(ChannelOption.SO_LINGER);
        } catch (RuntimeException closedAlready) {
            linger = null;
        }
        if (linger != null && linger == 0) {
            capture.serverReset();
        } else {
            capture.clientFin();
            capture.serverFin();
        }
    }
}

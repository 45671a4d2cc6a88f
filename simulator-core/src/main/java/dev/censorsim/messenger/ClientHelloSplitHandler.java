package dev.censorsim.messenger;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Sends the ClientHello as {@code segments} separate TCP segments, the evasion zapret and GoodbyeDPI call "split":
 * a DPI box that parses only the first segment sees an incomplete ClientHello and no SNI, while one that reassembles
 * still reads the name. Sits below the {@code SslHandler}, so it cuts the encrypted-layer bytes the censor sees.
 *
 * <p>The channel has TCP_NODELAY, and each piece is written and flushed on its own. Pieces after the first are sent
 * {@code gapNanos} apart: on loopback a proxy that is a little late to read would otherwise get all the segments in one
 * read, which no packet-level DPI would, and the split would test nothing. Writes that arrive while the pieces are
 * going out wait behind them in order. The handler removes itself after the last piece.
 */
final class ClientHelloSplitHandler extends ChannelOutboundHandlerAdapter {

    private final int segments;
    private final long gapNanos;
    private final ArrayDeque<Object[]> waiting = new ArrayDeque<>();
    private final ArrayDeque<ByteBuf> pieces = new ArrayDeque<>();
    private ChannelPromise splitPromise;
    private boolean splitting;
    private boolean done;

    ClientHelloSplitHandler(int segments, long gapNanos) {
        if (segments < 2) {
            throw new IllegalArgumentException("a split needs at least 2 segments, was " + segments);
        }
        this.segments = segments;
        this.gapNanos = gapNanos;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (done) {
            ctx.write(msg, promise);
            return;
        }
        if (!splitting && msg instanceof ByteBuf empty && !empty.isReadable()) {
            ctx.write(msg, promise); // SslHandler's empty flush marker, not the ClientHello
            return;
        }
        if (splitting || !(msg instanceof ByteBuf first) || first.readableBytes() < segments) {
            waiting.add(new Object[] {msg, promise});
            if (!splitting) {
                finish(ctx); // not a ClientHello we can cut: send as is
            }
            return;
        }
        splitting = true;
        splitPromise = promise;
        int length = first.readableBytes();
        int pieceBytes = (length + segments - 1) / segments;
        for (int offset = 0; offset < length; offset += pieceBytes) {
            pieces.add(first.retainedSlice(first.readerIndex() + offset, Math.min(pieceBytes, length - offset)));
        }
        first.release();
        sendNext(ctx);
    }

    private void sendNext(ChannelHandlerContext ctx) {
        if (done || pieces.isEmpty()) {
            return; // removed (closed) while the next piece was scheduled; handlerRemoved released everything
        }
        ByteBuf piece = pieces.poll();
        boolean last = pieces.isEmpty();
        ctx.writeAndFlush(piece).addListener(f -> {
            if (!f.isSuccess()) {
                splitPromise.tryFailure(f.cause());
                releasePieces();
                return;
            }
            if (last) {
                splitPromise.trySuccess();
                finish(ctx);
            } else {
                ctx.executor().schedule(() -> sendNext(ctx), gapNanos, TimeUnit.NANOSECONDS);
            }
        });
    }

    private void finish(ChannelHandlerContext ctx) {
        done = true;
        Object[] next;
        while ((next = waiting.poll()) != null) {
            ctx.write(next[0], (ChannelPromise) next[1]);
        }
        ctx.flush();
        if (ctx.pipeline().context(this) != null) {
            ctx.pipeline().remove(this);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (done || !splitting) {
            ctx.flush();
        }
        // while splitting, the pieces flush themselves and finish() flushes what waited
    }

    /**
     * Runs when the channel closes too (the pipeline is torn down), which is what frees pieces whose scheduled send
     * will never run because the event loop cancelled it.
     */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        done = true;
        if (splitPromise != null && !pieces.isEmpty()) {
            splitPromise.tryFailure(new java.nio.channels.ClosedChannelException());
        }
        releasePieces();
        failWaiting();
    }

    private void releasePieces() {
        ByteBuf piece;
        while ((piece = pieces.poll()) != null) {
            ReferenceCountUtil.safeRelease(piece);
        }
    }

    private void failWaiting() {
        Object[] next;
        while ((next = waiting.poll()) != null) {
            ReferenceCountUtil.safeRelease(next[0]);
            ((ChannelPromise) next[1]).tryFailure(new java.nio.channels.ClosedChannelException());
        }
    }
}

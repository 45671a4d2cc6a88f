package dev.censorsim.messenger;

import dev.censorsim.units.Direction;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.TimeUnit;

/**
 * One media lane: back-to-back transfers of {@code mediaBytes}, each on a fresh TLS connection to the media name,
 * downloading or uploading. A transfer's time runs from the request (after the handshake) to its last byte (download)
 * or the server's confirmation (upload); a phase's throughput is its completed transfers' payload bits over their
 * summed transfer times.
 * Bytes are counted as they move, so the per-second series shows partial transfers too. A transfer with no progress
 * for {@code mediaTimeout} fails; after a failure the lane waits before it tries again so a blocked name is not
 * hammered in a tight loop.
 */
final class MediaWorker {

    /** The pause after a failed transfer when the retry policy gives none. */
    private static final long MIN_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final MessengerClientOptions options;
    private final MessengerConnector connector;
    private final MessengerMetrics metrics;
    private final EventLoop loop;
    private Channel channel;
    private boolean closed;

    MediaWorker(MessengerClientOptions options, MessengerConnector connector, MessengerMetrics metrics,
                EventLoop loop) {
        this.options = options;
        this.connector = connector;
        this.metrics = metrics;
        this.loop = loop;
    }

    void start() {
        loop.execute(this::transfer);
    }

    private void transfer() {
        if (closed) {
            return;
        }
        metrics.mediaStarted();
        connector.connect(loop, options.mediaName()).addListener(f -> {
            if (!f.isSuccess()) {
                failed();
                return;
            }
            Channel ch = (Channel) f.getNow();
            if (closed) {
                ch.close();
                return;
            }
            channel = ch;
            long idle = options.mediaTimeout().toNanos();
            ch.pipeline().addLast(MessengerPipeline.FRAMES, MessengerFrame.decoder());
            ch.pipeline().addLast(MessengerPipeline.IDLE, new IdleStateHandler(0, 0, idle, TimeUnit.NANOSECONDS));
            ch.pipeline().addLast(MessengerPipeline.SESSION, new TransferHandler());
        });
    }

    private void failed() {
        if (closed) {
            return; // the client is stopping: an attempt cut short by close() is no censor's doing
        }
        metrics.mediaFailed(System.nanoTime());
        long pause = Math.max(MIN_PAUSE_NANOS, options.retry().base().toNanos());
        loop.schedule(this::transfer, pause, TimeUnit.NANOSECONDS);
    }

    void close() {
        loop.execute(() -> {
            closed = true;
            if (channel != null) {
                channel.close();
            }
        });
    }

    /** Drives one transfer on its connection; reports exactly once, then closes the connection. */
    private final class TransferHandler extends ChannelInboundHandlerAdapter {
        private final long total = options.mediaBytes();
        private long startNanos;
        private long startPhase;
        private long moved;
        private long uploadRemaining;
        private boolean reported;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            startNanos = System.nanoTime();
            startPhase = metrics.phase();
            if (options.mediaDirection() == Direction.DOWN) {
                ctx.writeAndFlush(MessengerFrame.oneLong(ctx.alloc(), MessengerFrame.GET, total));
            } else {
                ctx.write(MessengerFrame.oneLong(ctx.alloc(), MessengerFrame.PUT, total));
                uploadRemaining = total;
                writeUpload(ctx);
            }
        }

        private void writeUpload(ChannelHandlerContext ctx) {
            while (uploadRemaining > 0 && ctx.channel().isWritable()) {
                int n = (int) Math.min(MessengerFrame.DATA_CHUNK_BYTES, uploadRemaining);
                uploadRemaining -= n;
                ctx.write(MessengerFrame.data(ctx.alloc(), n)).addListener(f -> {
                    if (f.isSuccess()) {
                        moved += n;
                        metrics.mediaBytes(n);
                    }
                });
            }
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && uploadRemaining > 0) {
                writeUpload(ctx);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf frame)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            try {
                byte type = MessengerFrame.type(frame);
                if (type == MessengerFrame.DATA && options.mediaDirection() == Direction.DOWN) {
                    int n = MessengerFrame.bodyLength(frame);
                    moved += n;
                    metrics.mediaBytes(n);
                    if (moved >= total) {
                        completed(ctx);
                    }
                } else if (type == MessengerFrame.DONE && options.mediaDirection() == Direction.UP
                        && MessengerFrame.longAt(frame, 0) >= total) {
                    completed(ctx);
                } else {
                    report(ctx, false); // not the server we expect
                }
            } finally {
                frame.release();
            }
        }

        private void completed(ChannelHandlerContext ctx) {
            if (!reported) {
                metrics.mediaCompleted(total, System.nanoTime() - startNanos, startPhase);
            }
            report(ctx, true);
        }

        private void report(ChannelHandlerContext ctx, boolean ok) {
            if (reported) {
                return;
            }
            reported = true;
            channel = null;
            ctx.close();
            if (ok) {
                loop.execute(MediaWorker.this::transfer);
            } else {
                failed();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                report(ctx, false); // stalled: a freeze or a black hole after the handshake
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!closed) {
                report(ctx, false);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            report(ctx, false);
        }
    }
}

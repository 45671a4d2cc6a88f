package dev.censorsim.proxy;

import dev.censorsim.policy.Direction;
import dev.censorsim.policy.TokenBucket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DuplexChannel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One direction of a flow: reads a chunk from {@code source}, passes it through the freeze cut, the token buckets and
 * the delay line, writes it to {@code sink}, and only then reads the next chunk. With {@code AUTO_READ} off that
 * keeps at most one read chunk in memory per direction (plus the bounded delay line), whatever the peers do.
 *
 * <p>Shaping copies {@code AbstractTrafficShapingHandler}: take tokens for the chunk, write the granted slice, and
 * schedule the rest on the event loop after {@link TokenBucket#nanosUntil}; never sleep on the loop. Event-loop
 * confined: both channels of a flow share one event loop.
 *
 * <p>A verdict change after a policy swap goes {@link #clearAction()}, then the new action's mechanisms, then
 * {@link #endChange()}: link buckets and the delay line's queue survive it, everything else the old action set up
 * does not.
 */
final class DirectionRelay {

    /** Smallest read buffer on a shaped flow; below that, syscalls per byte dominate. */
    private static final int MIN_SHAPED_READ_BYTES = 512;
    /** Netty's default largest read, used on unshaped flows. */
    private static final int MAX_READ_BYTES = 64 * 1024;
    /** Lower bound on a shaping wake-up, so flows contending for a shared bucket do not spin. */
    private static final long MIN_SHAPING_WAIT_NANOS = 50_000;

    private final Flow flow;
    private final Direction direction;
    private final Channel source;
    private final Channel sink;
    /** The policy's whole-link bucket for this direction, or null; replaced when a swap brings another link. */
    private TokenBucket linkBucket;
    /** Buckets the flow's action added; cleared when a re-evaluation changes the verdict. */
    private final List<TokenBucket> actionBuckets = new ArrayList<>(2);
    /** {@link #linkBucket} then {@link #actionBuckets}, flattened for the per-chunk path. */
    private TokenBucket[] buckets = new TokenBucket[0];
    private long[] taken = new long[0];
    private final ArrayDeque<ByteBuf> backlog = new ArrayDeque<>(2);

    private long bytesIn;
    private long freezeRemaining = -1;
    private DelayLine delayLine;
    /** The action that installed {@link #delayLine} is gone; the line is dropped once its queue is empty. */
    private boolean delayRetired;
    private boolean dropping;
    private boolean chunkInFlight;
    private boolean waitingForDrain;
    private ByteBuf shapingRest;
    private ScheduledFuture<?> shapingTimer;
    private boolean sourceEof;
    private boolean sinkShutDown;
    private boolean closed;

    DirectionRelay(Flow flow, Direction direction, Channel source, Channel sink) {
        this.flow = flow;
        this.direction = direction;
        this.source = source;
        this.sink = sink;
    }

    long bytesIn() {
        return bytesIn;
    }

    /** Counts bytes the censor received but never handed to this relay (held for inspection, then dropped). */
    void countUnrelayed(int bytes) {
        bytesIn += bytes;
        flow.countBytes(direction, bytes);
    }

    Direction direction() {
        return direction;
    }

    /** Sets the whole-link bucket (the policy's {@code link}), or removes it with {@code null}. */
    void setLink(TokenBucket bucket) {
        if (bucket != linkBucket) {
            linkBucket = bucket;
            rebuildBuckets();
        }
    }

    /** Adds an action's bucket; every bucket on a direction applies. */
    void addBucket(TokenBucket bucket) {
        actionBuckets.add(bucket);
        rebuildBuckets();
    }

    private void rebuildBuckets() {
        List<TokenBucket> all = new ArrayList<>(actionBuckets.size() + 1);
        if (linkBucket != null) {
            all.add(linkBucket);
        }
        all.addAll(actionBuckets);
        buckets = all.toArray(new TokenBucket[0]);
        taken = new long[buckets.length];
        if (buckets.length == 0) {
            source.config().setRecvByteBufAllocator(new AdaptiveRecvByteBufAllocator());
            return;
        }
        // A 64 KiB read on a 64 kbit/s flow is 8 s of traffic held in memory and released in bursts; reading about
        // one bucket burst at a time keeps the in-flight chunk (and the shaper's granularity) proportional to rate.
        long smallestBurst = Long.MAX_VALUE;
        for (TokenBucket b : buckets) {
            smallestBurst = Math.min(smallestBurst, b.burstBytes());
        }
        int max = (int) Math.max(MIN_SHAPED_READ_BYTES, Math.min(MAX_READ_BYTES, smallestBurst));
        source.config().setRecvByteBufAllocator(
                new AdaptiveRecvByteBufAllocator(Math.min(64, max), Math.min(2048, max), max));
    }

    void delay(long delayNanos, long jitterNanos, long seed) {
        if (delayLine == null) {
            delayLine = new DelayLine(this, sink, delayNanos, jitterNanos, seed);
        } else {
            // Chunks already queued keep their release times; new ones queue behind them, so nothing is reordered.
            delayLine.retune(delayNanos, jitterNanos);
        }
        delayRetired = false;
    }

    void freezeAfter(long bytes) {
        freezeRemaining = bytes;
    }

    /**
     * Stops this direction, as a box that drops every packet does: nothing more is read or forwarded, so the sender's
     * window fills and it stalls, exactly as TCP behaves when its segments go unacknowledged. Bytes already read (a
     * chunk the shaper was pacing, a late read) are held, not dropped: when a later verdict lifts the black hole they
     * go out first, in order, as the sender's retransmissions would. A TCP stream never arrives with a gap in it, so
     * neither does a relayed one. What is held is bounded by one read.
     */
    void drop() {
        dropping = true;
        if (shapingTimer != null) {
            shapingTimer.cancel(false);
            shapingTimer = null;
        }
    }

    /**
     * Undoes what the previous action installed (its buckets, delay, freeze cut, black hole) before the next action is
     * applied; link buckets stay. Pair with {@link #endChange()}.
     */
    void clearAction() {
        actionBuckets.clear();
        rebuildBuckets();
        freezeRemaining = -1;
        dropping = false;
        if (delayLine != null) {
            delayLine.retune(0, 0);
            delayRetired = true;
        }
    }

    /**
     * Applies a re-evaluation's outcome to what is in flight: a chunk the shaper was pacing is re-shaped now against
     * the new buckets (none, fewer or more), and a direction that was not reading starts again.
     */
    void endChange() {
        if (closed) {
            return;
        }
        if (dropping) {
            return; // stalled until a verdict lifts the black hole
        }
        if (shapingRest != null) {
            ByteBuf rest = shapingRest;
            shapingRest = null;
            if (shapingTimer != null) {
                shapingTimer.cancel(false);
                shapingTimer = null;
            }
            shape(rest);
            return;
        }
        if (!chunkInFlight && !waitingForDrain) {
            afterChunk();
        }
    }

    boolean isDropping() {
        return dropping;
    }

    void requestRead() {
        if (!closed && !dropping && !sourceEof && !chunkInFlight && !waitingForDrain && backlog.isEmpty()) {
            Reads.request(source);
        }
    }

    void onChunk(ByteBuf chunk) {
        int size = chunk.readableBytes();
        bytesIn += size;
        flow.countBytes(direction, size);
        if (direction == Direction.DOWN && !flow.isDecided()) {
            // The server spoke first: decide now, as a DPI box must before forwarding the server's first packet.
            flow.decideNow();
        }
        if (closed || size == 0) {
            chunk.release();
            if (!closed && !chunkInFlight && !waitingForDrain) {
                afterChunk();
            }
            return;
        }
        if (dropping || chunkInFlight || waitingForDrain) {
            // A read requested before a hand-over (classification to relay) or before the black hole landed late;
            // keep it, in order, for when the relay moves again.
            backlog.addLast(chunk);
            return;
        }
        accept(chunk);
    }

    private void accept(ByteBuf chunk) {
        chunkInFlight = true;
        flow.relayed();
        if (freezeRemaining >= 0) {
            int size = chunk.readableBytes();
            if (size >= freezeRemaining) {
                ByteBuf allowance = chunk.readRetainedSlice((int) freezeRemaining);
                // The rest of the chunk is past the allowance: held with the stalled flow, never dropped, so a verdict
                // that lifts the freeze resumes the stream without a gap.
                if (chunk.isReadable()) {
                    backlog.addFirst(chunk);
                } else {
                    chunk.release();
                }
                freezeRemaining = 0;
                flow.freezeReached();
                if (!allowance.isReadable()) {
                    allowance.release();
                    chunkInFlight = false;
                    return;
                }
                shape(allowance);
                return;
            }
            freezeRemaining -= size;
        }
        shape(chunk);
    }

    private void shape(ByteBuf chunk) {
        final TokenBucket[] buckets = this.buckets;
        if (buckets.length == 0) {
            emit(chunk, true);
            return;
        }
        long now = System.nanoTime();
        int wanted = chunk.readableBytes();
        long granted = grant(wanted, now);
        if (granted == wanted) {
            emit(chunk, true);
            return;
        }
        if (granted > 0) {
            emit(chunk.readRetainedSlice((int) granted), false);
        }
        shapingRest = chunk;
        // Wake when half a burst is available, not a full one: the bucket stops filling at its burst, so waiting
        // for a full bucket loses every token that accrues during the timer's wake-up latency (measured: -4% at
        // 100 Mbit/s). Half a burst leaves ~10 ms of slack before tokens overflow.
        long wait = MIN_SHAPING_WAIT_NANOS;
        for (TokenBucket b : buckets) {
            long target = Math.max(1, Math.min(chunk.readableBytes(), b.burstBytes() / 2));
            wait = Math.max(wait, b.nanosUntil(target, now));
        }
        shapingTimer = source.eventLoop().schedule(this::resumeShaping, wait, TimeUnit.NANOSECONDS);
    }

    private void resumeShaping() {
        shapingTimer = null;
        ByteBuf rest = shapingRest;
        shapingRest = null;
        if (rest == null) {
            return;
        }
        if (closed) {
            rest.release();
            return;
        }
        shape(rest);
    }

    /** Takes the same amount from every bucket on this direction: the minimum any of them grants. */
    private long grant(long wanted, long now) {
        final TokenBucket[] buckets = this.buckets;
        final long[] taken = this.taken;
        long granted = wanted;
        int n = buckets.length;
        for (int i = 0; i < n && granted > 0; i++) {
            taken[i] = buckets[i].take(granted, now);
            granted = Math.min(granted, taken[i]);
        }
        for (int i = 0; i < n; i++) {
            if (taken[i] > granted) {
                buckets[i].giveBack(taken[i] - granted);
            }
            taken[i] = 0;
        }
        return granted;
    }

    private void emit(ByteBuf slice, boolean lastOfChunk) {
        if (delayRetired && delayLine.isIdle()) {
            // The delay was lifted and everything it held is out: write directly again.
            delayLine = null;
            delayRetired = false;
        }
        if (delayLine != null) {
            delayLine.enqueue(slice);
            if (lastOfChunk) {
                chunkInFlight = false;
                if (delayLine.pendingBytes() >= DelayLine.HIGH_WATER_BYTES) {
                    waitingForDrain = true;
                } else {
                    afterChunk();
                }
            }
            return;
        }
        if (!lastOfChunk) {
            sink.writeAndFlush(slice).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
            return;
        }
        sink.writeAndFlush(slice).addListener(f -> {
            chunkInFlight = false;
            if (f.isSuccess()) {
                afterChunk();
            } else {
                flow.writeFailed(direction, f.cause());
            }
        });
    }

    void delayedChunkWritten(boolean success, Throwable cause) {
        if (!success) {
            flow.writeFailed(direction, cause);
            return;
        }
        flow.relayed();
        if (waitingForDrain && delayLine.pendingBytes() <= DelayLine.LOW_WATER_BYTES) {
            waitingForDrain = false;
            afterChunk();
        } else if (sourceEof) {
            maybeShutDownSink();
        }
    }

    private void afterChunk() {
        if (closed) {
            return;
        }
        if (dropping) {
            return; // stalled: the backlog waits for a verdict that lifts the black hole
        }
        ByteBuf next = backlog.pollFirst();
        if (next != null) {
            accept(next);
            return;
        }
        if (sourceEof) {
            maybeShutDownSink();
        } else {
            requestRead();
        }
    }

    void onSourceEof() {
        sourceEof = true;
        if (dropping) {
            // A black hole forwards no FIN either; if a later verdict lifts it, endChange() forwards it then.
            return;
        }
        maybeShutDownSink();
    }

    private void maybeShutDownSink() {
        boolean idle = !chunkInFlight && !waitingForDrain && shapingRest == null && backlog.isEmpty()
                && (delayLine == null || delayLine.isIdle());
        if (!idle || sinkShutDown || closed || dropping) {
            return;
        }
        sinkShutDown = true;
        if (!sink.isActive()) {
            flow.directionFinished(direction);
            return;
        }
        ((DuplexChannel) sink).shutdownOutput().addListener(f -> {
            if (f.isSuccess()) {
                flow.directionFinished(direction);
            } else {
                flow.writeFailed(direction, f.cause());
            }
        });
    }

    /** Releases everything this direction still holds. Idempotent. */
    void close() {
        closed = true;
        cancelShaping();
        if (delayLine != null) {
            delayLine.discard();
        }
        releaseBacklog();
    }

    private void cancelShaping() {
        if (shapingTimer != null) {
            shapingTimer.cancel(false);
            shapingTimer = null;
        }
        if (shapingRest != null) {
            shapingRest.release();
            shapingRest = null;
        }
    }

    private void releaseBacklog() {
        ByteBuf b;
        while ((b = backlog.pollFirst()) != null) {
            b.release();
        }
    }
}

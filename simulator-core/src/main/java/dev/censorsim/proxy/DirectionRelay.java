package dev.censorsim.proxy;

import dev.censorsim.units.Direction;
import dev.censorsim.units.Durations;
import dev.censorsim.policy.TokenBucket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.epoll.EpollInterestPin;
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
    /** Most client bytes held, unforwarded, while a black hole watches for the client leaving: one full read. */
    static final int HELD_WHILE_DROPPING_BYTES = MAX_READ_BYTES;
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
    /** Made once: the slow path of {@link #emit} would otherwise allocate a listener per chunk. */
    private final ChannelFutureListener chunkWritten = this::chunkWritten;

    private long bytesIn;
    private long freezeRemaining = -1;
    private DelayLine delayLine;
    /** The action that installed {@link #delayLine} is gone; the line is dropped once its queue is empty. */
    private boolean delayRetired;
    private boolean dropping;
    private boolean chunkInFlight;
    /** {@link #afterChunk} is running; a nested call only sets {@link #moveOnAgain}. */
    private boolean movingOn;
    private boolean moveOnAgain;
    /** The server's first chunk went past the censor's inspection (DOWN only). */
    private boolean firstChunkSeen;
    /** Client chunks still to look at for a STARTTLS ClientHello (UP only); 0: not looking. */
    private int startTlsChunksLeft;
    private boolean waitingForDrain;
    private ByteBuf shapingRest;
    private ScheduledFuture<?> shapingTimer;
    private boolean sourceEof;
    private boolean sinkShutDown;
    private boolean closed;

    // The Toxiproxy-style mechanisms of TcpFlowControl; clearAction() undoes each of them.
    /** {@code slow-close}: how long the close is held back once it is due; 0 for none. */
    private long slowCloseNanos;
    private boolean slowCloseDue;
    private ScheduledFuture<?> slowCloseTimer;
    /** {@code reset-peer}: armed at >= 0, the delay from the triggering chunk to the RST. */
    private long resetAfterNanos = -1;
    private ScheduledFuture<?> resetTimer;
    /** {@code stall}: everything read is discarded; the timer closes the flow when the stall times out. */
    private boolean discarding;
    private ScheduledFuture<?> stallTimer;
    /** {@code limit-data}: bytes still allowed, or -1 for no limit. */
    private long limitRemaining = -1;
    private boolean limitReached;
    /** {@code slicer}: cuts chunks into segments on their way into the delay line; null for none. */
    private Slicer slicer;

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

    /** Looks at the next {@code chunks} client chunks for the ClientHello of a STARTTLS upgrade. */
    void watchForStartTls(int chunks) {
        startTlsChunksLeft = chunks;
    }

    void delay(long delayNanos, long jitterNanos, long seed) {
        if (delayLine == null) {
            delayLine = new DelayLine(this, sink, delayNanos, jitterNanos, seed);
        } else if (delayRetired) {
            // Chunks already queued keep their release times; new ones queue behind them, so nothing is reordered.
            delayLine.retune(delayNanos, jitterNanos);
        } else {
            // A second delay from the same action (a chain): delays add up, as chained Toxiproxy latency toxics do.
            delayLine.retune(delayLine.delayNanos() + delayNanos, delayLine.jitterNanos() + jitterNanos);
        }
        delayRetired = false;
    }

    /** Holds the sink's close back by {@code delayNanos} more (several slow closes add up). */
    void slowClose(long delayNanos) {
        slowCloseNanos += delayNanos;
    }

    /**
     * Forwards nothing more on this direction; closes the flow after {@code closeAfterNanos}, or never when 0. What
     * arrives is read and discarded, as Toxiproxy's timeout toxic does, rather than left unread: the sender is not
     * stalled by a full window, and the close is a clean FIN (a close over unread bytes would be an RST).
     */
    void stall(long closeAfterNanos) {
        discarding = true;
        if (closeAfterNanos > 0 && stallTimer == null) {
            stallTimer = source.eventLoop().schedule(() -> {
                stallTimer = null;
                flow.closeByPolicy("stalled " + direction.wireName() + " for " + Durations.format(closeAfterNanos));
            }, closeAfterNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Arms a reset: the next chunk (or EOF) read on this direction is dropped and {@code afterNanos} later the flow is reset. */
    void resetOnData(long afterNanos) {
        resetAfterNanos = resetAfterNanos < 0 ? afterNanos : Math.min(resetAfterNanos, afterNanos);
    }

    private void triggerReset() {
        long after = resetAfterNanos;
        resetAfterNanos = -1;
        drop(); // nothing more is read: the peer's next bytes wait in its socket until the RST discards them
        if (after == 0) {
            flow.reset();
        } else if (resetTimer == null) {
            resetTimer = source.eventLoop().schedule(() -> {
                resetTimer = null;
                flow.reset();
            }, after, TimeUnit.NANOSECONDS);
        }
    }

    /** Lets {@code bytes} more through on this direction, then closes the flow (the smallest of several limits wins). */
    void limitData(long bytes) {
        if (!limitReached) {
            limitRemaining = limitRemaining < 0 ? bytes : Math.min(limitRemaining, bytes);
        }
    }

    /** Cuts every chunk from now on into segments, each flushed on its own, {@code delayNanos} apart. */
    void slice(int averageBytes, int variationBytes, long delayNanos, long seed) {
        slicer = new Slicer(averageBytes, variationBytes, delayNanos, seed);
        // The segments are paced by the delay line; with no delay of its own it only spaces them.
        if (delayLine == null) {
            delayLine = new DelayLine(this, sink, 0, 0, seed);
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
     * neither does a relayed one.
     *
     * <p>The client side keeps one read outstanding all the same, holding what it reads, up to
     * {@link #HELD_WHILE_DROPPING_BYTES}: a black hole holds the server side, not a dead client. Without the read a
     * client's FIN or RST was never seen, and every client that sent a black-holed name and left kept two descriptors
     * for the whole idle timeout (2,000 such clients held 4,013 fds for 300 s). A client that keeps sending stalls
     * at that bound, as before.
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
        slowCloseNanos = 0;
        slowCloseDue = false;
        resetAfterNanos = -1;
        if (!limitReached) {
            limitRemaining = -1;
        }
        slicer = null;
        discarding = false;
        cancelPolicyTimers();
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
        if (dropping) {
            watchForClientLeaving();
        } else if (!closed && !sourceEof && !chunkInFlight && !waitingForDrain && backlog.isEmpty()) {
            Reads.request(source);
        }
    }

    /** While dropping, the client side keeps reading into the held backlog, up to its bound (see {@link #drop()}). */
    private void watchForClientLeaving() {
        if (direction != Direction.UP || closed || sourceEof || Reads.inputDone(source)) {
            return;
        }
        long held = 0;
        for (ByteBuf b : backlog) {
            held += b.readableBytes();
        }
        if (shapingRest != null) {
            held += shapingRest.readableBytes();
        }
        if (held < HELD_WHILE_DROPPING_BYTES) {
            Reads.request(source);
        }
    }

    void onChunk(ByteBuf chunk) {
        int size = chunk.readableBytes();
        bytesIn += size;
        flow.countBytes(direction, size);
        if (direction == Direction.DOWN && !firstChunkSeen) {
            firstChunkSeen = true;
            flow.serverFirstChunk(chunk);
        }
        if (startTlsChunksLeft > 0 && size > 0) {
            startTlsChunksLeft = flow.startTlsChunk(chunk) ? 0 : startTlsChunksLeft - 1;
        }
        if (closed || size == 0) {
            chunk.release();
            if (!closed && !chunkInFlight && !waitingForDrain) {
                afterChunk();
            }
            return;
        }
        if (dropping || chunkInFlight || waitingForDrain) {
            // A read requested before a hand-over (classification to relay) or before the black hole landed late, or
            // the black hole's watch read; keep it, in order, for when the relay moves again.
            backlog.addLast(chunk);
            if (dropping) {
                watchForClientLeaving();
            }
            return;
        }
        accept(chunk);
    }

    private void accept(ByteBuf chunk) {
        if (resetAfterNanos >= 0) {
            chunk.release(); // the chunk that triggers a reset-peer is never forwarded, as Toxiproxy's is not
            triggerReset();
            return;
        }
        if (discarding) {
            chunk.release();
            afterChunk();
            return;
        }
        chunkInFlight = true;
        flow.relayed();
        if (limitRemaining >= 0) {
            int size = chunk.readableBytes();
            if (size >= limitRemaining) {
                ByteBuf allowance = chunk.readRetainedSlice((int) limitRemaining);
                chunk.release(); // past the limit: the flow closes, so the rest is never sent
                chunk = allowance;
                limitRemaining = 0;
                limitReached = true;
                // Read no more; once the allowance is written the sink "shuts down", which closes the flow.
                sourceEof = true;
                releaseBacklog();
                if (!chunk.isReadable()) {
                    chunk.release();
                    chunkInFlight = false;
                    maybeShutDownSink();
                    return;
                }
            } else {
                limitRemaining -= size;
            }
        }
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
            if (slicer != null) {
                slicer.enqueue(slice, delayLine);
            } else {
                delayLine.enqueue(slice);
            }
            if (lastOfChunk) {
                chunkInFlight = false;
                if (delayLine.pendingBytes() >= DelayLine.HIGH_WATER_BYTES
                        || delayLine.queuedChunks() >= DelayLine.HIGH_WATER_CHUNKS) {
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
        // The hot path of every relayed chunk, made allocation-free: a flush on the event loop writes to the socket
        // at once, so when the sink's outbound buffer is empty afterwards the chunk is in the kernel and the next read
        // may go out now. Only when the socket was full is a promise made (on an empty marker that completes after the
        // chunk), so the next read waits for the drain. A failed write of the void promise reaches the sink's
        // RelayHandler as exceptionCaught, which names the failing socket as writeFailed would.
        sink.writeAndFlush(slice, sink.voidPromise());
        ChannelOutboundBuffer pending = sink.unsafe().outboundBuffer();
        if (pending == null || pending.isEmpty()) {
            chunkInFlight = false;
            afterChunk();
        } else {
            sink.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(chunkWritten);
        }
    }

    /** Completes a chunk whose write had to wait for the socket to drain. */
    private void chunkWritten(io.netty.util.concurrent.Future<? super Void> f) {
        chunkInFlight = false;
        if (f.isSuccess()) {
            afterChunk();
        } else {
            flow.writeFailed(direction, f.cause());
        }
    }

    void delayedChunkWritten(boolean success, Throwable cause) {
        if (!success) {
            flow.writeFailed(direction, cause);
            return;
        }
        flow.relayed();
        if (waitingForDrain && delayLine.pendingBytes() <= DelayLine.LOW_WATER_BYTES
                && delayLine.queuedChunks() <= DelayLine.LOW_WATER_CHUNKS) {
            waitingForDrain = false;
            afterChunk();
        } else if (sourceEof) {
            maybeShutDownSink();
        }
    }

    /**
     * Moves on after a chunk: the next held chunk, the sink's FIN, or a read. A trampoline, because the write of the
     * next chunk usually completes inside this call and asks to move on again: epoll reads a half-closed peer's whole
     * receive queue at once (hundreds of chunks into {@link #backlog}), and recursing once per chunk can run out of
     * stack, losing the chunk in hand. Before this trampoline the synchronous write path lost about 1 MB of RelayTest's
     * 100 MB in 1 run of 7 on epoll (cold JVM); after it, 0 of 8. Netty's promise notification bounds the same
     * recursion for listeners (it defers them past a stack depth of 8), which the promise-free path no longer uses.
     */
    private void afterChunk() {
        if (movingOn) {
            moveOnAgain = true;
            return;
        }
        movingOn = true;
        try {
            do {
                moveOnAgain = false;
                moveOn();
            } while (moveOnAgain);
        } finally {
            movingOn = false;
        }
    }

    private void moveOn() {
        if (closed) {
            return;
        }
        if (dropping) {
            // Stalled: the backlog waits for a verdict that lifts the black hole; the client side is still watched.
            watchForClientLeaving();
            return;
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
        if (resetAfterNanos >= 0) {
            triggerReset(); // Toxiproxy's reset_peer fires on the end of its input as on data
            return;
        }
        if (discarding) {
            flow.closeByPolicy("stalled " + direction.wireName() + " until its source closed");
            return;
        }
        if (dropping) {
            if (direction == Direction.UP) {
                // The client left a flow whose server side is held: nothing it could still receive would ever come,
                // so the flow ends now rather than at the idle timeout.
                flow.clientLeftWhileDropping();
            }
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
        if (slowCloseNanos > 0 && !slowCloseDue) {
            if (slowCloseTimer == null) {
                slowCloseTimer = source.eventLoop().schedule(() -> {
                    slowCloseTimer = null;
                    slowCloseDue = true;
                    maybeShutDownSink();
                }, slowCloseNanos, TimeUnit.NANOSECONDS);
            }
            return;
        }
        sinkShutDown = true;
        if (limitReached) {
            flow.closeByPolicy("data limit reached " + direction.wireName());
            return;
        }
        if (!sink.isActive()) {
            flow.directionFinished(direction);
            return;
        }
        ((DuplexChannel) sink).shutdownOutput().addListener(f -> {
            if (f.isSuccess()) {
                EpollInterestPin.unpin(sink); // nothing more is written to it
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
        cancelPolicyTimers();
        if (delayLine != null) {
            delayLine.discard();
        }
        releaseBacklog();
    }

    private void cancelPolicyTimers() {
        if (slowCloseTimer != null) {
            slowCloseTimer.cancel(false);
            slowCloseTimer = null;
        }
        if (resetTimer != null) {
            resetTimer.cancel(false);
            resetTimer = null;
        }
        if (stallTimer != null) {
            stallTimer.cancel(false);
            stallTimer = null;
        }
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

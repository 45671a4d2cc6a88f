package dev.censorsim.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;

import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Holds one direction's chunks until their release time: {@code max(arrival + delay + jitter, previous release)}, so
 * jitter never reorders bytes. Reading goes on while chunks wait (a delay is latency, not a rate limit); the queue
 * is bounded by {@link #HIGH_WATER_BYTES}, counting a chunk until its write has completed so a slow receiver cannot
 * grow the outbound buffer instead. Event-loop confined.
 */
final class DelayLine {

    /** Enough for ~80 ms at 100 Mbit/s or a full second at 8 Mbit/s, while one flow's memory stays small. */
    static final long HIGH_WATER_BYTES = 1 << 20;
    static final long LOW_WATER_BYTES = HIGH_WATER_BYTES / 2;
    /** Bounds the queue's length too, for a slicer that cuts chunks into many tiny segments. */
    static final int HIGH_WATER_CHUNKS = 4096;
    static final int LOW_WATER_CHUNKS = HIGH_WATER_CHUNKS / 2;

    private final DirectionRelay relay;
    private final Channel sink;
    private long delayNanos;
    private long jitterNanos;
    private final SplittableRandom random;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private long pendingBytes;
    private long lastReleaseNanos = Long.MIN_VALUE;
    private ScheduledFuture<?> timer;

    DelayLine(DirectionRelay relay, Channel sink, long delayNanos, long jitterNanos, long seed) {
        this.relay = relay;
        this.sink = sink;
        this.delayNanos = delayNanos;
        this.jitterNanos = jitterNanos;
        this.random = new SplittableRandom(seed);
    }

    /** Bytes queued or written but not yet acknowledged by the sink's write future. */
    long pendingBytes() {
        return pendingBytes;
    }

    /** Chunks waiting for their release time. */
    int queuedChunks() {
        return queue.size();
    }

    long delayNanos() {
        return delayNanos;
    }

    long jitterNanos() {
        return jitterNanos;
    }

    boolean isIdle() {
        return pendingBytes == 0 && queue.isEmpty();
    }

    /**
     * Changes the delay for chunks enqueued from now on (a re-evaluation changed the verdict). Queued chunks keep
     * their release times, and a new chunk never leaves before the one ahead of it, so a shorter delay cannot reorder.
     */
    void retune(long delayNanos, long jitterNanos) {
        this.delayNanos = delayNanos;
        this.jitterNanos = jitterNanos;
    }

    void enqueue(ByteBuf chunk) {
        enqueue(chunk, 0, false);
    }

    /**
     * Queues {@code chunk} to leave at least {@code gapNanos} after the chunk ahead of it; an {@code ownSegment} chunk
     * is flushed on its own (a slicer's segment), not batched with others due at the same moment.
     */
    void enqueue(ByteBuf chunk, long gapNanos, boolean ownSegment) {
        long jitter = jitterNanos == 0 ? 0 : random.nextLong(jitterNanos + 1);
        long releaseAt = Math.max(System.nanoTime() + delayNanos + jitter, lastReleaseNanos + gapNanos);
        lastReleaseNanos = releaseAt;
        queue.addLast(new Pending(chunk, releaseAt, ownSegment));
        pendingBytes += chunk.readableBytes();
        if (timer == null) {
            schedule(releaseAt);
        }
    }

    private void schedule(long releaseAt) {
        timer = sink.eventLoop().schedule(this::releaseDue, releaseAt - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    private void releaseDue() {
        timer = null;
        long now = System.nanoTime();
        boolean wrote = false;
        Pending head;
        while ((head = queue.peekFirst()) != null && head.releaseAtNanos <= now) {
            queue.pollFirst();
            int size = head.chunk.readableBytes();
            ChannelFuture written = sink.write(head.chunk);
            written.addListener(f -> {
                pendingBytes -= size;
                relay.delayedChunkWritten(f.isSuccess(), f.cause());
            });
            if (head.ownSegment) {
                sink.flush();
            } else {
                wrote = true;
            }
        }
        if (wrote) {
            sink.flush();
        }
        if (head != null) {
            schedule(head.releaseAtNanos);
        }
    }

    /** Drops what has not been released yet; the flow is closing. */
    void discard() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        Pending p;
        while ((p = queue.pollFirst()) != null) {
            pendingBytes -= p.chunk.readableBytes();
            p.chunk.release();
        }
    }

    private record Pending(ByteBuf chunk, long releaseAtNanos, boolean ownSegment) {
    }
}

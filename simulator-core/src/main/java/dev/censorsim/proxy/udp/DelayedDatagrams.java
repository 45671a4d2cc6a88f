package dev.censorsim.proxy.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;

import java.util.PriorityQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Datagrams waiting out a {@code delay} action, in due order. One timer serves the whole queue (re-armed for the
 * earliest entry), and the queue is ours rather than the event loop's, so {@link #releaseAll()} can free what is still
 * waiting when the relay closes: scheduled tasks cancelled at shutdown would leak their buffers. Confined to one
 * event loop.
 */
final class DelayedDatagrams {

    /** Datagrams one flow may have waiting at once; beyond it the path is "full" and drops, as a router queue would. */
    static final int MAX_PER_FLOW = 16_384;
    /** Bytes one flow may have waiting: 300 ms of a 200 Mbit/s flow. Beyond it the path drops, as for the count. */
    static final long MAX_BYTES_PER_FLOW = 8L << 20;
    /** Bytes every flow of this relay (or SOCKS association) may have waiting together. */
    static final long MAX_BYTES = 64L << 20;

    private final EventExecutor executor;
    private final PriorityQueue<Entry> queue = new PriorityQueue<>((a, b) -> a.due != b.due
            ? Long.compare(a.due - b.due, 0) : Long.compare(a.sequence, b.sequence));
    private ScheduledFuture<?> timer;
    private long timerDue;
    private long sequence;
    private long bytes;

    DelayedDatagrams(EventExecutor executor) {
        this.executor = executor;
    }

    /**
     * Writes {@code message} to {@code channel} after {@code delayNanos}; takes ownership of it. Its buffer should be
     * of its own length ({@link DatagramBatches#compact}): the byte budgets count what it carries.
     */
    void add(UdpFlow flow, Channel channel, Object message, long delayNanos) {
        int size = size(message);
        if (flow.delayedInFlight >= MAX_PER_FLOW || flow.delayedBytes + size > MAX_BYTES_PER_FLOW
                || bytes + size > MAX_BYTES) {
            ReferenceCountUtil.release(message);
            return;
        }
        flow.delayedInFlight++;
        flow.delayedBytes += size;
        bytes += size;
        long due = System.nanoTime() + delayNanos;
        queue.add(new Entry(due, sequence++, flow, channel, message, size));
        if (timer == null || due - timerDue < 0) {
            arm(due);
        }
    }

    private void arm(long due) {
        if (timer != null) {
            timer.cancel(false);
        }
        timerDue = due;
        timer = executor.schedule(this::releaseDue, Math.max(0, due - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void releaseDue() {
        timer = null;
        long now = System.nanoTime();
        Entry next;
        while ((next = queue.peek()) != null && next.due - now <= 0) {
            queue.poll();
            next.flow.delayedInFlight--;
            next.flow.delayedBytes -= next.size;
            bytes -= next.size;
            // On a closed channel the write fails and Netty releases the message.
            next.channel.writeAndFlush(next.message, next.channel.voidPromise());
        }
        if (next != null) {
            arm(next.due);
        }
    }

    /** Drops everything still waiting, releasing the buffers. */
    void releaseAll() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        Entry waiting;
        while ((waiting = queue.poll()) != null) {
            waiting.flow.delayedInFlight--;
            waiting.flow.delayedBytes -= waiting.size;
            ReferenceCountUtil.release(waiting.message);
        }
        bytes = 0;
    }

    /** Bytes waiting in all flows together. */
    long bytes() {
        return bytes;
    }

    private static int size(Object message) {
        if (message instanceof ByteBuf buffer) {
            return buffer.readableBytes();
        }
        return message instanceof ByteBufHolder holder ? holder.content().readableBytes() : 0;
    }

    private record Entry(long due, long sequence, UdpFlow flow, Channel channel, Object message, int size) {
    }
}

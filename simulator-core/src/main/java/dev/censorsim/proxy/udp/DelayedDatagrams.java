package dev.censorsim.proxy.udp;

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

    private final EventExecutor executor;
    private final PriorityQueue<Entry> queue = new PriorityQueue<>((a, b) -> a.due != b.due
            ? Long.compare(a.due - b.due, 0) : Long.compare(a.sequence, b.sequence));
    private ScheduledFuture<?> timer;
    private long timerDue;
    private long sequence;

    DelayedDatagrams(EventExecutor executor) {
        this.executor = executor;
    }

    /** Writes {@code message} to {@code channel} after {@code delayNanos}; takes ownership of it. */
    void add(UdpFlow flow, Channel channel, Object message, long delayNanos) {
        if (flow.delayedInFlight >= MAX_PER_FLOW) {
            ReferenceCountUtil.release(message);
            return;
        }
        flow.delayedInFlight++;
        long due = System.nanoTime() + delayNanos;
        queue.add(new Entry(due, sequence++, flow, channel, message));
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
            ReferenceCountUtil.release(waiting.message);
        }
    }

    private record Entry(long due, long sequence, UdpFlow flow, Channel channel, Object message) {
    }
}

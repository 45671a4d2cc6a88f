package dev.censorsim.proxy;

import io.netty.util.internal.logging.InternalLogger;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A warning about a condition that can repeat thousands of times a second (descriptors exhausted, the flow cap
 * reached, source ports gone): at most one line per interval, carrying how many times it happened since the last
 * line, so the log says what is going on without becoming the next resource to run out. Thread-safe, lock-free.
 */
public final class RateLimitedWarning {

    private final InternalLogger log;
    private final long intervalNanos;
    private final AtomicLong occurrences = new AtomicLong();
    private final AtomicLong nextLineNanos;

    /**
     * @param log      where the line goes
     * @param interval shortest time between two lines
     */
    public RateLimitedWarning(InternalLogger log, long interval, TimeUnit unit) {
        this.log = log;
        this.intervalNanos = unit.toNanos(interval);
        this.nextLineNanos = new AtomicLong(System.nanoTime());
    }

    /**
     * Counts one occurrence and logs {@code message} with the count when the interval has passed since the last line.
     * Returns whether a line was written.
     */
    public boolean warn(String message) {
        long count = occurrences.incrementAndGet();
        long now = System.nanoTime();
        long due = nextLineNanos.get();
        if (now - due < 0 || !nextLineNanos.compareAndSet(due, now + intervalNanos)) {
            return false;
        }
        long reported = occurrences.getAndAdd(-count);
        log.warn("{} ({} time{} in the last {} s)", message, reported, reported == 1 ? "" : "s",
                TimeUnit.NANOSECONDS.toSeconds(intervalNanos));
        return true;
    }

    /** Occurrences counted since the last line (for tests and status pages). */
    public long pending() {
        return occurrences.get();
    }
}

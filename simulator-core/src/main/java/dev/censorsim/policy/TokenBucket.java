package dev.censorsim.policy;

/**
 * A token bucket in bytes, shared safely between event loops (a {@code scope: rule} throttle or the link is one
 * bucket for many flows). Tokens are refilled lazily from {@link System#nanoTime()} readings passed in by the caller,
 * with no rounding drift: the refill clock advances only by the time that the granted whole tokens correspond to.
 *
 * <p>The burst is kept small on purpose (20 ms of rate, at least 512 bytes): the throttle accuracy promise is ±5% over
 * a 5 s window down to 64 kbit/s, and a bucket that starts full adds {@code burst / (rate * 5 s)} of error.
 */
public final class TokenBucket {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long MIN_BURST_BYTES = 512;

    private final long rateBytesPerSecond;
    private final long burstBytes;
    private long tokens;
    private long refilledUpToNanos;

    public TokenBucket(long rateBytesPerSecond, long burstBytes, long nowNanos) {
        if (rateBytesPerSecond <= 0) {
            throw new IllegalArgumentException("rateBytesPerSecond must be > 0, was " + rateBytesPerSecond);
        }
        if (burstBytes <= 0) {
            throw new IllegalArgumentException("burstBytes must be > 0, was " + burstBytes);
        }
        this.rateBytesPerSecond = rateBytesPerSecond;
        this.burstBytes = burstBytes;
        this.tokens = burstBytes;
        this.refilledUpToNanos = nowNanos;
    }

    /** A bucket whose burst is 20 ms of its rate, but at least 512 bytes. */
    public static TokenBucket forRate(long rateBytesPerSecond) {
        return new TokenBucket(rateBytesPerSecond, defaultBurst(rateBytesPerSecond), System.nanoTime());
    }

    public static long defaultBurst(long rateBytesPerSecond) {
        return Math.max(MIN_BURST_BYTES, rateBytesPerSecond / 50);
    }

    public long rateBytesPerSecond() {
        return rateBytesPerSecond;
    }

    public long burstBytes() {
        return burstBytes;
    }

    /** Takes up to {@code wanted} bytes' worth of tokens and returns how many were taken (0 when empty). */
    public synchronized long take(long wanted, long nowNanos) {
        refill(nowNanos);
        long granted = Math.min(wanted, tokens);
        if (granted <= 0) {
            return 0;
        }
        tokens -= granted;
        return granted;
    }

    /** Returns tokens taken but not used, e.g. when another bucket on the same path granted fewer. */
    public synchronized void giveBack(long unused) {
        if (unused > 0) {
            tokens = Math.min(burstBytes, tokens + unused);
        }
    }

    /** Nanoseconds until {@code min(wanted, burst)} tokens are available; 0 when they are available now. */
    public synchronized long nanosUntil(long wanted, long nowNanos) {
        refill(nowNanos);
        long needed = Math.min(wanted, burstBytes) - tokens;
        if (needed <= 0) {
            return 0;
        }
        // Ceiling division, so the caller never wakes up one token short.
        return (needed * NANOS_PER_SECOND + rateBytesPerSecond - 1) / rateBytesPerSecond;
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - refilledUpToNanos;
        if (elapsed <= 0) {
            return;
        }
        long room = burstBytes - tokens;
        if (room <= 0) {
            refilledUpToNanos = nowNanos;
            return;
        }
        // Cap the elapsed time at what fills the bucket, so elapsed * rate cannot overflow after a long idle.
        long fillNanos = room * NANOS_PER_SECOND / rateBytesPerSecond + 1;
        if (elapsed >= fillNanos) {
            tokens = burstBytes;
            refilledUpToNanos = nowNanos;
            return;
        }
        long added = elapsed * rateBytesPerSecond / NANOS_PER_SECOND;
        if (added > 0) {
            tokens += added;
            refilledUpToNanos += added * NANOS_PER_SECOND / rateBytesPerSecond;
        }
    }
}

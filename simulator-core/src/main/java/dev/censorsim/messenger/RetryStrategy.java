package dev.censorsim.messenger;

/**
 * Reconnect with exponential backoff: attempt {@code n} (from 1) waits {@code min(max, base * 2^(n-1))}, scaled by a
 * random factor in {@code [1 - jitter, 1]} so that many clients do not reconnect in lock step.
 *
 * @param attempts  connection attempts in all, the first one included
 * @param baseNanos the first backoff
 * @param maxNanos  the cap on any backoff
 * @param jitter    the fraction of each backoff that is random, in [0, 1]
 */
public record RetryStrategy(int attempts, long baseNanos, long maxNanos, double jitter) {

    /** 3 attempts, 200 ms doubling up to 3 s, half of it jittered. */
    public static final RetryStrategy DEFAULT = new RetryStrategy(3, 200_000_000L, 3_000_000_000L, 0.5);

    public RetryStrategy {
        if (attempts < 1 || attempts > 1000) {
            throw new IllegalArgumentException("retry attempts must be 1 to 1000, got " + attempts);
        }
        if (baseNanos <= 0) {
            throw new IllegalArgumentException("retry base must be positive");
        }
        if (maxNanos < baseNanos) {
            throw new IllegalArgumentException("retry max must be at least the base");
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("retry jitter must be in [0, 1], got " + jitter);
        }
    }
}

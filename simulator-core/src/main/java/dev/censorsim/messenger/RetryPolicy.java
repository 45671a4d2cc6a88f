package dev.censorsim.messenger;

import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * Retry with exponential backoff and jitter: attempt {@code k} (0-based) of one connect waits
 * {@code min(max, base * 2^(k-1))} before it, scaled by a random factor in {@code [1 - jitter, 1 + jitter]} so a
 * crowd of clients does not retry in lock step.
 *
 * @param attempts total attempts per connect, at least 1 ({@code 1} = no retry)
 * @param base     the first wait
 * @param max      the cap on any wait
 * @param jitter   the random spread, within [0, 1]
 */
public record RetryPolicy(int attempts, Duration base, Duration max, double jitter) {

    /** One attempt, no wait. */
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ofMillis(100), Duration.ofMillis(100), 0);

    public RetryPolicy {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(max, "max");
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be >= 1, was " + attempts);
        }
        if (base.isNegative() || max.compareTo(base) < 0) {
            throw new IllegalArgumentException("need 0 <= base <= max, got base " + base + ", max " + max);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be within [0, 1], was " + jitter);
        }
    }

    /** The wait before attempt {@code attempt} (0-based); zero before the first. */
    public long delayNanos(int attempt, Random random) {
        if (attempt <= 0) {
            return 0;
        }
        int doublings = Math.min(attempt - 1, 30);
        long nominal = Math.min(max.toNanos(), base.toNanos() << doublings);
        if (nominal < 0) {
            nominal = max.toNanos();
        }
        double factor = 1 + jitter * (2 * random.nextDouble() - 1);
        return Math.round(nominal * factor);
    }
}

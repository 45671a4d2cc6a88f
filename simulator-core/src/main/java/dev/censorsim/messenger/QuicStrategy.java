package dev.censorsim.messenger;

/**
 * QUIC first, TCP/TLS after: before each connection the messenger sends a QUIC v1 Initial through the censor's UDP
 * relay and dials TCP once the server answered or the timeout passed; an unanswered Initial marks QUIC broken.
 *
 * @param timeoutNanos   how long to wait for the answer before falling back
 * @param brokenForNanos after a fallback, go straight to TCP for this long; 0 tries QUIC on every connection
 */
public record QuicStrategy(long timeoutNanos, long brokenForNanos) {

    /** Chrome's figures: TCP 300 ms after a QUIC attempt that has not completed, QUIC broken for 5 minutes. */
    public static final QuicStrategy DEFAULT = new QuicStrategy(300_000_000L, 300_000_000_000L);

    public QuicStrategy {
        if (timeoutNanos <= 0) {
            throw new IllegalArgumentException("the QUIC timeout must be positive");
        }
        if (brokenForNanos < 0) {
            throw new IllegalArgumentException("broken-for must not be negative");
        }
    }
}

package dev.censorsim.messenger;

/**
 * QUIC first, TCP/TLS after: each messenger connection tries a real QUIC connection through the censor's UDP relay and
 * is carried over it when the handshake completes in time; otherwise, or when the QUIC path stalls later, QUIC is
 * marked broken and connections take TCP/TLS.
 *
 * @param timeoutNanos   how long to wait for the QUIC handshake before falling back
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

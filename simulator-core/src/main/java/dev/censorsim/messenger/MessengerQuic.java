package dev.censorsim.messenger;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * QUIC first, TCP/TLS after: before each connection the client sends a QUIC v1 Initial for the name and dials TCP
 * once the server has answered it or {@code timeout} has passed. An Initial that went unanswered marks QUIC broken
 * for {@code brokenFor}, during which connections go straight to TCP, as Chrome does.
 *
 * <p>The synthetic messenger has no QUIC stack: chat and media run over TCP/TLS either way. What this models is what a
 * user of a QUIC-first app feels when a censor drops QUIC: the wait before the fallback, and how long the app keeps
 * remembering that QUIC is blocked.
 *
 * @param udp       where the Initial goes: the server's UDP endpoint, or a censor's UDP relay in front of it
 * @param timeout   how long to wait for the server's answer before falling back
 * @param brokenFor after a fallback, skip QUIC for this long; {@link Duration#ZERO} tries QUIC on every connection
 */
public record MessengerQuic(InetSocketAddress udp, Duration timeout, Duration brokenFor) {

    /** Chrome races TCP about 300 ms after a QUIC attempt that has not completed. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(300);
    /** Chrome's first "QUIC broken" period. */
    public static final Duration DEFAULT_BROKEN_FOR = Duration.ofMinutes(5);

    public MessengerQuic {
        Objects.requireNonNull(udp, "udp");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(brokenFor, "brokenFor");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be > 0, was " + timeout);
        }
        if (brokenFor.isNegative()) {
            throw new IllegalArgumentException("brokenFor must be >= 0, was " + brokenFor);
        }
    }
}

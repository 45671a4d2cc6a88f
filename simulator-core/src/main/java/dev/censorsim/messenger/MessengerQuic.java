package dev.censorsim.messenger;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * QUIC first, TCP/TLS after: each connection (chat, media, a call's relay) first tries a real QUIC connection
 * (RFC 9000, TLS 1.3 with the name as SNI, Netty's quiche codec) to {@code udp} and is carried over one QUIC stream when
 * the handshake completes within {@code timeout}. A handshake that does not, or a QUIC connection whose path goes silent
 * later (a stall), marks QUIC broken for {@code brokenFor}, during which connections go straight to TCP/TLS, as Chrome
 * does. The server answers QUIC on its UDP endpoint ({@link MessengerServer#mediaAddress()}).
 *
 * <p>Needs Netty's native QUIC library, shipped for linux-x86_64: {@link MessengerClient#start} refuses these
 * settings, saying why, where it does not load.
 *
 * @param udp       where QUIC goes: the server's UDP endpoint, or a censor's UDP relay in front of it
 * @param timeout   how long to wait for the QUIC handshake before falling back
 * @param brokenFor after a fallback or a stall, skip QUIC for this long; {@link Duration#ZERO} tries QUIC on every
 *                  connection
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

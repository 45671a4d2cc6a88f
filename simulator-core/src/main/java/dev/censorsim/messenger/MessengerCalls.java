package dev.censorsim.messenger;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * The client's voice calls: one call at a time, each signalled over the chat connection, then a STUN binding and RTP
 * at 50 packets/s over UDP, echoed by the server. Calls need chat (that is where they are signalled).
 *
 * @param media        where the call's UDP goes: the server's media endpoint, or a censor's UDP relay in front of it
 * @param duration     how long a call lasts when nothing cuts it
 * @param gap          the pause between one call's end and the next call
 * @param setupTimeout from the offer to the first echoed media; a UDP call not set up by then fails, or falls back
 * @param dropSilence  a call that receives no media for this long has dropped
 * @param tcpFallback  relay a call whose UDP setup failed over TLS (an RTP frame per packet on its own connection to
 *                     {@code relayName}), as messengers do when UDP is blocked; the fallback has its own
 *                     {@code setupTimeout}
 * @param relayName    the name the TLS relay connection asks for
 */
public record MessengerCalls(InetSocketAddress media, Duration duration, Duration gap, Duration setupTimeout,
                             Duration dropSilence, boolean tcpFallback, String relayName) {

    public static final Duration DEFAULT_DURATION = Duration.ofSeconds(6);
    public static final Duration DEFAULT_GAP = Duration.ofMillis(500);
    public static final Duration DEFAULT_SETUP_TIMEOUT = Duration.ofSeconds(2);
    /** WhatsApp shows "Reconnecting…" after a couple of seconds without audio and gives up some seconds later. */
    public static final Duration DEFAULT_DROP_SILENCE = Duration.ofSeconds(2);

    public MessengerCalls {
        Objects.requireNonNull(media, "media");
        Objects.requireNonNull(relayName, "relayName");
        requirePositive(duration, "duration");
        requirePositive(setupTimeout, "setupTimeout");
        requirePositive(dropSilence, "dropSilence");
        Objects.requireNonNull(gap, "gap");
        if (gap.isNegative()) {
            throw new IllegalArgumentException("gap must be >= 0, was " + gap);
        }
        if (dropSilence.toNanos() < 2 * CallPackets.FRAME_NANOS) {
            throw new IllegalArgumentException("dropSilence must be at least two frames (40 ms), was " + dropSilence);
        }
    }

    /** Calls with the defaults: 6 s long, 0.5 s apart, 2 s to set up, dropped after 2 s of silence, no fallback. */
    public static MessengerCalls to(InetSocketAddress media, String relayName) {
        return new MessengerCalls(media, DEFAULT_DURATION, DEFAULT_GAP, DEFAULT_SETUP_TIMEOUT, DEFAULT_DROP_SILENCE,
                false, relayName);
    }

    /** A copy with another length and pause between calls. */
    public MessengerCalls withTiming(Duration duration, Duration gap) {
        return new MessengerCalls(media, duration, gap, setupTimeout, dropSilence, tcpFallback, relayName);
    }

    /** A copy with other set-up and drop limits. */
    public MessengerCalls withLimits(Duration setupTimeout, Duration dropSilence) {
        return new MessengerCalls(media, duration, gap, setupTimeout, dropSilence, tcpFallback, relayName);
    }

    /** A copy with the TCP/TLS fallback on or off. */
    public MessengerCalls withTcpFallback(boolean fallback) {
        return new MessengerCalls(media, duration, gap, setupTimeout, dropSilence, fallback, relayName);
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, was " + d);
        }
    }
}

package dev.censorsim.messenger;

/**
 * Voice calls, one at a time: signalled over the chat connection, then STUN and RTP at 50 packets/s each way over
 * UDP through the censor's UDP relay, echoed by the messenger server.
 *
 * @param durationNanos     how long a call lasts when nothing cuts it
 * @param gapNanos          the pause between one call's end and the next call
 * @param setupTimeoutNanos from the offer to the first echoed media; longer, and the call fails (or falls back)
 * @param dropSilenceNanos  a call that hears nothing for this long has dropped
 */
public record CallWorkload(long durationNanos, long gapNanos, long setupTimeoutNanos, long dropSilenceNanos) {

    /** 6 s calls 0.5 s apart, 2 s to set up, dropped after 2 s of silence. */
    public static final CallWorkload DEFAULT = new CallWorkload(6_000_000_000L, 500_000_000L, 2_000_000_000L,
            2_000_000_000L);

    /** The shortest silence that counts as a dropped call: two 20 ms frames. */
    public static final long MIN_DROP_SILENCE_NANOS = 40_000_000L;

    public CallWorkload {
        if (durationNanos <= 0 || setupTimeoutNanos <= 0) {
            throw new IllegalArgumentException("call duration and setup-timeout must be positive");
        }
        if (gapNanos < 0) {
            throw new IllegalArgumentException("the gap between calls must not be negative");
        }
        if (dropSilenceNanos < MIN_DROP_SILENCE_NANOS) {
            throw new IllegalArgumentException("drop-silence must be at least 40ms (two 20 ms frames)");
        }
    }
}

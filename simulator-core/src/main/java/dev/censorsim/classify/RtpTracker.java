package dev.censorsim.classify;

/**
 * Decides whether one direction of a UDP flow is really RTP: the SSRC stays the same and the sequence number moves
 * forward by small steps over {@link #CONFIRM_PACKETS} packets. Random datagrams that pass the RTP header check
 * almost never repeat a 32-bit SSRC, so this is what keeps random UDP from being called RTP.
 *
 * <p>The state is one {@code long}, so the packet face keeps it in a plain array per flow and direction (the static
 * methods), while the stream face can hold an instance. Layout: SSRC in bits 63..32, last sequence number in 31..16,
 * consecutive good packets in 15..8, strikes (SSRC changes, jumps) in 7..0. Zero is the initial state.
 */
public final class RtpTracker {

    /** Packets in a row with the same SSRC and advancing sequence numbers that make a direction RTP. */
    public static final int CONFIRM_PACKETS = 4;
    /** SSRC changes or sequence jumps after which a direction is not RTP. */
    public static final int MAX_STRIKES = 3;
    /** Largest forward step still counted as continuity: tolerates a few lost packets. */
    public static final int MAX_SEQUENCE_STEP = 16;

    private long forward;
    private long reverse;

    /** The state after one more RTP header from this direction. */
    public static long advance(long state, int ssrc, int sequence) {
        int count = (int) (state >>> 8) & 0xff;
        int strikes = (int) state & 0xff;
        if (count != 0 && (int) (state >>> 32) == ssrc) {
            int step = (sequence - (int) (state >>> 16)) & 0xffff;
            if (step >= 1 && step <= MAX_SEQUENCE_STEP) {
                return pack(ssrc, sequence, Math.min(count + 1, 0xff), strikes);
            }
        }
        if (count != 0) {
            strikes = Math.min(strikes + 1, 0xff);
        }
        return pack(ssrc, sequence, 1, strikes);
    }

    private static long pack(int ssrc, int sequence, int count, int strikes) {
        return (long) ssrc << 32 | (long) (sequence & 0xffff) << 16 | (long) count << 8 | strikes;
    }

    /** Whether {@code state} has seen {@link #CONFIRM_PACKETS} consistent packets in a row. */
    public static boolean isConfirmed(long state) {
        return ((int) (state >>> 8) & 0xff) >= CONFIRM_PACKETS;
    }

    /** Whether {@code state} has struck out: this direction is not RTP. */
    public static boolean isRejected(long state) {
        return ((int) state & 0xff) >= MAX_STRIKES && !isConfirmed(state);
    }

    /** A non-RTP datagram in the middle of the stream counts as a strike. */
    public static long strike(long state) {
        int strikes = Math.min(((int) state & 0xff) + 1, 0xff);
        return state & ~0xffL | strikes;
    }

    /** Feeds one RTP header seen in the given direction; returns whether the flow is now confirmed RTP. */
    public boolean offer(boolean fromClient, int ssrc, int sequence) {
        if (fromClient) {
            forward = advance(forward, ssrc, sequence);
        } else {
            reverse = advance(reverse, ssrc, sequence);
        }
        return isConfirmed();
    }

    /** Either direction is confirmed. */
    public boolean isConfirmed() {
        return isConfirmed(forward) || isConfirmed(reverse);
    }

    /** Both directions have struck out (or one has, with nothing seen the other way). */
    public boolean isRejected() {
        return (isRejected(forward) || forward == 0) && (isRejected(reverse) || reverse == 0)
                && (forward != 0 || reverse != 0);
    }
}

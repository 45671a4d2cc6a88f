package dev.censorsim.call;

/**
 * RFC 3550 receiver statistics for one RTP stream: A.1 (sequence, extended highest, cycles), A.3 (expected, lost),
 * A.8 (interarrival jitter). Not thread-safe: one event loop feeds it. Allocates nothing per packet.
 *
 * <p>Departures from the RFC's sample code, and why:
 * <ul>
 *   <li>No probation ({@code MIN_SEQUENTIAL}): the stream's SSRC is known from the call's signalling, so its first
 *   packet is the base and is counted, and {@link #expected()} is 1 after one packet.</li>
 *   <li>A.1 takes a jump of {@value #MAX_DROPOUT} or more (60 s at 50 packets/s) as a sender restart: the first packet
 *   of such a jump is ignored, and a second one in sequence re-bases the stream. The RFC then starts counting from
 *   zero; here the counts from before the restart are kept, so loss before a long outage still shows in
 *   {@link #lossRatio()}. Packets an outage swallowed between the two bases are not counted as lost.</li>
 *   <li>Jitter is kept as a {@code double} in timestamp units rather than the sample code's fixed point, and the
 *   arrival clock is converted exactly rather than rounded to whole timestamp units.</li>
 * </ul>
 */
public final class RtpStreamStats {

    /** A.1: a forward jump smaller than this is loss; a larger one may be a restarted sender. */
    public static final int MAX_DROPOUT = 3000;
    /** A.1: a packet at most this far behind the highest is a late or duplicate packet, not a restart. */
    public static final int MAX_MISORDER = 100;

    private static final int SEQ_MOD = 1 << 16;
    private static final int SEQ_MASK = SEQ_MOD - 1;
    /** A.8's gain: J += (|D| - J) / 16. */
    private static final double JITTER_GAIN = 1.0 / 16.0;

    private final int clockRateHz;
    private final double timestampUnitsPerNano;

    private boolean started;
    private int maxSeq;
    /** Shifted count of sequence wrap-arounds (a multiple of 65536), as A.1's {@code cycles}. */
    private long cycles;
    private int baseSeq;
    /** Last "bad" sequence number + 1; {@code SEQ_MOD + 1} matches no 16-bit sequence number. */
    private int badSeq = SEQ_MOD + 1;
    private long received;
    private long expectedBeforeRestart;
    private long receivedBeforeRestart;

    private boolean hasPrevious;
    private long previousArrivalNanos;
    private int previousTimestamp;
    private boolean hasJitter;
    private double jitterUnits;

    /**
     * @param clockRateHz the RTP clock of the payload format, e.g. 48 000 for Opus (RFC 7587 §4.1)
     * @throws IllegalArgumentException when the rate is not positive
     */
    public RtpStreamStats(int clockRateHz) {
        if (clockRateHz <= 0) {
            throw new IllegalArgumentException("clockRateHz must be positive: " + clockRateHz);
        }
        this.clockRateHz = clockRateHz;
        this.timestampUnitsPerNano = clockRateHz / 1e9;
    }

    /**
     * One arriving packet: 16-bit sequence, 32-bit RTP timestamp (as an unsigned long), {@link System#nanoTime()}
     * arrival. Only the low 16 bits of {@code sequence} and the low 32 bits of {@code rtpTimestamp} are used.
     */
    public void packet(int sequence, long rtpTimestamp, long arrivalNanos) {
        final int seq = sequence & SEQ_MASK;
        if (!started) {
            started = true;
            rebase(seq);
        } else if (!updateSequence(seq)) {
            return;
        }
        received++;
        updateJitter((int) rtpTimestamp, arrivalNanos);
    }

    /** A.1 {@code update_seq}, without probation; false when the packet is to be ignored. */
    private boolean updateSequence(int seq) {
        final int udelta = (seq - maxSeq) & SEQ_MASK;
        if (udelta < MAX_DROPOUT) {
            if (seq < maxSeq) {
                cycles += SEQ_MOD;
            }
            maxSeq = seq;
            return true;
        }
        if (udelta <= SEQ_MOD - MAX_MISORDER) {
            return restartSlowPath(seq);
        }
        // A duplicate or a packet reordered by less than MAX_MISORDER: counted, the highest stays.
        return true;
    }

    private boolean restartSlowPath(int seq) {
        if (seq != badSeq) {
            badSeq = (seq + 1) & SEQ_MASK;
            return false;
        }
        // Two packets in sequence after a very large jump: the sender restarted. Keep what was counted so far.
        expectedBeforeRestart += segmentExpected();
        receivedBeforeRestart += received;
        received = 0;
        rebase(seq);
        // A restarted sender picks a new timestamp base, so a difference across the restart means nothing.
        hasPrevious = false;
        return true;
    }

    /** A.1 {@code init_seq}. */
    private void rebase(int seq) {
        baseSeq = seq;
        maxSeq = seq;
        cycles = 0;
        badSeq = SEQ_MOD + 1;
    }

    /** A.8: D(i-1, i) between this packet and the previous one in arrival order, in timestamp units. */
    private void updateJitter(int timestamp, long arrivalNanos) {
        if (hasPrevious) {
            // The int difference is the timestamp advance modulo 2^32, so a timestamp wrap-around costs nothing.
            double arrivalUnits = (arrivalNanos - previousArrivalNanos) * timestampUnitsPerNano;
            double d = Math.abs(arrivalUnits - (timestamp - previousTimestamp));
            jitterUnits += (d - jitterUnits) * JITTER_GAIN;
            hasJitter = true;
        }
        hasPrevious = true;
        previousArrivalNanos = arrivalNanos;
        previousTimestamp = timestamp;
    }

    private long segmentExpected() {
        return cycles + maxSeq - baseSeq + 1;
    }

    /** Packets counted (duplicates count, as RFC 3550 A.3 says; packets A.1 rejects as a restart's first do not). */
    public long received() {
        return receivedBeforeRestart + received;
    }

    /** Extended highest - base + 1 (summed over sender restarts); 0 before the first packet. */
    public long expected() {
        return started ? expectedBeforeRestart + segmentExpected() : 0;
    }

    /** {@code max(0, expected - received)}: duplicates can make the A.3 difference negative. */
    public long lost() {
        return Math.max(0, expected() - received());
    }

    /** {@code lost / expected} in [0,1]; NaN when expected == 0. */
    public double lossRatio() {
        long expected = expected();
        return expected == 0 ? Double.NaN : (double) lost() / expected;
    }

    /** The A.8 estimator J converted to milliseconds; NaN before two packets. */
    public double jitterMillis() {
        return hasJitter ? jitterUnits * 1000.0 / clockRateHz : Double.NaN;
    }

    /** The extended highest sequence number (cycles + highest) of the current base, as RTCP reports it; -1 before
     *  the first packet. */
    public long extendedHighestSequence() {
        return started ? cycles + maxSeq : -1;
    }
}

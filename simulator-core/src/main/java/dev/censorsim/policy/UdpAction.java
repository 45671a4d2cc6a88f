package dev.censorsim.policy;

/**
 * What a rule does to a UDP flow (one association of the UDP relay) it matched. One implementation per file, each an
 * immutable record registered under the stable {@link #type()} name that policy files use ({@code drop},
 * {@code drop-after}, {@code loss}, and the UDP meaning of {@code delay}, {@code throttle} and {@code pass}). The
 * record holds the configuration; the per-flow state (random generator, token bucket, packet count) lives in the
 * {@link UdpTreatment} that {@link #open} creates.
 */
public interface UdpAction {

    /** The policy-file name of this action. */
    String type();

    /**
     * Starts the action on one flow. Called on the relay's event loop when the flow gets this verdict, which may be
     * after its first datagrams (a call is recognised only after STUN and a few RTP packets).
     *
     * @param firstPacketNanos {@link System#nanoTime()} of the flow's first datagram; {@code drop-after} counts from it
     */
    UdpTreatment open(long firstPacketNanos);

    /** A short human description for flow logs and reports, e.g. {@code "loss 20% both"}. */
    String describe();
}

package dev.censorsim.policy;

/**
 * The per-flow state of a {@link UdpAction}: decides the fate of each datagram of one flow. Called on the relay's
 * event loop only, so implementations need no synchronisation (shared token buckets excepted), and once per datagram,
 * so they must not allocate.
 */
@FunctionalInterface
public interface UdpTreatment {

    /** Returned by {@link #onDatagram} to drop the datagram. */
    long DROP = -1;

    /** Returned by {@link #onDatagram} to forward the datagram at once. */
    long FORWARD = 0;

    /**
     * @param upstream    {@code true} for client to server
     * @param length      UDP payload bytes
     * @param packetIndex how many datagrams, both directions, the flow carried before this one
     * @param nowNanos    {@link System#nanoTime()} when the datagram was read
     * @return {@link #DROP}, {@link #FORWARD}, or a positive delay in nanoseconds before the datagram is forwarded
     */
    long onDatagram(boolean upstream, int length, long packetIndex, long nowNanos);
}

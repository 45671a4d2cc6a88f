package dev.censorsim.policy;

/**
 * The mechanisms a TCP relay offers to policy actions. An action ({@link TcpAction}) decides <em>what</em> happens to a
 * flow; the relay that implements this interface decides <em>how</em>, over real sockets. All methods are called on
 * the flow's event loop, once, right after the flow's verdict, and before any held client bytes are forwarded.
 */
public interface TcpFlowControl {

    /** Sends a real TCP RST (SO_LINGER 0) to the client, and to the upstream if it was opened; drops held bytes. */
    void reset();

    /** Swallows everything in both directions from now on and keeps both connections open. */
    void blackhole();

    /** Forwards the first {@code downstreamBytes} server-to-client bytes, then blackholes both directions. */
    void freezeAfter(long downstreamBytes);

    /** Shapes the given direction(s) through {@code bucket}; several buckets on one direction all apply. */
    void shape(Direction direction, TokenBucket bucket);

    /**
     * Adds {@code delayNanos} plus a uniform jitter in {@code [0, jitterNanos]} to every chunk in the given direction(s),
     * without reordering bytes; {@code seed} makes the jitter replayable.
     */
    void delay(Direction direction, long delayNanos, long jitterNanos, long seed);
}

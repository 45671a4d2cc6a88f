package dev.censorsim.policy;

import dev.censorsim.units.Direction;

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

    /**
     * Holds the close of the given direction(s) back: once the source has finished and everything before its FIN was
     * written, the FIN (or the close a later mechanism asks for) goes out {@code delayNanos} later. Toxiproxy's
     * {@code slow_close}.
     */
    void slowClose(Direction direction, long delayNanos);

    /**
     * Stops the given direction(s) dead: nothing more is read or forwarded, so no data gets through; after
     * {@code closeAfterNanos} both connections are closed with a FIN, or never when it is 0. Toxiproxy's
     * {@code timeout}.
     */
    void stall(Direction direction, long closeAfterNanos);

    /**
     * Arms a reset on the given direction(s): the next chunk read there (or its EOF) is dropped, the direction stops,
     * and {@code afterNanos} later both connections get a real RST (SO_LINGER 0). Toxiproxy's {@code reset_peer}.
     */
    void resetOnData(Direction direction, long afterNanos);

    /**
     * Splits every chunk in the given direction(s) into segments of {@code averageBytes} plus or minus up to
     * {@code variationBytes} (less than the average), each written and flushed on its own, {@code delayNanos} apart.
     * {@code seed} makes the sizes replayable. Toxiproxy's {@code slicer}.
     */
    void slice(Direction direction, int averageBytes, int variationBytes, long delayNanos, long seed);

    /**
     * Forwards {@code bytes} more bytes in the given direction(s), each counted on its own, then closes both
     * connections with a FIN once they are written. Toxiproxy's {@code limit_data}.
     */
    void limitData(Direction direction, long bytes);
}

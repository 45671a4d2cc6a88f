package dev.censorsim.policy.action;

import dev.censorsim.units.Direction;
import dev.censorsim.policy.TcpFlowControl;
import dev.censorsim.policy.TokenBucket;

/**
 * A view of a flow's controls limited to one direction, for {@link ToxicAction}: what the wrapped action asks for
 * both directions applies to {@code allowed} only, and what it asks for the other direction alone is ignored. Whole-flow
 * mechanisms ({@code reset}, {@code blackhole}, {@code freeze}) have no direction and pass through.
 */
final class DirectedFlowControl implements TcpFlowControl {

    private final TcpFlowControl flow;
    private final Direction allowed;

    DirectedFlowControl(TcpFlowControl flow, Direction allowed) {
        this.flow = flow;
        this.allowed = allowed;
    }

    /** The part of {@code requested} this view allows, or null for none. */
    private Direction narrow(Direction requested) {
        if (allowed == Direction.BOTH) {
            return requested;
        }
        if (requested == Direction.BOTH || requested == allowed) {
            return allowed;
        }
        return null;
    }

    @Override
    public void reset() {
        flow.reset();
    }

    @Override
    public void blackhole() {
        flow.blackhole();
    }

    @Override
    public void freezeAfter(long downstreamBytes) {
        flow.freezeAfter(downstreamBytes);
    }

    @Override
    public void shape(Direction direction, TokenBucket bucket) {
        Direction d = narrow(direction);
        if (d != null) {
            flow.shape(d, bucket);
        }
    }

    @Override
    public void delay(Direction direction, long delayNanos, long jitterNanos, long seed) {
        Direction d = narrow(direction);
        if (d != null) {
            flow.delay(d, delayNanos, jitterNanos, seed);
        }
    }

    @Override
    public void slowClose(Direction direction, long delayNanos) {
        Direction d = narrow(direction);
        if (d != null) {
            flow.slowClose(d, delayNanos);
        }
    }

    @Override
    public void stall(Direction direction, long closeAfterNanos) {
        Direction d = narrow(direction);
        if (d != null) {
            flow.stall(d, closeAfterNanos);
        }
    }

    @Override
    public void resetOnData(Direction direction, long afterNanos) {
        Direction d = narrow(direction);
        if (d != null) {
            flow.resetOnData(d, afterNanos);
        }
    }

    @Override
    public void slice(Direction direction, int averageBytes, int variationBytes, long delayNanos, long seed) {
        Direction d = narrow(direction);
        if (d != null) {
            flow.slice(d, averageBytes, variationBytes, delayNanos, seed);
        }
    }

    @Override
    public void limitData(Direction direction, long bytes) {
        Direction d = narrow(direction);
        if (d != null) {
            flow.limitData(d, bytes);
        }
    }
}

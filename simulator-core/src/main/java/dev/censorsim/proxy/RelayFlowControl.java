package dev.censorsim.proxy;

import dev.censorsim.units.Direction;
import dev.censorsim.policy.TcpFlowControl;
import dev.censorsim.policy.TokenBucket;

import java.util.Objects;

/** The relay's side of {@link TcpFlowControl}: turns a policy action into relay mechanics for one flow. */
final class RelayFlowControl implements TcpFlowControl {

    /** Decorrelates the downstream jitter sequence from the upstream one when both share a seed. */
    private static final long DOWN_SEED_SALT = 0x9E3779B97F4A7C15L;

    private final Flow flow;
    private final DirectionRelay up;
    private final DirectionRelay down;

    RelayFlowControl(Flow flow, DirectionRelay up, DirectionRelay down) {
        this.flow = flow;
        this.up = up;
        this.down = down;
    }

    @Override
    public void reset() {
        flow.reset();
    }

    @Override
    public void blackhole() {
        flow.blackhole(FlowEnd.BLACKHOLED);
    }

    @Override
    public void freezeAfter(long downstreamBytes) {
        if (downstreamBytes <= 0) {
            flow.blackhole(FlowEnd.FROZEN);
        } else {
            down.freezeAfter(downstreamBytes);
        }
    }

    @Override
    public void shape(Direction direction, TokenBucket bucket) {
        Objects.requireNonNull(bucket, "bucket");
        if (direction.includesUp()) {
            up.addBucket(bucket);
        }
        if (direction.includesDown()) {
            down.addBucket(bucket);
        }
    }

    @Override
    public void delay(Direction direction, long delayNanos, long jitterNanos, long seed) {
        if (delayNanos < 0 || jitterNanos < 0) {
            throw new IllegalArgumentException("delay and jitter must be >= 0");
        }
        if (direction.includesUp()) {
            up.delay(delayNanos, jitterNanos, seed);
        }
        if (direction.includesDown()) {
            down.delay(delayNanos, jitterNanos, seed ^ DOWN_SEED_SALT);
        }
    }

    @Override
    public void slowClose(Direction direction, long delayNanos) {
        requireNotNegative(delayNanos, "delayNanos");
        for (DirectionRelay relay : relays(direction)) {
            relay.slowClose(delayNanos);
        }
    }

    @Override
    public void stall(Direction direction, long closeAfterNanos) {
        requireNotNegative(closeAfterNanos, "closeAfterNanos");
        for (DirectionRelay relay : relays(direction)) {
            relay.stall(closeAfterNanos);
        }
    }

    @Override
    public void resetOnData(Direction direction, long afterNanos) {
        requireNotNegative(afterNanos, "afterNanos");
        for (DirectionRelay relay : relays(direction)) {
            relay.resetOnData(afterNanos);
        }
    }

    @Override
    public void slice(Direction direction, int averageBytes, int variationBytes, long delayNanos, long seed) {
        if (averageBytes < 1 || variationBytes < 0 || variationBytes >= averageBytes) {
            throw new IllegalArgumentException("need averageBytes >= 1 and 0 <= variationBytes < averageBytes, got "
                    + averageBytes + " and " + variationBytes);
        }
        requireNotNegative(delayNanos, "delayNanos");
        if (direction.includesUp()) {
            up.slice(averageBytes, variationBytes, delayNanos, seed);
        }
        if (direction.includesDown()) {
            down.slice(averageBytes, variationBytes, delayNanos, seed ^ DOWN_SEED_SALT);
        }
    }

    @Override
    public void limitData(Direction direction, long bytes) {
        requireNotNegative(bytes, "bytes");
        for (DirectionRelay relay : relays(direction)) {
            relay.limitData(bytes);
        }
    }

    private DirectionRelay[] relays(Direction direction) {
        return switch (direction) {
            case UP -> new DirectionRelay[] {up};
            case DOWN -> new DirectionRelay[] {down};
            case BOTH -> new DirectionRelay[] {up, down};
        };
    }

    private static void requireNotNegative(long value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, was " + value);
        }
    }
}

package dev.censorsim.proxy;

import dev.censorsim.policy.Direction;
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
}

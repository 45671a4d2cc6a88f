package dev.censorsim.policy.action;

import dev.censorsim.units.DataRate;
import dev.censorsim.units.Direction;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TcpFlowControl;
import dev.censorsim.policy.TokenBucket;

import java.util.Objects;

/**
 * {@code throttle}: shape a flow to a rate, with an independent bucket per direction (as the 2021 Twitter throttler
 * policed each direction separately). Build with {@link #of}, which creates the shared buckets of a
 * {@link ThrottleScope#RULE} throttle once, at compile time.
 *
 * @param rateBytesPerSecond the rate each direction is held to
 * @param direction          which direction(s) are shaped
 * @param scope              per flow, or one cap shared by all matched flows
 * @param sharedUp           for {@code RULE} scope shaping up: the shared client-to-server bucket; otherwise null
 * @param sharedDown         for {@code RULE} scope shaping down: the shared server-to-client bucket; otherwise null
 */
public record ThrottleAction(long rateBytesPerSecond, Direction direction, ThrottleScope scope,
                             TokenBucket sharedUp, TokenBucket sharedDown) implements TcpAction {

    public static final String TYPE = "throttle";

    public ThrottleAction {
        if (rateBytesPerSecond <= 0) {
            throw new IllegalArgumentException("rateBytesPerSecond must be > 0, was " + rateBytesPerSecond);
        }
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(scope, "scope");
        boolean rule = scope == ThrottleScope.RULE;
        checkShared(sharedUp, rule && direction.includesUp(), rateBytesPerSecond, "sharedUp");
        checkShared(sharedDown, rule && direction.includesDown(), rateBytesPerSecond, "sharedDown");
    }

    /** A throttle whose {@code RULE}-scope buckets, if any, are created now and shared by every flow it applies to. */
    public static ThrottleAction of(long rateBytesPerSecond, Direction direction, ThrottleScope scope) {
        boolean rule = scope == ThrottleScope.RULE;
        TokenBucket up = rule && direction.includesUp() ? TokenBucket.forRate(rateBytesPerSecond) : null;
        TokenBucket down = rule && direction.includesDown() ? TokenBucket.forRate(rateBytesPerSecond) : null;
        return new ThrottleAction(rateBytesPerSecond, direction, scope, up, down);
    }

    private static void checkShared(TokenBucket bucket, boolean needed, long rate, String name) {
        if (needed && (bucket == null || bucket.rateBytesPerSecond() != rate)) {
            throw new IllegalArgumentException(name + " must be a bucket at " + rate + " B/s for a rule-scope throttle");
        }
        if (!needed && bucket != null) {
            throw new IllegalArgumentException(name + " must be null unless the scope is rule and the direction uses it");
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(TcpFlowControl flow) {
        if (direction.includesUp()) {
            flow.shape(Direction.UP, sharedUp != null ? sharedUp : TokenBucket.forRate(rateBytesPerSecond));
        }
        if (direction.includesDown()) {
            flow.shape(Direction.DOWN, sharedDown != null ? sharedDown : TokenBucket.forRate(rateBytesPerSecond));
        }
    }

    @Override
    public String describe() {
        return "throttle " + DataRate.format(rateBytesPerSecond) + " " + direction.wireName() + " per "
                + scope.wireName();
    }
}

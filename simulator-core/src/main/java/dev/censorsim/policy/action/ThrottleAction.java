package dev.censorsim.policy.action;

import java.util.List;
import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.PolicyException;
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

    /** Parses a {@code type: throttle} mapping; registered in {@link ActionRegistry}. */
    static TcpAction parse(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a throttle action", List.of("type", "rate", "cut", "direction", "scope", "toxicity"));
        PolicyNode rateNode = action.get("rate");
        PolicyNode cutNode = action.get("cut");
        long rate;
        if (rateNode != null && cutNode != null) {
            throw action.keyNode("cut").error("give either 'rate' or 'cut' in a throttle action, not both");
        } else if (rateNode != null) {
            rate = ActionNodes.unit(rateNode, "'rate'", DataRate::parseBytesPerSecond);
        } else if (cutNode != null) {
            if (linkRate <= 0) {
                throw cutNode.error("'cut' is relative to the link rate; add 'link: { rate: ... }' to the policy or "
                        + "give an absolute 'rate'");
            }
            rate = ActionNodes.cutRate(cutNode, linkRate);
        } else {
            throw action.error("expected 'rate' (e.g. 4mbit) or 'cut' (e.g. 0.75) in a throttle action");
        }
        Direction direction = ActionNodes.direction(action.get("direction"));
        ThrottleScope scope = ThrottleScope.FLOW;
        PolicyNode scopeNode = action.get("scope");
        if (scopeNode != null) {
            String s = scopeNode.text("'scope'");
            if (s.equals("flow")) {
                scope = ThrottleScope.FLOW;
            } else if (s.equals("rule")) {
                scope = ThrottleScope.RULE;
            } else {
                throw scopeNode.error("unknown scope '" + s + "'; expected one of flow, rule");
            }
        }
        return ToxicAction.withToxicity(action, ThrottleAction.of(rate, direction, scope));
    }
}

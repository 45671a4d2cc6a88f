package dev.censorsim.policy.action;

import java.util.List;
import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.units.Direction;
import dev.censorsim.units.Durations;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TcpFlowControl;

import java.util.Objects;

/**
 * {@code delay}: add latency, plus uniform jitter, to every chunk in the given direction(s), without reordering.
 *
 * @param delayNanos  fixed added latency; at least 1 ns
 * @param jitterNanos upper bound of the uniform extra delay; 0 for none
 * @param direction   which direction(s) are delayed
 * @param seed        makes the jitter sequence replayable
 */
public record DelayAction(long delayNanos, long jitterNanos, Direction direction, long seed) implements TcpAction {

    public static final String TYPE = "delay";

    public DelayAction {
        if (delayNanos <= 0) {
            throw new IllegalArgumentException("delayNanos must be > 0, was " + delayNanos);
        }
        if (jitterNanos < 0) {
            throw new IllegalArgumentException("jitterNanos must be >= 0, was " + jitterNanos);
        }
        Objects.requireNonNull(direction, "direction");
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(TcpFlowControl flow) {
        flow.delay(direction, delayNanos, jitterNanos, seed);
    }

    @Override
    public String describe() {
        return "delay " + Durations.format(delayNanos) + (jitterNanos > 0 ? " jitter " + Durations.format(jitterNanos) : "")
                + " " + direction.wireName();
    }

    /** Parses a {@code type: delay} mapping; registered in {@link ActionRegistry}. */
    static TcpAction parse(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a delay action", List.of("type", "latency", "jitter", "direction", "seed", "toxicity"));
        PolicyNode latencyNode = action.required("latency", "a delay action");
        long latency = ActionNodes.unit(latencyNode, "'latency'", Durations::parseNanos);
        if (latency <= 0) {
            throw latencyNode.error("expected a positive 'latency' such as 200ms");
        }
        PolicyNode jitterNode = action.get("jitter");
        long jitter = jitterNode == null ? 0 : ActionNodes.unit(jitterNode, "'jitter'", Durations::parseNanos);
        return ToxicAction.withToxicity(action,
                new DelayAction(latency, jitter, ActionNodes.direction(action.get("direction")), ActionNodes.seed(action.get("seed"))));
    }
}

package dev.censorsim.policy.action;

import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.units.Direction;
import dev.censorsim.units.Durations;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TcpFlowControl;

/**
 * {@code slow-close}: hold a connection's close back, so the peer sees the FIN {@code delayNanos} after the last byte
 * (Toxiproxy's {@code slow_close}). Which side's close is held, and how often, is the {@link ToxicAction} wrapper's
 * business; alone it holds both.
 *
 * @param delayNanos how long each close is held back; at least 1 ns
 */
public record SlowCloseAction(long delayNanos) implements TcpAction {

    public static final String TYPE = "slow-close";

    public SlowCloseAction {
        if (delayNanos <= 0) {
            throw new IllegalArgumentException("delayNanos must be > 0, was " + delayNanos);
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(TcpFlowControl flow) {
        flow.slowClose(Direction.BOTH, delayNanos);
    }

    @Override
    public String describe() {
        return "slow-close " + Durations.format(delayNanos);
    }

    /** Parses a {@code type: slow-close} mapping; registered in {@link ActionRegistry}. */
    static TcpAction parse(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a slow-close action", ActionNodes.keys("delay"));
        PolicyNode delayNode = action.required("delay", "a slow-close action");
        long delay = ActionNodes.unit(delayNode, "'delay'", Durations::parseNanos);
        if (delay <= 0) {
            throw delayNode.error("expected a positive 'delay' such as 500ms");
        }
        return ToxicAction.wrap(action, new SlowCloseAction(delay));
    }
}

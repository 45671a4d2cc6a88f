package dev.censorsim.policy.action;

import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.units.Direction;
import dev.censorsim.units.Durations;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TcpFlowControl;

/**
 * {@code reset-peer}: the next data (or EOF) is swallowed, and {@code afterNanos} later both connections get a real
 * TCP RST (SO_LINGER 0), as Toxiproxy's {@code reset_peer} does. Unlike {@code reset}, which resets at the verdict,
 * this waits for the flow to speak, so a connection pool's idle connections survive until they are used.
 *
 * @param afterNanos time from the triggering data to the RST; 0 for at once
 */
public record ResetPeerAction(long afterNanos) implements TcpAction {

    public static final String TYPE = "reset-peer";

    public ResetPeerAction {
        if (afterNanos < 0) {
            throw new IllegalArgumentException("afterNanos must be >= 0, was " + afterNanos);
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(TcpFlowControl flow) {
        flow.resetOnData(Direction.BOTH, afterNanos);
    }

    @Override
    public String describe() {
        return afterNanos == 0 ? "reset-peer" : "reset-peer after " + Durations.format(afterNanos);
    }

    /** Parses a {@code type: reset-peer} mapping; registered in {@link ActionRegistry}. */
    static TcpAction parse(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a reset-peer action", ActionNodes.keys("after"));
        PolicyNode afterNode = action.get("after");
        long after = afterNode == null ? 0 : ActionNodes.unit(afterNode, "'after'", Durations::parseNanos);
        return ToxicAction.wrap(action, new ResetPeerAction(after));
    }
}

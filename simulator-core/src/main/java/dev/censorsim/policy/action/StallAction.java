package dev.censorsim.policy.action;

import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.units.Direction;
import dev.censorsim.units.Durations;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TcpFlowControl;

/**
 * {@code stall}: no data gets through any more, and after {@code closeAfterNanos} both connections are closed with a
 * FIN, or never when it is 0 (Toxiproxy's {@code timeout}; named {@code stall} because {@code timeout} is a DNS
 * action). The stalled direction stops reading rather than discarding, so the sender stalls as it would behind a box
 * that drops its segments, and a later verdict that lifts the stall resumes the stream without a gap.
 *
 * @param closeAfterNanos time from the verdict to the close; 0 for never
 */
public record StallAction(long closeAfterNanos) implements TcpAction {

    public static final String TYPE = "stall";

    public StallAction {
        if (closeAfterNanos < 0) {
            throw new IllegalArgumentException("closeAfterNanos must be >= 0 (0 for never), was " + closeAfterNanos);
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(TcpFlowControl flow) {
        flow.stall(Direction.BOTH, closeAfterNanos);
    }

    @Override
    public String describe() {
        return closeAfterNanos == 0 ? "stall" : "stall, close after " + Durations.format(closeAfterNanos);
    }

    /** Parses a {@code type: stall} mapping; registered in {@link ActionRegistry}. */
    static TcpAction parse(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a stall action", ActionNodes.keys("close-after"));
        PolicyNode afterNode = action.get("close-after");
        long after = afterNode == null ? 0 : ActionNodes.unit(afterNode, "'close-after'", Durations::parseNanos);
        return ToxicAction.wrap(action, new StallAction(after));
    }
}

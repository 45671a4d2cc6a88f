package dev.censorsim.policy.action;

import dev.censorsim.units.DataSize;
import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.units.Direction;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TcpFlowControl;

/**
 * {@code limit-data}: forward {@code bytes} bytes in each direction it applies to, then close both connections with a
 * FIN (Toxiproxy's {@code limit_data}), unlike {@code freeze}, which keeps the connection open and silent.
 *
 * @param bytes bytes forwarded before the close; 0 closes at the first data
 */
public record LimitDataAction(long bytes) implements TcpAction {

    public static final String TYPE = "limit-data";

    public LimitDataAction {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(TcpFlowControl flow) {
        flow.limitData(Direction.BOTH, bytes);
    }

    @Override
    public String describe() {
        return "limit-data " + bytes + " B";
    }

    /** Parses a {@code type: limit-data} mapping; registered in {@link ActionRegistry}. */
    static TcpAction parse(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a limit-data action", ActionNodes.keys("bytes"));
        long bytes = ActionNodes.unit(action.required("bytes", "a limit-data action"), "'bytes'", DataSize::parseBytes);
        return ToxicAction.wrap(action, new LimitDataAction(bytes));
    }
}

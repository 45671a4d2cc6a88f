package dev.censorsim.policy.action;

import java.util.List;
import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TcpFlowControl;

/**
 * {@code reset}: a real TCP RST to the client (and the upstream), as TSPU does for a blocked SNI.
 *
 * @param residual what later connections to the same server get the same treatment, or {@code null}
 */
public record ResetAction(ResidualBlock residual) implements TcpAction, ResidualTrigger {

    public static final String TYPE = "reset";

    /** A reset that leaves no residual state. */
    public ResetAction() {
        this(null);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(TcpFlowControl flow) {
        flow.reset();
    }

    @Override
    public String describe() {
        return residual == null ? "reset" : "reset, " + residual.describe();
    }

    /** Parses a {@code type: reset} mapping; registered in {@link ActionRegistry}. */
    static TcpAction parse(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a reset action", List.of("type", "residual"));
        return new ResetAction(ActionNodes.residual(action));
    }
}

package dev.censorsim.policy.action;

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
}

package dev.censorsim.policy.action;

import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TcpFlowControl;

/** {@code reset}: a real TCP RST to the client (and the upstream), as TSPU does for a blocked SNI. */
public record ResetAction() implements TcpAction {

    public static final String TYPE = "reset";

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
        return "reset";
    }
}

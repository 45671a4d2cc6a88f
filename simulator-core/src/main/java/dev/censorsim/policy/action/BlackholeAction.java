package dev.censorsim.policy.action;

import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TcpFlowControl;

/** {@code blackhole}: swallow everything from the verdict on, keeping both connections open (the handshake hangs). */
public record BlackholeAction() implements TcpAction {

    public static final String TYPE = "blackhole";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(TcpFlowControl flow) {
        flow.blackhole();
    }

    @Override
    public String describe() {
        return "blackhole";
    }
}

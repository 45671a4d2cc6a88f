package dev.censorsim.policy.action;

import java.util.List;
import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TcpFlowControl;

/**
 * {@code blackhole}: swallow everything from the verdict on, keeping both connections open (the handshake hangs).
 *
 * @param residual what later connections to the same server get the same treatment, or {@code null}
 */
public record BlackholeAction(ResidualBlock residual) implements TcpAction, ResidualTrigger {

    public static final String TYPE = "blackhole";

    /** A black hole that leaves no residual state. */
    public BlackholeAction() {
        this(null);
    }

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
        return residual == null ? "blackhole" : "blackhole, " + residual.describe();
    }

    /** Parses a {@code type: blackhole} mapping; registered in {@link ActionRegistry}. */
    static TcpAction parse(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a blackhole action", List.of("type", "residual"));
        return new BlackholeAction(ActionNodes.residual(action));
    }
}

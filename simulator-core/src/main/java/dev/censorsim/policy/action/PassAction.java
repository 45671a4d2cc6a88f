package dev.censorsim.policy.action;

import java.util.List;
import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TcpFlowControl;

/**
 * {@code pass}: relay the flow untouched. Since the first matching rule wins, a {@code pass} rule placed first is an
 * allow-list: the names it matches are exempt from every rule below it (the 2025 "16 KB freeze" spared allow-listed
 * SNIs this way). The flow is still counted under this rule.
 */
public record PassAction() implements TcpAction {

    public static final String TYPE = "pass";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(TcpFlowControl flow) {
        // Nothing to do: the relay forwards the flow as it is (the link, if any, still applies to every flow).
    }

    @Override
    public String describe() {
        return "pass";
    }

    /** Parses a {@code type: pass} mapping; registered in {@link ActionRegistry}. */
    static TcpAction parse(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a pass action", List.of("type"));
        return new PassAction();
    }
}

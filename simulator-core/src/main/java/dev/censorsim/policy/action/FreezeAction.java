package dev.censorsim.policy.action;

import java.util.List;
import dev.censorsim.units.DataSize;
import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TcpFlowControl;

/**
 * {@code freeze}: the 2025 "16 KB freeze": forward the first {@code afterBytes} server-to-client bytes, then silently
 * drop everything in both directions, without a RST.
 *
 * @param afterBytes server-to-client bytes allowed through before the freeze; at least 1
 */
public record FreezeAction(long afterBytes) implements TcpAction {

    public static final String TYPE = "freeze";

    public FreezeAction {
        if (afterBytes <= 0) {
            throw new IllegalArgumentException("afterBytes must be > 0, was " + afterBytes);
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(TcpFlowControl flow) {
        flow.freezeAfter(afterBytes);
    }

    @Override
    public String describe() {
        return "freeze after " + afterBytes + " B down";
    }

    /** Parses a {@code type: freeze} mapping; registered in {@link ActionRegistry}. */
    static TcpAction parse(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a freeze action", List.of("type", "after"));
        long after = ActionNodes.unit(action.required("after", "a freeze action"), "'after'", DataSize::parseBytes);
        return new FreezeAction(after);
    }
}

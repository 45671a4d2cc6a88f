package dev.censorsim.policy.action;

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
}

package dev.censorsim.policy.action;

import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.TcpAction;

/** Builds one action type from its {@code action:} mapping. */
@FunctionalInterface
public interface ActionParser {

    /**
     * @param action                 the {@code action:} mapping, {@code type} included
     * @param linkRateBytesPerSecond the policy's {@code link.rate}, or 0 when the policy has no link
     * @throws PolicyException located at the offending node
     */
    TcpAction parse(PolicyNode action, long linkRateBytesPerSecond) throws PolicyException;
}

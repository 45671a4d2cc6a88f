package dev.censorsim.policy.action;

import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.UdpAction;

/**
 * One {@code action:} mapping compiled for each data plane it means something on. {@code reset}, {@code blackhole}
 * and {@code freeze} are TCP only ({@link #udp()} is null), {@code drop}, {@code drop-after} and {@code loss} are UDP
 * only ({@link #tcp()} is null), and {@code throttle}, {@code delay} and {@code pass} have both: the TCP proxy ignores
 * a rule without a TCP action and the UDP relay one without a UDP action.
 */
public record RuleAction(TcpAction tcp, UdpAction udp) {

    public RuleAction {
        if (tcp == null && udp == null) {
            throw new IllegalArgumentException("an action applies to TCP, UDP or both");
        }
    }

    /** The action's {@code type:} name. */
    public String type() {
        return tcp != null ? tcp.type() : udp.type();
    }
}

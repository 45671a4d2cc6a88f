package dev.censorsim.policy.action;

import dev.censorsim.policy.UdpAction;
import dev.censorsim.policy.UdpTreatment;

/** {@code pass} on UDP: forward the flow untouched; placed first, it exempts the flows it matches from later rules. */
public record UdpPassAction() implements UdpAction {

    private static final UdpTreatment FORWARD_ALL = (upstream, length, packetIndex, nowNanos) -> UdpTreatment.FORWARD;

    @Override
    public String type() {
        return PassAction.TYPE;
    }

    @Override
    public UdpTreatment open(long firstPacketNanos) {
        return FORWARD_ALL;
    }

    @Override
    public String describe() {
        return "pass";
    }
}

package dev.censorsim.policy.action;

import dev.censorsim.policy.UdpAction;
import dev.censorsim.policy.UdpTreatment;

/**
 * {@code drop} (UDP only): every datagram of the flow, both ways, is dropped, as the 2025 call blocking left calls
 * stuck at "connecting". The TCP counterpart is {@code blackhole}.
 */
public record DropAction() implements UdpAction {

    public static final String TYPE = "drop";

    private static final UdpTreatment DROP_ALL = (upstream, length, packetIndex, nowNanos) -> UdpTreatment.DROP;

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public UdpTreatment open(long firstPacketNanos) {
        return DROP_ALL;
    }

    @Override
    public String describe() {
        return "drop";
    }
}

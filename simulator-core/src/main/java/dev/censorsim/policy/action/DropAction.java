package dev.censorsim.policy.action;

import java.util.List;
import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.PolicyException;
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

    /** Parses a {@code type: drop} mapping; registered in {@link ActionRegistry}. */
    static UdpAction parse(PolicyNode action) throws PolicyException {
        action.checkKeys("a drop action", List.of("type"));
        return new DropAction();
    }
}

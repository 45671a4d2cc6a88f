package dev.censorsim.policy.action;

import java.util.List;
import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.units.Durations;
import dev.censorsim.policy.UdpAction;
import dev.censorsim.policy.UdpTreatment;

/**
 * {@code drop-after} (UDP only): forward a flow for a while, then drop every datagram both ways: a call that connects
 * and dies after a few seconds. Counted from the flow's first datagram, not from the verdict, so a call recognised
 * late is still cut at the configured point.
 *
 * @param afterNanos   time from the first datagram after which everything is dropped; 0 when counting packets
 * @param afterPackets datagrams (both directions) forwarded before everything is dropped; 0 when counting time
 */
public record DropAfterAction(long afterNanos, long afterPackets) implements UdpAction {

    public static final String TYPE = "drop-after";

    public DropAfterAction {
        if (afterNanos < 0 || afterPackets < 0 || (afterNanos == 0) == (afterPackets == 0)) {
            throw new IllegalArgumentException("give exactly one of afterNanos and afterPackets, > 0; got "
                    + afterNanos + " and " + afterPackets);
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public UdpTreatment open(long firstPacketNanos) {
        if (afterPackets > 0) {
            final long limit = afterPackets;
            return (upstream, length, packetIndex, nowNanos) ->
                    packetIndex < limit ? UdpTreatment.FORWARD : UdpTreatment.DROP;
        }
        final long deadline = firstPacketNanos + afterNanos;
        return (upstream, length, packetIndex, nowNanos) ->
                nowNanos - deadline < 0 ? UdpTreatment.FORWARD : UdpTreatment.DROP;
    }

    @Override
    public String describe() {
        return afterPackets > 0 ? "drop after " + afterPackets + " packets" : "drop after " + Durations.format(afterNanos);
    }

    /** Parses a {@code type: drop-after} mapping; registered in {@link ActionRegistry}. */
    static UdpAction parse(PolicyNode action) throws PolicyException {
        action.checkKeys("a drop-after action", List.of("type", "after", "packets"));
        PolicyNode afterNode = action.get("after");
        PolicyNode packetsNode = action.get("packets");
        if (afterNode != null && packetsNode != null) {
            throw action.keyNode("packets").error("give either 'after' (a duration such as 5s) or 'packets' in a "
                    + "drop-after action, not both");
        }
        if (afterNode != null) {
            long after = ActionNodes.unit(afterNode, "'after'", Durations::parseNanos);
            if (after <= 0) {
                throw afterNode.error("expected a positive 'after' such as 5s");
            }
            return new DropAfterAction(after, 0);
        }
        if (packetsNode != null) {
            long packets = ActionNodes.positiveInteger(packetsNode, "'packets'");
            return new DropAfterAction(0, packets);
        }
        throw action.error("expected 'after' (e.g. 5s) or 'packets' (e.g. 250) in a drop-after action");
    }
}

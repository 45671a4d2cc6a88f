package dev.censorsim.policy.action;

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
}

package dev.censorsim.policy.action;

import dev.censorsim.policy.UdpAction;
import dev.censorsim.policy.UdpTreatment;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * {@code delay} on UDP: each datagram in the given direction(s) waits the fixed latency plus a uniform jitter in
 * {@code [0, jitter]}, drawn from the flow's own generator seeded with {@code seed}. Unlike the TCP relay, which keeps
 * a byte stream in order, datagrams are delayed independently, so jitter larger than the packet gap reorders them, as
 * it would on a real path and as a jitter buffer must cope with.
 *
 * @param delay the same record the TCP relay applies, so one rule means the same on both planes
 */
public record UdpDelayAction(DelayAction delay) implements UdpAction {

    public UdpDelayAction {
        Objects.requireNonNull(delay, "delay");
    }

    @Override
    public String type() {
        return DelayAction.TYPE;
    }

    @Override
    public UdpTreatment open(long firstPacketNanos) {
        final long fixed = delay.delayNanos();
        final long jitter = delay.jitterNanos();
        final boolean up = delay.direction().includesUp();
        final boolean down = delay.direction().includesDown();
        final SplittableRandom random = new SplittableRandom(delay.seed());
        return (upstream, length, packetIndex, nowNanos) -> {
            if (upstream ? !up : !down) {
                return UdpTreatment.FORWARD;
            }
            if (jitter == 0) {
                return fixed;
            }
            // [0, jitter]; jitter + 1 would overflow at Long.MAX_VALUE, and the sum saturates rather than turning
            // negative (a negative fate drops the datagram).
            long extra = jitter == Long.MAX_VALUE ? random.nextLong(Long.MAX_VALUE) : random.nextLong(jitter + 1);
            long total = fixed + extra;
            return total < 0 ? Long.MAX_VALUE : total;
        };
    }

    @Override
    public String describe() {
        return delay.describe();
    }
}

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
            return jitter == 0 ? fixed : fixed + random.nextLong(jitter + 1);
        };
    }

    @Override
    public String describe() {
        return delay.describe();
    }
}

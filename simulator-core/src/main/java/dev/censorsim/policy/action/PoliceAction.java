package dev.censorsim.policy.action;

import dev.censorsim.units.DataRate;
import dev.censorsim.units.Direction;
import dev.censorsim.policy.TokenBucket;
import dev.censorsim.policy.UdpAction;
import dev.censorsim.policy.UdpTreatment;

import java.util.Objects;

/**
 * {@code throttle} on UDP: police each direction to the rate and drop the excess, as a censor's policer does (UDP has
 * no flow control to push back on, and queueing would only add delay). The bucket's burst is the TCP default (20 ms of
 * rate) but at least {@link #MIN_BURST_BYTES}, so a full-size datagram can pass at any rate; a datagram larger than
 * the burst passes only from a full bucket and empties it.
 *
 * @param throttle   the rate, direction and scope from the same {@code throttle} action the TCP relay shapes with
 * @param sharedUp   for {@code scope: rule}: the client-to-server bucket all UDP flows of the rule share, else null
 * @param sharedDown for {@code scope: rule}: the server-to-client bucket all UDP flows of the rule share, else null
 */
public record PoliceAction(ThrottleAction throttle, TokenBucket sharedUp, TokenBucket sharedDown) implements UdpAction {

    /** An Ethernet MTU's worth: the largest datagram a typical path carries unfragmented. */
    public static final long MIN_BURST_BYTES = 1_500;

    public PoliceAction {
        Objects.requireNonNull(throttle, "throttle");
    }

    /** A policer with its own {@code scope: rule} buckets (the TCP shaper's are not shared with UDP). */
    public static PoliceAction of(ThrottleAction throttle) {
        boolean rule = throttle.scope() == ThrottleScope.RULE;
        Direction d = throttle.direction();
        return new PoliceAction(throttle, rule && d.includesUp() ? bucket(throttle.rateBytesPerSecond()) : null,
                rule && d.includesDown() ? bucket(throttle.rateBytesPerSecond()) : null);
    }

    private static TokenBucket bucket(long rate) {
        return new TokenBucket(rate, Math.max(MIN_BURST_BYTES, TokenBucket.defaultBurst(rate)), System.nanoTime());
    }

    @Override
    public String type() {
        return ThrottleAction.TYPE;
    }

    @Override
    public UdpTreatment open(long firstPacketNanos) {
        final Direction d = throttle.direction();
        final TokenBucket up = d.includesUp() ? (sharedUp != null ? sharedUp : bucket(throttle.rateBytesPerSecond())) : null;
        final TokenBucket down = d.includesDown()
                ? (sharedDown != null ? sharedDown : bucket(throttle.rateBytesPerSecond())) : null;
        return (upstream, length, packetIndex, nowNanos) -> {
            TokenBucket bucket = upstream ? up : down;
            return bucket == null || admit(bucket, length, nowNanos) ? UdpTreatment.FORWARD : UdpTreatment.DROP;
        };
    }

    private static boolean admit(TokenBucket bucket, int length, long nowNanos) {
        long wanted = Math.min(length, bucket.burstBytes());
        long taken = bucket.take(wanted, nowNanos);
        if (taken == wanted) {
            return true;
        }
        bucket.giveBack(taken);
        return false;
    }

    @Override
    public String describe() {
        return "police " + DataRate.format(throttle.rateBytesPerSecond()) + " " + throttle.direction().wireName()
                + " per " + throttle.scope().wireName();
    }
}

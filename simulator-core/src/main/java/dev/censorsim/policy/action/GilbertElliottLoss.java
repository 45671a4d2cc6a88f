package dev.censorsim.policy.action;

import dev.censorsim.policy.UdpTreatment;

import java.util.SplittableRandom;

/**
 * The per-flow state of a {@link LossAction}: the Gilbert–Elliott chain's current state and the flow's own seeded
 * generator. The state steps once per affected datagram before the loss draw (as netem's gemodel does), so with
 * {@code p = 0} the chain never leaves the good state and the loss is independent.
 */
final class GilbertElliottLoss implements UdpTreatment {

    private final double p;
    private final double r;
    private final double lossBad;
    private final double lossGood;
    private final boolean up;
    private final boolean down;
    private final SplittableRandom random;
    private boolean bad;

    GilbertElliottLoss(LossAction action) {
        this.p = action.p();
        this.r = action.r();
        this.lossBad = action.lossBad();
        this.lossGood = action.lossGood();
        this.up = action.direction().includesUp();
        this.down = action.direction().includesDown();
        this.random = new SplittableRandom(action.seed());
    }

    @Override
    public long onDatagram(boolean upstream, int length, long packetIndex, long nowNanos) {
        if (upstream ? !up : !down) {
            return FORWARD;
        }
        final SplittableRandom random = this.random;
        if (p > 0) {
            bad = bad ? random.nextDouble() >= r : random.nextDouble() < p;
        }
        return random.nextDouble() < (bad ? lossBad : lossGood) ? DROP : FORWARD;
    }
}

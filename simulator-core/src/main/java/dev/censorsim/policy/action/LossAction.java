package dev.censorsim.policy.action;

import java.util.List;
import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.units.Direction;
import dev.censorsim.policy.UdpAction;
import dev.censorsim.policy.UdpTreatment;

import java.util.Objects;

/**
 * {@code loss} (UDP only): drop datagrams at random, either independently ({@code rate: 20%}) or in bursts with the
 * Gilbert–Elliott two-state model ({@code p}, {@code r}, {@code loss-bad}, {@code loss-good}), the model tc netem's
 * {@code gemodel} uses and the one that sounds like the "metallic" calls of 2025. Plain loss at rate {@code x} is the
 * model with {@code p = 0} and {@code loss-good = x}, so one treatment serves both.
 *
 * @param p         probability per datagram of moving from the good to the bad state
 * @param r         probability per datagram of moving from the bad back to the good state
 * @param lossBad   drop probability in the bad state
 * @param lossGood  drop probability in the good state
 * @param bursty    whether the file gave the Gilbert–Elliott form (only changes {@link #describe()})
 * @param direction which direction(s) lose datagrams
 * @param seed      seeds each flow's generator, so a scenario replays the same losses
 */
public record LossAction(double p, double r, double lossBad, double lossGood, boolean bursty, Direction direction,
                         long seed) implements UdpAction {

    public static final String TYPE = "loss";

    public LossAction {
        checkProbability(p, "p");
        checkProbability(r, "r");
        checkProbability(lossBad, "lossBad");
        checkProbability(lossGood, "lossGood");
        Objects.requireNonNull(direction, "direction");
    }

    /** Independent loss: each datagram is dropped with probability {@code rate}. */
    public static LossAction independent(double rate, Direction direction, long seed) {
        return new LossAction(0, 1, 1, rate, false, direction, seed);
    }

    private static void checkProbability(double value, String name) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(name + " must be within [0, 1], was " + value);
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public UdpTreatment open(long firstPacketNanos) {
        return new GilbertElliottLoss(this);
    }

    /** The long-run fraction of affected datagrams dropped: {@code pi_bad * lossBad + pi_good * lossGood}. */
    public double meanLoss() {
        if (p == 0) {
            return lossGood;
        }
        double bad = p / (p + r);
        return bad * lossBad + (1 - bad) * lossGood;
    }

    @Override
    public String describe() {
        String d = " " + direction.wireName();
        if (!bursty) {
            return "loss " + percent(lossGood) + d;
        }
        return "loss gilbert-elliott p=" + percent(p) + " r=" + percent(r) + " bad=" + percent(lossBad) + " good="
                + percent(lossGood) + " (mean " + percent(meanLoss()) + ")" + d;
    }

    private static String percent(double fraction) {
        double pct = fraction * 100;
        return (pct == Math.rint(pct) ? String.valueOf((long) pct) : String.format(java.util.Locale.ROOT, "%.2f", pct))
                + "%";
    }

    /** Parses a {@code type: loss} mapping; registered in {@link ActionRegistry}. */
    static UdpAction parse(PolicyNode action) throws PolicyException {
        action.checkKeys("a loss action",
                List.of("type", "rate", "p", "r", "loss-bad", "loss-good", "direction", "seed"));
        Direction direction = ActionNodes.direction(action.get("direction"));
        long seed = ActionNodes.seed(action.get("seed"));
        PolicyNode rateNode = action.get("rate");
        PolicyNode pNode = action.get("p");
        if (rateNode != null) {
            for (String key : List.of("p", "r", "loss-bad", "loss-good")) {
                if (action.get(key) != null) {
                    throw action.keyNode(key).error("give either 'rate' (independent loss) or the Gilbert-Elliott "
                            + "'p', 'r', 'loss-bad', 'loss-good', not both");
                }
            }
            return LossAction.independent(ActionNodes.fraction(rateNode, "'rate'"), direction, seed);
        }
        if (pNode == null) {
            throw action.error("expected 'rate' (e.g. 20%) or the Gilbert-Elliott 'p' and 'r' (e.g. p: 2%, r: 25%) "
                    + "in a loss action");
        }
        double p = ActionNodes.fraction(pNode, "'p'");
        double r = ActionNodes.fraction(action.required("r", "a Gilbert-Elliott loss action"), "'r'");
        if (p > 0 && r == 0) {
            throw action.keyNode("r").error("'r' must be above 0%, or the flow never leaves the bad state");
        }
        PolicyNode badNode = action.get("loss-bad");
        PolicyNode goodNode = action.get("loss-good");
        double bad = badNode == null ? 1 : ActionNodes.fraction(badNode, "'loss-bad'");
        double good = goodNode == null ? 0 : ActionNodes.fraction(goodNode, "'loss-good'");
        return new LossAction(p, r, bad, good, true, direction, seed);
    }
}

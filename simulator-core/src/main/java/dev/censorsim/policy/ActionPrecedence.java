package dev.censorsim.policy;

import java.util.Map;

/**
 * How the verdicts of several DPI modules combine on one flow: the most severe action wins, and only it is applied.
 * reset &gt; blackhole &gt; freeze &gt; throttle &gt; delay &gt; pass &gt; no match. The order follows what a user
 * of the path sees: a RST ends the flow whatever else was decided; a black hole makes a throttle moot; a freeze lets
 * 16 KB through and then is a black hole, so it beats a throttle that would still let data through; a throttle bounds
 * throughput, which matters more than added latency. Between equal ranks, the earlier module in the file wins.
 * Action types this table does not know rank with {@code delay}: they shape a flow without ending it.
 */
public final class ActionPrecedence {

    private static final Map<String, Integer> RANKS = Map.of(
            "reset", 6, "blackhole", 5, "freeze", 4, "throttle", 3, "delay", 2, "pass", 1);
    private static final int UNKNOWN_TYPE_RANK = 2;

    private ActionPrecedence() {
    }

    /** The rank of a verdict: 0 for no match, higher is more severe. */
    public static int rank(Verdict verdict) {
        if (verdict == null || verdict.isPass()) {
            return 0;
        }
        return RANKS.getOrDefault(verdict.action().type(), UNKNOWN_TYPE_RANK);
    }

    /** The more severe of two verdicts; {@code first} on a tie. */
    public static Verdict stronger(Verdict first, Verdict second) {
        return rank(second) > rank(first) ? second : first;
    }
}

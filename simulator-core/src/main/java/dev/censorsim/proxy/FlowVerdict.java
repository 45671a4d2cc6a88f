package dev.censorsim.proxy;

import dev.censorsim.policy.TcpAction;

/**
 * What a {@link FlowPolicy} decided for one flow.
 *
 * @param ruleName the matching rule's name, {@code null} for a pass
 * @param action   what to do, {@code null} for a pass
 * @param counters where the flow's hit and bytes are counted
 * @param stateTimeoutNanos how long the verdict outlives the flow's last packet on its 4-tuple; 0 for not at all
 */
public record FlowVerdict(String ruleName, TcpAction action, Counters counters, long stateTimeoutNanos) {

    /** No rule matched: relay untouched (link buckets still apply). */
    public static final FlowVerdict PASS = new FlowVerdict(null, null, Counters.NONE, 0);

    /** A verdict that keeps no state past its connection. */
    public FlowVerdict(String ruleName, TcpAction action, Counters counters) {
        this(ruleName, action, counters, 0);
    }

    public FlowVerdict {
        if ((ruleName == null) != (action == null)) {
            throw new IllegalArgumentException("a verdict has both a rule name and an action, or neither");
        }
        counters = counters == null ? Counters.NONE : counters;
        if (stateTimeoutNanos < 0) {
            throw new IllegalArgumentException("stateTimeoutNanos must be >= 0, was " + stateTimeoutNanos);
        }
    }

    public boolean isPass() {
        return action == null;
    }

    /** Per-rule counters; called on event loops, so implementations must be thread-safe. */
    public interface Counters {

        Counters NONE = new Counters() {
            @Override
            public void flowHit() {
            }

            @Override
            public void addBytesUp(long bytes) {
            }

            @Override
            public void addBytesDown(long bytes) {
            }
        };

        void flowHit();

        void addBytesUp(long bytes);

        void addBytesDown(long bytes);
    }
}

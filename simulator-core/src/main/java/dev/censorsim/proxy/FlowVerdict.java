package dev.censorsim.proxy;

import dev.censorsim.policy.TcpAction;

/**
 * What a {@link FlowPolicy} decided for one flow.
 *
 * @param ruleName the matching rule's name, {@code null} for a pass
 * @param action   what to do, {@code null} for a pass
 * @param counters where the flow's hit and bytes are counted
 */
public record FlowVerdict(String ruleName, TcpAction action, Counters counters) {

    /** No rule matched: relay untouched (link buckets still apply). */
    public static final FlowVerdict PASS = new FlowVerdict(null, null, Counters.NONE);

    public FlowVerdict {
        if ((ruleName == null) != (action == null)) {
            throw new IllegalArgumentException("a verdict has both a rule name and an action, or neither");
        }
        counters = counters == null ? Counters.NONE : counters;
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

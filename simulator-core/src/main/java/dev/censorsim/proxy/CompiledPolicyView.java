package dev.censorsim.proxy;

import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.CompiledRule;
import dev.censorsim.policy.FlowFacts;
import dev.censorsim.policy.RuleCounters;
import dev.censorsim.policy.TokenBucket;
import dev.censorsim.policy.Verdict;

import java.util.Objects;

/**
 * Adapts one {@link CompiledPolicy} snapshot to the proxy's {@link FlowPolicy}. Two views of the same snapshot are
 * equal, so a re-evaluation round that finds the holder unchanged leaves flows (and rule counters) alone.
 */
final class CompiledPolicyView implements FlowPolicy {

    private final CompiledPolicy policy;

    CompiledPolicyView(CompiledPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    @Override
    public InspectionSettings inspection() {
        return policy.inspection();
    }

    @Override
    public boolean needsContent() {
        return policy.needsContent();
    }

    @Override
    public TokenBucket linkUp() {
        return policy.linkUp();
    }

    @Override
    public TokenBucket linkDown() {
        return policy.linkDown();
    }

    @Override
    public boolean isInside(java.net.InetAddress client) {
        return policy.isInside(client);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CompiledPolicyView view && view.policy == policy;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(policy);
    }

    @Override
    public FlowVerdict evaluate(FlowFacts facts) {
        Verdict verdict = policy.evaluate(facts);
        if (verdict == null || verdict.isPass()) {
            return FlowVerdict.PASS;
        }
        CompiledRule rule = verdict.rule();
        RuleCounters counters = rule.counters();
        return new FlowVerdict(rule.name(), verdict.action(), new FlowVerdict.Counters() {
            @Override
            public void flowHit() {
                // CompiledPolicy.evaluate already counted the hit on the winning rule.
            }

            @Override
            public void addBytesUp(long bytes) {
                counters.addBytesUp(bytes);
            }

            @Override
            public void addBytesDown(long bytes) {
                counters.addBytesDown(bytes);
            }
        }, rule.stateTimeoutNanos());
    }
}

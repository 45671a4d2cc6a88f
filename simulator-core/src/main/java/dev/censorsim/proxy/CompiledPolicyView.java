package dev.censorsim.proxy;

import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.CompiledRule;
import dev.censorsim.policy.FlowFacts;
import dev.censorsim.policy.RuleCounters;
import dev.censorsim.policy.TokenBucket;
import dev.censorsim.policy.Verdict;

import java.util.Objects;

/** Adapts one {@link CompiledPolicy} snapshot to the proxy's {@link FlowPolicy}. */
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
        });
    }
}

package dev.censorsim.proxy;

import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.classify.ModuleInspection;
import dev.censorsim.classify.StreamClassification;
import dev.censorsim.policy.ActionPrecedence;
import dev.censorsim.policy.DpiModule;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.CompiledRule;
import dev.censorsim.policy.FlowFacts;
import dev.censorsim.policy.RuleCounters;
import dev.censorsim.policy.TokenBucket;
import dev.censorsim.policy.Verdict;

import java.util.List;
import java.util.Objects;

/**
 * Adapts one {@link CompiledPolicy} snapshot to the proxy's {@link FlowPolicy}. Two views of the same snapshot are
 * equal, so a re-evaluation round that finds the holder unchanged leaves flows (and rule counters) alone.
 */
final class CompiledPolicyView implements FlowPolicy {

    private final CompiledPolicy policy;
    private final List<ModuleInspection> moduleInspections;

    CompiledPolicyView(CompiledPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.moduleInspections = policy.modules().stream().map(DpiModule::inspection).toList();
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
    public List<ModuleInspection> modules() {
        return moduleInspections;
    }

    /** Every module evaluates the flow; the most severe verdict wins ({@link ActionPrecedence}). */
    @Override
    public FlowVerdict evaluate(FlowFacts facts, StreamClassification[] perModule) {
        List<DpiModule> modules = policy.modules();
        if (modules.isEmpty()) {
            return evaluate(facts);
        }
        Verdict best = policy.evaluate(facts);
        for (int i = 0; i < modules.size(); i++) {
            FlowFacts seen = perModule == null || i >= perModule.length || perModule[i] == null ? facts
                    : new FlowFacts(facts.client(), facts.server(), facts.target(), perModule[i]);
            best = ActionPrecedence.stronger(best, modules.get(i).evaluate(seen));
        }
        return toFlowVerdict(best);
    }

    @Override
    public FlowVerdict evaluate(FlowFacts facts) {
        return toFlowVerdict(policy.evaluate(facts));
    }

    private static FlowVerdict toFlowVerdict(Verdict verdict) {
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

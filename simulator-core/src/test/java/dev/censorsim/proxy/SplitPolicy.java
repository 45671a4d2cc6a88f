package dev.censorsim.proxy;

import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.policy.FlowFacts;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TokenBucket;

import java.util.Set;

/** Two rules decided at connect time: flows from {@code victimPorts} get {@code victim}, all others {@code keeper}. */
final class SplitPolicy implements FlowPolicy {

    private final Set<Integer> victimPorts;
    private final FlowVerdict keeper;
    private final FlowVerdict victim;

    SplitPolicy(Set<Integer> victimPorts, TcpAction keeper, TcpAction victim) {
        this.victimPorts = victimPorts;
        this.keeper = new FlowVerdict("keeper", keeper, FlowVerdict.Counters.NONE);
        this.victim = new FlowVerdict("victim", victim, FlowVerdict.Counters.NONE);
    }

    @Override
    public InspectionSettings inspection() {
        return InspectionSettings.DEFAULT;
    }

    @Override
    public boolean needsContent() {
        return false;
    }

    @Override
    public TokenBucket linkUp() {
        return null;
    }

    @Override
    public TokenBucket linkDown() {
        return null;
    }

    @Override
    public FlowVerdict evaluate(FlowFacts facts) {
        return victimPorts.contains(facts.client().getPort()) ? victim : keeper;
    }
}

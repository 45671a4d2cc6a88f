package dev.censorsim.control.toxiproxy;

import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.policy.FlowFacts;
import dev.censorsim.policy.TokenBucket;
import dev.censorsim.policy.action.ChainAction;
import dev.censorsim.proxy.FlowPolicy;
import dev.censorsim.proxy.FlowVerdict;

import java.util.List;

/**
 * A forward's own toxics on top of a shared censor policy (a {@code serve --forward} port under {@code --policy}):
 * the base policy decides inspection, link and its rule's verdict; the toxics' action is chained after the rule's
 * action, so a flow gets both. Views of one snapshot of each are equal, so only a real swap of either changes live
 * flows.
 */
record LayeredPolicy(FlowPolicy base, FlowPolicy toxics) implements FlowPolicy {

    @Override
    public InspectionSettings inspection() {
        return base.inspection();
    }

    @Override
    public boolean needsContent() {
        return base.needsContent();
    }

    @Override
    public TokenBucket linkUp() {
        return base.linkUp();
    }

    @Override
    public TokenBucket linkDown() {
        return base.linkDown();
    }

    @Override
    public FlowVerdict evaluate(FlowFacts facts) {
        FlowVerdict rule = base.evaluate(facts);
        FlowVerdict toxic = toxics.evaluate(facts);
        if (toxic == null || toxic.isPass()) {
            return rule;
        }
        if (rule == null || rule.isPass()) {
            return toxic;
        }
        return new FlowVerdict(rule.ruleName(), new ChainAction(List.of(rule.action(), toxic.action())),
                rule.counters());
    }
}

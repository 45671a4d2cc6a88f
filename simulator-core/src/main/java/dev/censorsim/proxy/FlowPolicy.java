package dev.censorsim.proxy;

import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.policy.FlowFacts;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.TokenBucket;

/**
 * The proxy's view of a censor policy, taken once per flow when the upstream is connected. Production code adapts a
 * {@link dev.censorsim.policy.CompiledPolicy} with {@link #of(PolicyHolder)}; the seam exists so the relay mechanics
 * can be driven directly (tests, scenario steps with their own state) without going through a policy file.
 */
public interface FlowPolicy {

    /** How deep to inspect the first client bytes. */
    InspectionSettings inspection();

    /** {@code false}: no rule looks at content, so the verdict is taken at connect time without holding bytes. */
    boolean needsContent();

    /** The whole link's client-to-server bucket shared by every flow, or {@code null}. */
    TokenBucket linkUp();

    /** The whole link's server-to-client bucket shared by every flow, or {@code null}. */
    TokenBucket linkDown();

    /**
     * The verdict for a classified flow; {@link FlowVerdict#PASS} when no rule matches. Must not block. Called once
     * when the flow is classified and again, with the same facts, when a re-evaluation finds a policy not
     * {@link Object#equals equal} to the flow's current one.
     */
    FlowVerdict evaluate(FlowFacts facts);

    /**
     * Whether a flow initiated by {@code client} comes from the inside of the box and is inspected; a flow initiated
     * from outside is relayed uninspected, as the TSPU ignored them. Every client is inside unless the policy says.
     */
    default boolean isInside(java.net.InetAddress client) {
        return true;
    }

    /**
     * The inspection settings of the policy's {@code modules:}, in order; each module classifies the flow's first
     * client bytes on its own. Empty for a single-module policy (then only {@link #inspection()} applies).
     */
    default java.util.List<dev.censorsim.classify.ModuleInspection> modules() {
        return java.util.List.of();
    }

    /**
     * The combined verdict of every module: {@code facts} for the top-level rules, and for module {@code i} the same
     * facts with {@code perModule[i]} as the classification ({@code perModule} null: every module sees
     * {@code facts}). The default ignores modules.
     */
    default FlowVerdict evaluate(FlowFacts facts, dev.censorsim.classify.StreamClassification[] perModule) {
        return evaluate(facts);
    }

    /**
     * A source that reads {@code holder.current()} for each new flow and each re-evaluation; views of one snapshot are
     * equal, so only a real swap changes live flows.
     */
    static java.util.function.Supplier<FlowPolicy> of(PolicyHolder holder) {
        java.util.Objects.requireNonNull(holder, "holder");
        return () -> new CompiledPolicyView(holder.current());
    }
}

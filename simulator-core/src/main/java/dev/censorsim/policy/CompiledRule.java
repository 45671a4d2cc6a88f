package dev.censorsim.policy;

import java.util.Objects;

/** One rule of a {@link CompiledPolicy}: its name, its compiled match, its action and its counters. */
public final class CompiledRule {

    private final String name;
    private final RuleMatch match;
    private final TcpAction action;
    private final RuleCounters counters = new RuleCounters();
    private final Verdict verdict;

    CompiledRule(String name, RuleMatch match, TcpAction action) {
        this.name = Objects.requireNonNull(name, "name");
        this.match = Objects.requireNonNull(match, "match");
        this.action = Objects.requireNonNull(action, "action");
        // Built once, so evaluate() hands out the same verdict instead of allocating one per flow.
        this.verdict = new Verdict(this, action);
    }

    /** The rule's {@code name:} from the policy file; unique within the policy. */
    public String name() {
        return name;
    }

    public TcpAction action() {
        return action;
    }

    public RuleCounters counters() {
        return counters;
    }

    RuleMatch match() {
        return match;
    }

    Verdict verdict() {
        return verdict;
    }

    @Override
    public String toString() {
        return name + " -> " + action.describe();
    }
}

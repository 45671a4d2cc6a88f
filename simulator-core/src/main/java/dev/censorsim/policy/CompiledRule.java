package dev.censorsim.policy;

/** Temporary stand-in; replaced by the policy branch. */
public final class CompiledRule {
    private final RuleCounters counters = new RuleCounters();

    public String name() {
        return "stand-in";
    }

    public TcpAction action() {
        return null;
    }

    public RuleCounters counters() {
        return counters;
    }
}

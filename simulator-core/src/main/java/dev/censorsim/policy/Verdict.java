package dev.censorsim.policy;

/**
 * The outcome of evaluating a flow: the first matching rule and its action, or {@link #PASS} when no rule matched
 * (then both are {@code null}).
 */
public record Verdict(CompiledRule rule, TcpAction action) {

    /** No rule matched: relay the flow untouched (apart from the link, if any). */
    public static final Verdict PASS = new Verdict(null, null);

    public Verdict {
        if ((rule == null) != (action == null)) {
            throw new IllegalArgumentException("rule and action must both be given or both be null");
        }
    }

    public boolean isPass() {
        return rule == null;
    }

    @Override
    public String toString() {
        return isPass() ? "pass" : rule.name() + ": " + action.describe();
    }
}

package dev.censorsim.policy;

/** Temporary stand-in; replaced by the policy branch. */
public record Verdict(CompiledRule rule, TcpAction action) {
    public static final Verdict PASS = new Verdict(null, null);

    public boolean isPass() {
        return rule == null;
    }
}
